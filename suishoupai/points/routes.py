"""Riders, my points, rankings, the rule book, manual points, award review, monthly statements."""

from flask import Response, url_for

from suishoupai.extensions import Blueprint, errors
from suishoupai.limits import limited
from suishoupai.org.actor import current_actor
from suishoupai.pagination import PageArgs, page_of
from suishoupai.points import admin, riders, rulebook, schemas, statements
from suishoupai.web import writes

blp = Blueprint("points", __name__, url_prefix="/api/v1", description="新就业群体积分")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blp.route("/riders", methods=["POST"])
@errors(403, 409)
@limited("rider")
@blp.arguments(schemas.RiderCreate)
@writes(idempotent=True)
@blp.response(201, schemas.RiderOut)
def register_rider(data):
    """Register as a delivery rider or courier; a community admin verifies."""
    rider = riders.register(current_actor(), data)
    return riders.card(rider), 201, {"Location": url_for("points.my_rider")}


@blp.route("/riders/me")
@errors(404)
@blp.response(200, schemas.RiderOut)
def my_rider():
    """The caller's registration and its review status."""
    return riders.card(riders.own(current_actor()))


@blp.route("/riders")
@errors(403)
@blp.arguments(schemas.RiderQuery, location="query")
@blp.response(200, page_of(schemas.RiderOut))
def list_riders(args):
    """Registrations of the admin's communities, newest first."""
    page = riders.list_riders(current_actor(), args)
    return {"items": [riders.card(r) for r in page["items"]], "next_cursor": page["next_cursor"]}


@blp.route("/riders/<id:rider_id>/verify", methods=["POST"])
@errors(403, 404, 409)
@blp.arguments(schemas.VerifyBody)
@writes
@blp.response(200, schemas.RiderOut)
def verify_rider(body, rider_id):
    """Approve a registration (the rider starts earning), or reject it with a reason."""
    return riders.card(riders.verify(current_actor(), rider_id, body["decision"], body.get("reason")))


@blp.route("/points/me")
@blp.arguments(PageArgs, location="query")
@blp.response(200, schemas.MeOut)
def my_points(args):
    """Balance and statement: every entry with its rule, rule version and source."""
    return statements.me(current_actor(), args)


@blp.route("/points/awards")
@blp.arguments(schemas.AwardQuery, location="query")
@blp.response(200, schemas.AwardPage)
def my_awards(args):
    """What each of my sources earned, and why a capped or ineligible one earned nothing."""
    return statements.my_awards(current_actor(), args)


@blp.route("/points/leaderboard")
@errors(404)
@blp.arguments(schemas.LeaderboardQuery, location="query")
@blp.response(200, schemas.LeaderboardOut)
def leaderboard(args):
    """Rankings of a community or street for a month or a year (ties: who got there first)."""
    current_actor()
    return statements.leaderboard(args["scope"], args["period"], args["limit"])


@blp.route("/points/rules")
@blp.response(200, schemas.RuleOut(many=True))
def rules():
    """The 贡献积分细则 in force."""
    current_actor()
    return rulebook.current_rules()


@blp.route("/admin/points/rules")
@errors(403)
@blp.arguments(schemas.RuleHistoryQuery, location="query")
@blp.response(200, schemas.RuleOut(many=True))
def rule_history(args):
    """Every version of the rules (or of one), newest first per rule."""
    return rulebook.history(current_actor(), args.get("code"))


@blp.route("/admin/points/rules", methods=["POST"])
@errors(403, 409)
@blp.arguments(schemas.RuleCreate)
@writes(idempotent=True)
@blp.response(201, schemas.RuleOut)
def create_rule(data):
    """Add a rule to the book (version 1, in force now)."""
    return rulebook.create(current_actor(), data), 201


@blp.route("/admin/points/rules/<string:code>", methods=["PATCH"])
@errors(403, 404)
@blp.arguments(schemas.RuleEdit)
@writes
@blp.response(200, schemas.RuleOut)
def edit_rule(data, code):
    """Change a rule: the next version takes over now; past awards keep the version they used."""
    return rulebook.edit(current_actor(), code, data)


@blp.route("/admin/points/awards")
@errors(403)
@blp.arguments(schemas.AdminAwardQuery, location="query")
@blp.response(200, schemas.AwardPage)
def community_awards(args):
    """Awards of the admin's communities (e.g. those waiting for review), newest first."""
    return statements.community_awards(current_actor(), args)


@blp.route("/admin/points/awards/<id:award_id>/review", methods=["POST"])
@errors(403, 404, 409)
@blp.arguments(schemas.AwardReviewBody)
@writes
@blp.response(200, schemas.AwardOut)
def review_award(body, award_id):
    """Approve (credit within the caps) or deny an award waiting for review."""
    return statements.award_cards([admin.review(current_actor(), award_id, body["decision"])])[0]


@blp.route("/admin/points/adjustments", methods=["POST"])
@errors(403, 404, 409)
@blp.arguments(schemas.AdjustmentIn)
@writes(idempotent=True)
@blp.response(201, schemas.AdjustmentOut)
def adjust(data):
    """Award (+) or deduct (−) a rider's points with a reason; a deduction never goes below zero."""
    entry, balance = admin.adjust(current_actor(), data)
    return {"id": entry.id, "user_id": entry.user_id, "community_id": entry.community_id,
            "amount": entry.amount, "reason": entry.reason, "txn_id": entry.txn_id, "balance": balance,
            "created_at": entry.created_at}, 201


@blp.route("/admin/points/statements/<id:community_id>")
@errors(403, 404)
@blp.arguments(schemas.StatementQuery, location="query")
@blp.doc(responses={"200": {"description": "xlsx workbook",
                            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def monthly_statement(args, community_id):
    """A community's points statement for a month, as an xlsx workbook (summary and every line)."""
    data, filename = statements.monthly_statement(current_actor(), community_id, args["month"])
    return Response(data, mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
