"""微心愿 endpoints: submit, board, review, claim, release, fulfil, confirm, the beneficiary's reveal,
campaigns, 双报到 and its review."""

from flask import url_for

from suishoupai.auth.models import ADMIN_ROLES
from suishoupai.extensions import Blueprint, errors
from suishoupai.limits import limited
from suishoupai.org.actor import current_actor, require_role
from suishoupai.pagination import PageArgs, page_of
from suishoupai.web import writes
from suishoupai.wishes import community, contacts, present, queries, schemas, service, volunteers

blp = Blueprint("wishes", __name__, url_prefix="/api/v1", description="微心愿")


@blp.route("/wishes", methods=["POST"])
@errors(403, 404, 409)
@limited("wish")
@blp.arguments(schemas.WishCreate)
@writes(idempotent=True)
@blp.response(201, schemas.WishDetail)
def submit(data):
    """Post a wish (residents), or enter one for a resident without a smartphone (grid members)."""
    actor = current_actor()
    wish = service.submit(actor, data)
    return present.detail(wish, actor), 201, {"Location": url_for("wishes.get_wish", wish_id=wish.id)}


@blp.route("/wishes")
@errors(403)
@blp.arguments(schemas.WishQuery, location="query")
@blp.response(200, page_of(schemas.WishOut))
def list_wishes(args):
    """The wish board (longest waiting first), my wishes, my claims, or my grid's."""
    actor = current_actor()
    page = queries.list_wishes(actor, args)
    return {**page, "items": present.present(page["items"], actor)}


@blp.route("/wishes/<id:wish_id>")
@errors(404)
@blp.response(200, schemas.WishDetail)
def get_wish(wish_id):
    """A wish with its public progress."""
    actor = current_actor()
    return present.detail(queries.get_visible(actor, wish_id), actor)


@blp.route("/wishes/<id:wish_id>/review", methods=["POST"])
@errors(403, 404, 409)
@blp.arguments(schemas.ReviewBody)
@writes
@blp.response(200, schemas.WishDetail)
def review(body, wish_id):
    """Publish a wish on the board, or reject it with a reason."""
    actor = current_actor()
    wish = service.review(actor, wish_id, body["decision"], body.get("reason"), body["open_to"])
    return present.detail(wish, actor)


@blp.route("/wishes/<id:wish_id>/open-to", methods=["POST"])
@errors(403, 404, 409)
@blp.arguments(schemas.OpenToBody)
@writes
@blp.response(200, schemas.WishDetail)
def set_open_to(body, wish_id):
    """Change who may claim a wish on the board: its community, street or district (admins)."""
    actor = current_actor()
    return present.detail(service.set_open_to(actor, wish_id, body["open_to"]), actor)


@blp.route("/wishes/<id:wish_id>/beneficiary/reveal", methods=["POST"])
@errors(403, 404, 409, 429)
@blp.arguments(schemas.EmptyBody)
@writes
@blp.response(200, schemas.BeneficiaryOut)
def reveal_beneficiary(_body, wish_id):
    """The beneficiary's full name, phone and address, for the standing claimant or the place's staff;
    recorded in the access log, limited per claimant per day."""
    return contacts.reveal(current_actor(), wish_id)


@blp.route("/wishes/<id:wish_id>/claim", methods=["POST"])
@errors(403, 404, 409, 429)
@limited("claim")
@blp.arguments(schemas.EmptyBody)
@writes
@blp.response(200, schemas.WishDetail)
def claim(_body, wish_id):
    """Claim a published wish (认领): approved volunteers and verified riders of its area; exactly one
    claim stands."""
    actor = current_actor()
    return present.detail(service.claim(actor, wish_id), actor)


@blp.route("/wishes/<id:wish_id>/release", methods=["POST"])
@errors(403, 404, 409)
@limited("claim")
@blp.arguments(schemas.ReasonBody)
@writes
@blp.response(200, schemas.WishDetail)
def release(body, wish_id):
    """Give a claim back, with a reason; the wish returns to the board."""
    actor = current_actor()
    return present.detail(service.release(actor, wish_id, body.get("reason")), actor)


