"""Deleting one's account (PIPL Art. 47): personal data erased or anonymised, public records kept without
any link to the person, the points ledger untouched but for refunds written as reversals."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.exc import IntegrityError

from suishoupai import idempotency
from suishoupai.auth.models import Role, User
from suishoupai.database import utcnow
from suishoupai.errors import Conflict
from suishoupai.extensions import db
from suishoupai.media.models import Media
from suishoupai.notify.models import Notification, QuotaMiss
from suishoupai.offers import posts, rewards
from suishoupai.offers.models import PostClaim, PostClaimStatus, Redemption, RedemptionStatus
from suishoupai.org.actor import Actor
from suishoupai.org.models import GridMember
from suishoupai.points.models import Rider
from suishoupai.reports.models import Report, ReportEvent, ReportFollow, ReportPhoto
from suishoupai.wishes.lifecycle import Status
from suishoupai.wishes.models import Volunteer, Wish, WishEvent

#: the one account every anonymised record points at, so records of one person are not linked together
ERASED_OPENID = "system:erased"
ERASED_NAME = "已注销用户"
#: what an erased beneficiary's name reads (the column is required)
ERASED_BENEFICIARY = "（已删除）"


def erased_account() -> User:
    """The shared account anonymised records point at (created once, safe against a concurrent first)."""
    user = db.session.scalars(select(User).where(User.openid == ERASED_OPENID)).first()
    if user is not None:
        return user
    try:
        with db.session.begin_nested():
            user = User(openid=ERASED_OPENID, nickname=ERASED_NAME, erased_at=utcnow())
            db.session.add(user)
    except IntegrityError:
        user = db.session.scalars(select(User).where(User.openid == ERASED_OPENID)).one()
    return user


def anonymise_reports(ids: list[int], drop_address: bool) -> int:
    """Cut the reporter out of these reports: the report, its photos and the reporter's own timeline steps
    point at the erased account; with ``drop_address`` the address typed and the followers go too.
    Returns how many reports."""
    if not ids:
        return 0
    erased = erased_account().id
    reporter = select(Report.reporter_id).where(Report.id == ReportEvent.report_id).scalar_subquery()
    db.session.execute(update(ReportEvent)
                       .where(ReportEvent.report_id.in_(ids), ReportEvent.actor_id == reporter)
                       .values(actor_id=erased).execution_options(synchronize_session=False))
    photo_reporter = (select(Report.reporter_id).join(ReportPhoto, ReportPhoto.report_id == Report.id)
                      .where(ReportPhoto.media_id == Media.id).scalar_subquery())
    db.session.execute(update(Media).where(
        Media.id.in_(select(ReportPhoto.media_id).where(ReportPhoto.report_id.in_(ids))),
        Media.owner_id == photo_reporter).values(owner_id=erased)
        .execution_options(synchronize_session=False))
    values = {"reporter_id": erased} | ({"address": None} if drop_address else {})
    db.session.execute(update(Report).where(Report.id.in_(ids)).values(**values)
                       .execution_options(synchronize_session=False))
    if drop_address:
        db.session.execute(delete(ReportFollow).where(ReportFollow.report_id.in_(ids)))
    return len(ids)


def erase_beneficiaries(which: ColumnElement[bool]) -> int:
    """Overwrite the beneficiary's name, contact and address of these wishes; returns how many."""
    return db.session.execute(
        update(Wish).where(which, Wish.beneficiary_contact_enc.is_not(None)
                           | Wish.beneficiary_address_enc.is_not(None)
                           | (Wish.beneficiary_name_enc != ERASED_BENEFICIARY))
        .values(beneficiary_name_enc=ERASED_BENEFICIARY, beneficiary_contact_enc=None,
                beneficiary_address_enc=None)
        .execution_options(synchronize_session=False)).rowcount


def _open_work(user_id: int) -> dict:
    """Cases the person holds and wishes they have claimed: handed over before the account can go."""
    reports = list(db.session.scalars(select(Report.id).where(
        Report.assignee_id == user_id, Report.is_open.is_(True)).order_by(Report.id)))
    wishes = list(db.session.scalars(select(Wish.id).where(
        Wish.claimant_id == user_id, Wish.status == Status.CLAIMED).order_by(Wish.id)))
    return {k: v for k, v in (("reports", reports), ("wishes", wishes)) if v}


def erase_account(actor: Actor) -> dict:
    """Delete the caller's account: refunds first, then every personal field erased or anonymised, the
    row kept (anonymised) for the ledger, tokens revoked at once."""
    user = db.session.scalars(select(User).where(User.id == actor.user_id).with_for_update()).one()
    held = _open_work(user.id)
    if held:
        raise Conflict("您还有未办结的案件或认领的心愿，请先移交或放弃后再注销", code="account.open_cases",
                       details=held)
    cancelled = 0
    for redemption_id in db.session.scalars(select(Redemption.id).where(
            Redemption.user_id == user.id, Redemption.status == RedemptionStatus.PENDING)):
        rewards.cancel(actor, redemption_id)  # a reversal on the ledger, the item back in stock
        cancelled += 1
    for post_id in db.session.scalars(select(PostClaim.post_id).where(
            PostClaim.user_id == user.id, PostClaim.status == PostClaimStatus.ACTIVE)):
        posts.leave(actor, post_id)
    own = list(db.session.scalars(select(Report.id).where(Report.reporter_id == user.id)))
    reports = anonymise_reports(own, drop_address=False)
    erased = erased_account().id
    db.session.execute(update(WishEvent).where(
        WishEvent.actor_id == user.id,
        WishEvent.wish_id.in_(select(Wish.id).where(Wish.wisher_id == user.id))).values(actor_id=erased))
    erase_beneficiaries(Wish.wisher_id == user.id)
    db.session.execute(update(Wish).where(Wish.wisher_id == user.id).values(wisher_id=erased))
    db.session.execute(update(Media).where(Media.owner_id == user.id)
                       .values(gps_enc=None, taken_at=None))
    db.session.execute(delete(Media).where(Media.owner_id == user.id, Media.attached_at.is_(None)))
    db.session.execute(update(Volunteer).where(Volunteer.user_id == user.id).values(work_unit=None))
    db.session.execute(update(Rider).where(Rider.user_id == user.id).values(phone_enc="", courier_id=""))
    for model in (ReportFollow, Notification, QuotaMiss, idempotency.IdempotencyKey):
        db.session.execute(delete(model).where(model.user_id == user.id))
    for member in db.session.scalars(select(GridMember).where(GridMember.user_id == user.id)):
        db.session.delete(member)
    now = utcnow()
    user.openid = f"erased:{uuid.uuid4().hex}"  # the same WeChat account signs in to a fresh account
    user.unionid = user.session_key_enc = user.phone_enc = None
    user.nickname = user.real_name = user.avatar_url = None
    user.role, user.org_unit_id, user.department_id = Role.RESIDENT, None, None
    user.token_version += 1
    user.erased_at = now
    db.session.flush()
    return {"erased_at": now, "reports_kept": reports, "redemptions_cancelled": cancelled}
