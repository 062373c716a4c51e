"""Keeping personal data no longer than its purpose needs (PIPL Art. 19): what each sweep of
`flask privacy retain` finds due, and what it does to it. Every period is a PRIVACY_* setting."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import Select, delete, exists, func, or_, select, update

from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.idempotency import IdempotencyKey
from suishoupai.media.models import Media
from suishoupai.media.service import KEEPS_EXIF
from suishoupai.notify.models import Notification
from suishoupai.reports.lifecycle import Status
from suishoupai.reports.models import Report, ReportFollow, ReportPhoto
from suishoupai.rights.erase import ERASED_BENEFICIARY, ERASED_OPENID, anonymise_reports, erase_beneficiaries
from suishoupai.wishes.models import Wish

#: a case is over once closed or rejected
ENDED = (Status.CLOSED.value, Status.REJECTED.value)


def _ended_before(cutoff: datetime):
    """SQL condition: the case ended before the cutoff (a rejection sets no closed_at: its last change)."""
    return Report.status.in_(ENDED) & (func.coalesce(Report.closed_at, Report.updated_at) < cutoff)


@dataclass(frozen=True)
class Sweep:
    """One kind of personal data with a retention period: the ids now due, and what is done to them."""

    kind: str
    label: str
    #: (settings, now) → SELECT of the ids due
    due: Callable[[Mapping, datetime], Select]
    #: the ids of one batch → how many were changed
    apply: Callable[[list[int]], int]


def _cases_due(config: Mapping, now: datetime) -> Select:
    """Cases ended PRIVACY_CASE_MONTHS ago still linked to their reporter, their address or followers."""
    erased = select(User.id).where(User.openid == ERASED_OPENID)
    return select(Report.id).where(
        _ended_before(now - relativedelta(months=config["PRIVACY_CASE_MONTHS"])),
        or_(Report.reporter_id.not_in(erased), Report.address.is_not(None),
            exists().where(ReportFollow.report_id == Report.id)))


def _wishes_due(config: Mapping, now: datetime) -> Select:
    """Wishes confirmed PRIVACY_WISH_MONTHS ago whose beneficiary is still on record."""
    return select(Wish.id).where(
        Wish.confirmed_at < now - relativedelta(months=config["PRIVACY_WISH_MONTHS"]),
        or_(Wish.beneficiary_contact_enc.is_not(None), Wish.beneficiary_address_enc.is_not(None),
            Wish.beneficiary_name_enc != ERASED_BENEFICIARY))


def _exif_due(config: Mapping, now: datetime) -> Select:
    """Attached photos still holding an EXIF position or capture time no check will read: any photo but an
    after-photo (older rows, from before they were dropped on attaching), and after-photos of cases ended
    PRIVACY_AFTER_PHOTO_EXIF_DAYS ago."""
    ended = (select(ReportPhoto.media_id).join(Report, Report.id == ReportPhoto.report_id)
             .where(_ended_before(now - timedelta(days=config["PRIVACY_AFTER_PHOTO_EXIF_DAYS"]))))
    return select(Media.id).where(
        Media.attached_at.is_not(None), or_(Media.gps_enc.is_not(None), Media.taken_at.is_not(None)),
        or_(Media.attached_to.not_in(KEEPS_EXIF), Media.id.in_(ended)))


def _drop_exif(ids: list[int]) -> int:
    """Forget the EXIF position and capture time of these photos."""
    return db.session.execute(update(Media).where(Media.id.in_(ids)).values(gps_enc=None, taken_at=None)
                              .execution_options(synchronize_session=False)).rowcount


def _older(model, column, setting: str, unit: str) -> Callable[[Mapping, datetime], Select]:
    """Rows whose column is older than the setting's period (in days or hours)."""
    def due(config: Mapping, now: datetime) -> Select:
        """The ids past the period."""
        return select(model.id).where(column < now - timedelta(**{unit: config[setting]}))
    return due


def _deleter(model) -> Callable[[list[int]], int]:
    """Delete a model's rows by id."""
    def apply(ids: list[int]) -> int:
        """Delete these rows."""
        return db.session.execute(delete(model).where(model.id.in_(ids))).rowcount
    return apply


SWEEPS = (
    Sweep("cases", "案件 · 解除上报人关联、删除地址与附议", _cases_due,
          lambda ids: anonymise_reports(ids, drop_address=True)),
    Sweep("wishes", "微心愿 · 删除受助人信息", _wishes_due,
          lambda ids: erase_beneficiaries(Wish.id.in_(ids))),
    Sweep("photo_exif", "照片 · 删除拍摄位置与时间", _exif_due, _drop_exif),
    Sweep("notifications", "消息通知 · 删除",
          _older(Notification, Notification.created_at, "PRIVACY_NOTIFICATION_DAYS", "days"),
          _deleter(Notification)),
    Sweep("idempotency", "幂等键 · 删除",
          _older(IdempotencyKey, IdempotencyKey.updated_at, "PRIVACY_IDEMPOTENCY_HOURS", "hours"),
          _deleter(IdempotencyKey)),
)


def due_ids(sweep: Sweep, config: Mapping, now: datetime) -> list[int]:
    """The ids a sweep finds due now, oldest first."""
    stmt = sweep.due(config, now)
    return list(db.session.scalars(stmt.order_by(*stmt.selected_columns)))
