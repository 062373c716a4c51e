"""Inbox endpoints: every notification a user was sent, and which subscriptions to ask for again."""

from suishoupai.auth.models import ADMIN_ROLES
from suishoupai.extensions import Blueprint, errors
from suishoupai.notify import credits, schemas, service
from suishoupai.org.actor import current_actor, require_role
from suishoupai.pagination import page_of
from suishoupai.web import writes

blp = Blueprint("notify", __name__, url_prefix="/api/v1", description="消息通知")


@blp.route("/inbox")
@blp.arguments(schemas.InboxArgs, location="query")
@blp.response(200, schemas.InboxPage)
def inbox(args):
    """The caller's notifications, newest first, whether or not WeChat delivered them."""
    return service.inbox(current_actor().user_id, args["unread"], args["limit"], args.get("cursor"))


@blp.route("/inbox/<id:notification_id>/read", methods=["POST"])
@errors(404)
@writes
@blp.response(200, schemas.InboxItem)
def read(notification_id):
    """Mark one notification read."""
    return service.mark_read(current_actor().user_id, notification_id)


@blp.route("/inbox/read-all", methods=["POST"])
@writes
@blp.response(200, schemas.ReadAllResult)
def read_all():
    """Mark every notification read."""
    return {"marked": service.mark_all_read(current_actor().user_id)}


@blp.route("/inbox/quota")
@blp.response(200, schemas.QuotaItem(many=True))
def quota():
    """Per kind, sends refused for want of a subscription, so the client knows what to ask for."""
    return service.quota(current_actor().user_id)


@blp.route("/inbox/quota/<string(maxlength=32):kind>/reset", methods=["POST"])
@errors(404)
@writes
@blp.response(200, schemas.QuotaItem)
def reset_quota(kind):
    """The user accepted a new subscription for this kind (wx.requestSubscribeMessage said accept)."""
    return service.reset_quota(current_actor().user_id, kind)


@blp.route("/admin/notify/credits")
@errors(403)
@blp.arguments(schemas.CreditArgs, location="query")
@blp.response(200, page_of(schemas.CreditRow))
def credit_table(args):
    """Admins: per person in reach and kind, the sends WeChat refused for want of credit (43101)."""
    return credits.credits_in_reach(require_role(*ADMIN_ROLES), args.get("kind"), args["refused_only"],
                                    args["limit"], args["cursor"])
