"""The review every registration gets from its home community (双报到 volunteers, riders): decided once,
while pending; a rejection names its reason, which the registrant reads to correct and send again."""

from __future__ import annotations

from suishoupai.errors import Conflict, InvalidInput


def check_decision(status: str, pending: str, decision: str, reason: str | None, *,
                   domain: str, subject: str) -> None:
    """Refuse deciding a registration again (409 ``<domain>.<subject>_already_reviewed``) and a
    rejection without its reason (422 ``<domain>.reason_required``)."""
    if status != pending:
        raise Conflict("该登记已审核", code=f"{domain}.{subject}_already_reviewed",
                       details={"status": status})
    if decision == "reject" and not reason:
        raise InvalidInput("请填写不通过的原因", code=f"{domain}.reason_required",
                           details={"fields": {"reason": ["必填项"]}})
