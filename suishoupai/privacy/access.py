"""Recording reveals of someone else's personal data, and listing them within an admin's reach."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from suishoupai.auth.models import ADMIN_ROLES, User
from suishoupai.database import utcnow
from suishoupai.errors import Forbidden
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.scope import visible
from suishoupai.pagination import keyset_page
from suishoupai.privacy.models import AccessRecord

#: the steps that reveal data, as the log shows them
REASON_LABELS = {
    "wish.reveal": "认领人查看受助人联系方式",
    "wish.staff_reveal": "工作人员查看受助人联系方式",
    "report.reporter_contact": "处置人员查看反映人电话",
}


def record(actor: Actor, *, subject_user_id: int | None, subject_kind: str, subject_id: int,
           fields: list[str], reason: str, path: str) -> list[AccessRecord]:
    """Log that the actor was shown these fields of someone's data (one row per field)."""
    now = utcnow()
    rows = [AccessRecord(actor_id=actor.user_id, actor_role=actor.role, subject_user_id=subject_user_id,
                         subject_kind=subject_kind, subject_id=subject_id, field=field, reason=reason,
                         path=path, created_at=now) for field in fields]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def subjects_revealed(actor_id: int, reason: str, subject_kind: str, since: datetime) -> set[int]:
    """The objects whose data this actor had revealed in this step since a time."""
    return set(db.session.scalars(select(func.distinct(AccessRecord.subject_id)).where(
        AccessRecord.actor_id == actor_id, AccessRecord.reason == reason,
        AccessRecord.created_at >= since, AccessRecord.subject_kind == subject_kind)))


def list_records(actor: Actor, args: dict) -> dict:
    """A page of the access log within the admin's reach, newest first, filtered by subject or actor."""
    if actor.role not in ADMIN_ROLES:
        raise Forbidden("只有社区及以上管理员可以查看个人信息访问记录", code="privacy.log_forbidden")
    stmt = select(AccessRecord).where(visible(actor, AccessRecord.path))
    for key, column in (("subject_kind", AccessRecord.subject_kind), ("subject_id", AccessRecord.subject_id),
                        ("subject_user_id", AccessRecord.subject_user_id),
                        ("actor_id", AccessRecord.actor_id)):
        if args.get(key) is not None:
            stmt = stmt.where(column == args[key])
    page = keyset_page(stmt, [AccessRecord.id], args["limit"], args.get("cursor"))
    names = {u.id: u.display_name for u in db.session.scalars(
        select(User).where(User.id.in_({r.actor_id for r in page["items"]})))}
    page["items"] = [{
        "id": r.id, "actor": {"id": r.actor_id, "name": names.get(r.actor_id, ""), "role": r.actor_role},
        "subject_user_id": r.subject_user_id, "subject_kind": r.subject_kind, "subject_id": r.subject_id,
        "field": r.field, "reason": r.reason, "reason_label": REASON_LABELS.get(r.reason, r.reason),
        "created_at": r.created_at} for r in page["items"]]
    return page
