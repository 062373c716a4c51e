"""The caller's copy of their data, account deletion, and the public privacy notice."""

from flask import current_app

from suishoupai.extensions import Blueprint, errors
from suishoupai.org.actor import current_actor
from suishoupai.rights import erase, export, notice, schemas
from suishoupai.web import json_answer, writes

blp = Blueprint("rights", __name__, url_prefix="/api/v1", description="个人信息权利")


@blp.route("/me/export", methods=["GET"])
@blp.response(200, schemas.Export)
def export_me():
    """Everything held about the caller, as one JSON document."""
    return json_answer(export.export(current_actor().user))


@blp.route("/me", methods=["DELETE"])
@errors(409)
@blp.arguments(schemas.EraseConfirm)
@writes
@blp.response(200, schemas.Erased)
def delete_me(_confirm):
    """Delete the caller's account: personal data erased or anonymised, tokens revoked."""
    return erase.erase_account(current_actor())


@blp.route("/privacy", methods=["GET"])
@blp.doc(security=[])
@blp.response(200, schemas.PrivacyNotice)
def privacy():
    """The privacy notice: what is collected, why, for how long."""
    return notice.notice(current_app.config)
