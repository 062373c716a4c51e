"""随手拍 endpoints: filing, lists, detail, lifecycle steps, reassignment, catalog and calendar."""

from flask import url_for

from suishoupai.auth.models import ADMIN_ROLES, Role
from suishoupai.extensions import Blueprint, errors
from suishoupai.limits import limited
from suishoupai.org.actor import current_actor, require_role
from suishoupai.org.schemas import CoordArgs
from suishoupai.pagination import page_of
from suishoupai.reports import (
    catalog,
    contact,
    duplicates,
    filing,
    follows,
    nearby,
    oversight,
    photo_checks,
    present,
    queries,
    schemas,
    service,
    step_schemas,
)
from suishoupai.reports.lifecycle import Action
from suishoupai.web import json_answer, reads, writes

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="随手拍")
#: the catalog and calendar are shared by every community: the district keeps them
CATALOG_ADMINS = (Role.DISTRICT_ADMIN,)


@blp.route("/categories")
@blp.response(200, schemas.CategoryOut(many=True))
def categories():
    """Report categories with their deadlines."""
    current_actor()
    return catalog.active_categories()


@blp.route("/reports", methods=["POST"])
@errors(409)
@limited("report")
@blp.arguments(schemas.ReportCreate)
@blp.arguments(CoordArgs, location="query")
@writes(idempotent=True)
@blp.response(201, schemas.ReportDetail)
def file_report(data, args):
    """File a report; it is routed at once to the grid member who owns the spot.

    The same account filing the same category within REPORT_REPEAT_RADIUS_M (50 m) of one of its own
    open reports filed in the last REPORT_REPEAT_MINUTES (10) gets 409 `report.repeat` instead of a
    second case, with `details.report_id` naming that report (the mini-program opens it) and
    `details.distance_m`. A retry with the same Idempotency-Key still replays the first answer.
    """
    actor = current_actor()
    filed = filing.file_report(actor, data)
    # the busiest write: detail() already gives the documented shape (a test holds the answer equal
    # to what GET dumps through the schema), so the schema's dump is skipped
    answer = json_answer(present.detail(filed.report, actor, args["coord_type"],
                                        fresh=(filed.photos, filed.events), known=filed.people), 201)
    answer.headers["Location"] = url_for("reports.get_report", report_id=filed.report.id)
    return answer


@blp.route("/reports")
@errors(403)
@blp.arguments(schemas.ReportQuery, location="query")
@reads
@blp.response(200, page_of(schemas.ReportItem))
def list_reports(args):
    """Reports in a scope: mine, assigned, grid, community or the public board."""
    actor = current_actor()
    page = queries.list_reports(actor, args)
    page["items"] = present.list_items(page["items"], actor, args["coord_type"],
                                       public_view=args["scope"] == "public")
    # the busiest read: present() already gives the documented shape, so the schema's dump is skipped
    return json_answer(page)


@blp.route("/reports/nearby")
@blp.arguments(schemas.NearbyArgs, location="query")
@blp.response(200, schemas.NearbyResult)
def nearby_reports(args):
    """Open reports of a category close to a spot, nearest first, to follow (附议) instead of filing."""
    actor = current_actor()
    hits = nearby.find(args["lat"], args["lng"], args["coord_type"], args.get("category"))
    return {"items": present.nearby(hits, actor, args["coord_type"])}


@blp.route("/reports/<id:report_id>/follow", methods=["POST"])
@errors(404, 409)
@limited("follow")
@writes
@blp.response(200, schemas.FollowState)
def follow(report_id):
    """Follow (附议) an open report once; following again answers the same state."""
    return follows.follow(current_actor(), report_id)


@blp.route("/reports/<id:report_id>/follow", methods=["DELETE"])
@errors(404)
@writes
@blp.response(200, schemas.FollowState)
def unfollow(report_id):
    """Stop following a report; not following it is no error."""
    return follows.unfollow(current_actor(), report_id)


@blp.route("/reports/<id:report_id>/reporter/reveal", methods=["POST"])
@errors(404, 409)
@writes
@blp.response(200, schemas.ReporterContact)
def reveal_reporter(report_id):
    """Staff handling the case: the reporter's full phone to call them back; recorded in the access log."""
    return contact.reveal_reporter(current_actor(), report_id)


@blp.route("/reports/<id:report_id>/duplicates")
@errors(403, 404)
@blp.arguments(CoordArgs, location="query")
@blp.response(200, schemas.SuspectList)
def suspected_duplicates(args, report_id):
    """Staff: reports that may be the same problem (near in space and time, or the same picture)."""
    actor = current_actor()
    return {"items": present.suspects(duplicates.suspects(actor, report_id), actor, args["coord_type"])}


@blp.route("/reports/<id:report_id>/grids")
@errors(404)
@blp.arguments(CoordArgs, location="query")
@blp.response(200, schemas.CaseGrids)
def case_grids(args, report_id):
    """The grid outlines a case file's map draws (its grid, its community's), for anyone who may see it."""
    return oversight.case_grids(current_actor(), report_id, args["coord_type"])


@blp.route("/reports/<id:report_id>/merge", methods=["POST"])
@errors(404, 409)
@blp.arguments(schemas.MergeBody)
@blp.arguments(CoordArgs, location="query")
@writes
@blp.response(200, schemas.ReportDetail)
def merge(body, args, report_id):
    """Reject this report as a duplicate of `into`; its followers and reporter follow the original."""
    actor = current_actor()
    taken = duplicates.merge(actor, report_id, body["into"], body.get("reason"))
    return present.detail(taken.report, actor, args["coord_type"], parties=taken.parties)


