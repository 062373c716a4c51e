"""The staff review queue, and the WeChat message push that brings photo verdicts."""

import logging

from flask import Blueprint as FlaskBlueprint
from flask import Response, request

from suishoupai.auth.models import ADMIN_ROLES
from suishoupai.extensions import Blueprint, errors
from suishoupai.moderation import push as pushes
from suishoupai.moderation import schemas, service, subjects
from suishoupai.org.actor import current_actor, require_role
from suishoupai.org.schemas import CoordArgs
from suishoupai.pagination import page_of
from suishoupai.reports import present
from suishoupai.reports.schemas import ReportDetail
from suishoupai.web import LOOSE_BODY_BLUEPRINTS, writes

log = logging.getLogger("suishoupai.moderation")
blp = Blueprint("moderation", __name__, url_prefix="/api/v1", description="内容安全")
#: WeChat's message push: not part of the mini-program's API, so not in the OpenAPI document
push = FlaskBlueprint("wechat_push", __name__)
LOOSE_BODY_BLUEPRINTS.add(push.name)


@blp.route("/admin/moderation")
@errors(403)
@blp.arguments(schemas.QueueArgs, location="query")
@blp.response(200, page_of(schemas.CheckOut))
def moderation_queue(args):
    """Content waiting for a person (status=review by default), within the caller's reach."""
    page = service.queue(require_role(*ADMIN_ROLES), args)
    page["items"] = service.present(page["items"])
    return page


@blp.route("/admin/moderation/<id:check_id>/decide", methods=["POST"])
@errors(403, 404, 409)
@blp.arguments(schemas.DecideBody)
@writes
@blp.response(200, schemas.CheckOut)
def decide(body, check_id):
    """Pass content, or keep it from others as risky (its author is told)."""
    check = service.decide(require_role(*ADMIN_ROLES), check_id, body["decision"], body.get("note"))
    return service.present([check])[0]


@blp.route("/reports/<id:report_id>/moderate", methods=["POST"])
@errors(404, 409)
@blp.arguments(schemas.DecideBody)
@blp.arguments(CoordArgs, location="query")
@writes
@blp.response(200, ReportDetail)
def moderate_report(body, args, report_id):
    """Administrators over a case: pass (通过) or block (屏蔽, risky) all of its content in review."""
    actor = current_actor()
    report = subjects.decide_report(actor, report_id, body["decision"], body.get("note"))
    return present.detail(report, actor, args["coord_type"])


@push.get("/wechat/push")
def verify_push_url():
    """WeChat's check of the push URL: echo ``echostr`` when the signature is ours."""
    pushes.verify_url(request.args)
    return Response(request.args.get("echostr", "")[:200], mimetype="text/plain")


@push.post("/wechat/push")
@writes
def receive_push():
    """A pushed event, verified; wxa_media_check verdicts move their check, once."""
    event = pushes.event(request.args, request.get_data())
    trace_id = event.get("trace_id")
    if event.get("Event") == "wxa_media_check" and isinstance(trace_id, str) and trace_id \
            and not service.media_verdict(trace_id[:64], event.get("result")):
            log.info("media check push for unknown or settled trace_id %s", trace_id[:64])
    return Response("success", mimetype="text/plain")