@blp.route("/wishes/<id:wish_id>/fulfil", methods=["POST"])
@errors(403, 404, 409)
@blp.arguments(schemas.FulfilBody)
@writes
@blp.response(200, schemas.WishDetail)
def fulfil(body, wish_id):
    """Mark a claimed wish fulfilled, with photos."""
    actor = current_actor()
    return present.detail(service.fulfil(actor, wish_id, body.get("note"), body["media_ids"],
                                         body.get("hours")), actor)


@blp.route("/wishes/<id:wish_id>/confirm", methods=["POST"])
@errors(403, 404, 409)
@blp.arguments(schemas.ConfirmBody)
@writes
@blp.response(200, schemas.WishDetail)
def confirm(body, wish_id):
    """Confirm the wish came true, optionally with thanks."""
    actor = current_actor()
    return present.detail(service.confirm(actor, wish_id, body.get("thanks")), actor)


@blp.route("/wishes/progress")
@blp.arguments(schemas.ProgressArgs, location="query")
@blp.response(200, schemas.ProgressOut)
def progress(args):
    """Public progress: wishes submitted, published, claimed, fulfilled, confirmed."""
    current_actor()
    return community.progress(args.get("community"), args.get("campaign"))


@blp.route("/wishes/rankings")
@blp.arguments(schemas.RankingArgs, location="query")
@blp.response(200, schemas.RankingsOut)
def rankings(args):
    """Volunteers and work units ranked by wishes fulfilled."""
    current_actor()
    return community.rankings(args.get("community"), args.get("campaign"), args["limit"])


@blp.route("/campaigns")
@errors(404)
@blp.arguments(schemas.CampaignArgs, location="query")
@blp.response(200, schemas.CampaignOut(many=True))
def campaigns(args):
    """Collection campaigns (of a community and the units above it)."""
    current_actor()
    return community.campaigns_for(args.get("community"))


@blp.route("/admin/campaigns")
@errors(403)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(schemas.CampaignOut))
def admin_campaigns(args):
    """Admins: the campaigns of the units in their reach and of those above it, newest first."""
    return community.campaigns_in_reach(require_role(*ADMIN_ROLES), args["limit"], args["cursor"])


@blp.route("/admin/campaigns", methods=["POST"])
@errors(403, 404)
@blp.arguments(schemas.CampaignIn)
@writes(idempotent=True)
@blp.response(201, schemas.CampaignOut)
def create_campaign(data):
    """Open a collection campaign (每年年初集中征集)."""
    return community.create_campaign(require_role(*ADMIN_ROLES), data)


@blp.route("/volunteers", methods=["POST"])
@errors(404, 409)
@blp.arguments(schemas.VolunteerIn)
@writes
@blp.response(201, schemas.VolunteerOut)
def register_volunteer(data):
    """双报到: register to one's home community as party member, volunteer or partner unit (reviewed)."""
    return volunteers.card(volunteers.register(current_actor(), data))


@blp.route("/volunteers/me")
@errors(404)
@blp.response(200, schemas.VolunteerOut)
def my_registration():
    """The caller's 双报到 registration and its review."""
    return volunteers.card(volunteers.own(current_actor()))


@blp.route("/volunteers")
@errors(403)
@blp.arguments(schemas.VolunteerQuery, location="query")
@blp.response(200, page_of(schemas.VolunteerStaffOut))
def list_volunteers(args):
    """Admins: registrations of the communities in their reach, with each one's claim/release churn."""
    return volunteers.list_registrations(current_actor(), args)


@blp.route("/volunteers/<id:volunteer_id>/review", methods=["POST"])
@errors(403, 404, 409)
@blp.arguments(schemas.VolunteerReviewBody)
@writes
@blp.response(200, schemas.VolunteerOut)
def review_volunteer(body, volunteer_id):
    """Admins of the home community (or above): approve a registration, or reject it with a reason."""
    actor = current_actor()
    return volunteers.card(volunteers.review(actor, volunteer_id, body["decision"], body.get("reason")))