@blp.route("/reports/<id:report_id>/flags/review", methods=["POST"])
@errors(404, 409)
@blp.arguments(schemas.FlagReviewBody)
@blp.arguments(CoordArgs, location="query")
@writes
@blp.response(200, schemas.ReportDetail)
def review_flags(body, args, report_id):
    """Admins: mark the case's after-photo flags as looked at (they leave the flagged queue)."""
    actor = current_actor()
    report = photo_checks.review(actor, report_id, body.get("note"))
    return present.detail(report, actor, args["coord_type"])


@blp.route("/reports/<id:report_id>")
@errors(404)
@blp.arguments(CoordArgs, location="query")
@blp.response(200, schemas.ReportDetail)
def get_report(args, report_id):
    """A report with its photos and timeline."""
    actor = current_actor()
    return present.detail(queries.get_visible(actor, report_id), actor, args["coord_type"])


def _step_route(action: Action, body: type[step_schemas.StepBody]) -> None:
    """POST /reports/{id}/<action>: load the step's own body, take the step, answer the detail."""

    def step(data, args, report_id):
        actor = current_actor()
        taken = service.take_step(actor, report_id, action, data)
        return present.detail(taken.report, actor, args["coord_type"], parties=taken.parties)

    # the first line of the docstring is the operation's summary in the document
    step.__name__, step.__doc__ = f"{action}_report", f"{body.__doc__}\n\n{STEP_DOC}"
    view = blp.response(200, schemas.ReportDetail)(step)
    view = blp.arguments(CoordArgs, location="query")(writes(view))
    view = errors(404, 409)(blp.arguments(body)(view))
    blp.route(f"/reports/<id:report_id>/{action}", methods=["POST"])(view)


STEP_DOC = ("404 when the case is not the caller's work (or own report); 409 when the lifecycle does "
            "not let the caller take this step now (the detail's `actions` lists the steps it does).")
STEP_BODIES = {
    Action.ACCEPT: step_schemas.AcceptStep, Action.TRANSFER: step_schemas.TransferStep,
    Action.RETURN: step_schemas.ReturnStep,
    Action.ESCALATE: step_schemas.EscalateStep, Action.RESOLVE: step_schemas.ResolveStep,
    Action.REJECT: step_schemas.RejectStep, Action.REOPEN: step_schemas.ReopenStep,
    Action.CONFIRM: step_schemas.ConfirmStep, Action.RATE: step_schemas.RateStep,
}
for _action, _body in STEP_BODIES.items():
    _step_route(_action, _body)


@blp.route("/admin/reports/<id:report_id>/reassign", methods=["POST"])
@errors(403, 404, 409)
@blp.arguments(schemas.ReassignBody)
@blp.arguments(CoordArgs, location="query")
@writes
@blp.response(200, schemas.ReportDetail)
def reassign(body, args, report_id):
    """Give a case to another grid member of its community, keeping its deadlines."""
    actor = require_role(*ADMIN_ROLES)
    taken = service.reassign_report(actor, report_id, body["assignee_id"], body.get("note"))
    return present.detail(taken.report, actor, args["coord_type"], parties=taken.parties)


@blp.route("/admin/grid-members/<id:user_id>/handover", methods=["POST"])
@errors(403, 404, 409)
@blp.arguments(schemas.HandoverBody)
@writes
@blp.response(200, schemas.HandoverResult)
def handover(body, user_id):
    """Move every open case of a grid member to another (leave, handover)."""
    return {"moved": service.handover(require_role(*ADMIN_ROLES), user_id, body["to_user_id"])}


@blp.route("/admin/categories")
@errors(403)
@blp.response(200, schemas.CategoryOut(many=True))
def all_categories():
    """The whole catalog, inactive categories included."""
    require_role(*CATALOG_ADMINS)
    return catalog.all_categories()


@blp.route("/admin/categories", methods=["POST"])
@errors(403, 404, 409)
@blp.arguments(schemas.CategoryIn)
@writes
@blp.response(201, schemas.CategoryOut)
def create_category(data):
    """Add a category."""
    require_role(*CATALOG_ADMINS)
    return catalog.create_category(data)


@blp.route("/admin/categories/<string(maxlength=32):code>", methods=["PATCH"])
@errors(403, 404)
@blp.arguments(schemas.CategoryPatch)
@writes
@blp.response(200, schemas.CategoryOut)
def update_category(changes, code):
    """Change a category's deadlines, department or status."""
    require_role(*CATALOG_ADMINS)
    return catalog.update_category(code, changes)


@blp.route("/admin/calendar")
@errors(403)
@blp.arguments(schemas.YearArgs, location="query")
@blp.response(200, schemas.CalendarDayOut(many=True))
def calendar(args):
    """Holidays and make-up working days of a year."""
    require_role(*CATALOG_ADMINS)
    return catalog.calendar_days(args["year"])


@blp.route("/admin/calendar/<isodate:day>", methods=["PUT"])
@errors(403)
@blp.arguments(schemas.CalendarDayIn)
@writes
@blp.response(200, schemas.CalendarDayOut(many=True))
def set_calendar_day(data, day):
    """Mark a day as holiday or make-up working day (null removes the exception)."""
    require_role(*CATALOG_ADMINS)
    catalog.set_day(day, data["is_workday"], data.get("note"))
    return catalog.calendar_days(day.year)
