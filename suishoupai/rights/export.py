"""Everything held about the caller, as one JSON document (PIPL Art. 45: access and copy).

Photos are given as URLs (signed for MEDIA_URL_TTL when not public), not packed into a zip: the document
stays one cheap request whatever the storage backend, and the mini-program saves each photo from its URL.
"""

from __future__ import annotations

from sqlalchemy import select

from suishoupai import crypto
from suishoupai.auth.models import RoleChange, User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.media import service as media
from suishoupai.media.models import Media
from suishoupai.notify.models import Notification
from suishoupai.offers.models import BountyClaim, PostClaim, Redemption
from suishoupai.points import statements
from suishoupai.points.models import Account, Adjustment, Award, Posting, Rider
from suishoupai.privacy.models import AccessRecord
from suishoupai.reports.models import Report, ReportEvent, ReportFollow, ReportPhoto
from suishoupai.wishes.models import Volunteer, Wish, WishEvent

FORMAT = "suishoupai-export/1"


def _pick(row, *names: str) -> dict:
    """The named columns of a row."""
    return {name: getattr(row, name) for name in names}


def _all(model, column, value) -> list:
    """Every row of a model whose column holds the value, in the order they were written."""
    return list(db.session.scalars(select(model).where(column == value).order_by(model.id)))


def _plain(token: str | None) -> str | None:
    """A field decrypted for its owner."""
    return crypto.decrypt(token) if token else None


def _photo(item: Media) -> dict:
    """A photo's URLs (signed when not public)."""
    return {"id": item.id, "url": media.url(item.display_key, item.public),
            "thumb_url": media.url(item.thumb_key, item.public), "created_at": item.created_at}


def _report(report: Report, user_id: int) -> dict:
    """A report with its photos and its whole timeline (staff shown by role, the caller as themselves)."""
    photos = db.session.execute(
        select(Media, ReportPhoto.event_id).join(ReportPhoto, ReportPhoto.media_id == Media.id)
        .where(ReportPhoto.report_id == report.id)
        .order_by(ReportPhoto.event_id.is_not(None), ReportPhoto.position)).all()
    events = _all(ReportEvent, ReportEvent.report_id, report.id)
    return {**_pick(report, "id", "description", "address", "status", "public", "created_at", "closed_at",
                    "rating", "rating_comment"),
            "category": report.category.name,
            "location": {"lat": report.lat, "lng": report.lng, "coord_type": "wgs84"},
            "photos": [_photo(m) | {"stage": "filing" if event_id is None else "step"}
                       for m, event_id in photos],
            "timeline": [_pick(e, "action", "from_status", "to_status", "note", "created_at")
                         | {"by": "本人" if e.actor_id == user_id else e.actor_role} for e in events]}


def _followed(report: Report) -> dict:
    """Someone else's report the caller follows, as the public board shows it: no address, no notes."""
    photos = db.session.scalars(
        select(Media).join(ReportPhoto, ReportPhoto.media_id == Media.id)
        .where(ReportPhoto.report_id == report.id, ReportPhoto.event_id.is_(None), Media.public.is_(True))
        .order_by(ReportPhoto.position))
    events = _all(ReportEvent, ReportEvent.report_id, report.id)
    return {**_pick(report, "id", "description", "status", "created_at", "closed_at"),
            "category": report.category.name,
            "photos": [_photo(m) for m in photos],
            "timeline": [_pick(e, "action", "from_status", "to_status", "created_at") for e in events]}


def _reports(user_id: int) -> tuple[list[dict], list[dict]]:
    """The caller's reports, and the reports they follow."""
    own = _all(Report, Report.reporter_id, user_id)
    follows = db.session.execute(
        select(ReportFollow.created_at, Report).join(Report, Report.id == ReportFollow.report_id)
        .where(ReportFollow.user_id == user_id).order_by(Report.id)).all()
    return ([_report(r, user_id) for r in own],
            [{"followed_at": at, "report": _followed(r)} for at, r in follows])


def _wishes(user_id: int) -> tuple[list[dict], list[dict]]:
    """The caller's own wishes (with their beneficiary details) and the wishes they claimed."""
    def card(wish: Wish) -> dict:
        """A wish and its steps."""
        events = _all(WishEvent, WishEvent.wish_id, wish.id)
        return {**_pick(wish, "id", "title", "description", "category", "status", "on_behalf", "created_at",
                        "claimed_at", "fulfilled_at", "fulfil_note", "confirmed_at", "thanks"),
                "timeline": [_pick(e, "action", "from_status", "to_status", "note", "created_at")
                             | {"by": "本人" if e.actor_id == user_id else e.actor_role} for e in events]}

    own, claimed = _all(Wish, Wish.wisher_id, user_id), _all(Wish, Wish.claimant_id, user_id)
    return ([card(w) | {"beneficiary": {"name": _plain(w.beneficiary_name_enc),
                                        "contact": _plain(w.beneficiary_contact_enc),
                                        "address": _plain(w.beneficiary_address_enc)}} for w in own],
            [card(w) for w in claimed])


def _points(user_id: int) -> dict:
    """Balance and every ledger line of the caller's account, awards, adjustments, redemptions, posts and
    bounties."""
    account = db.session.scalars(select(Account).where(Account.user_id == user_id)).first()
    postings = _all(Posting, Posting.account_id, account.id) if account else []
    return {
        "balance": account.balance if account else 0,
        "statement": statements.entries(postings) if postings else [],
        "awards": statements.award_cards(_all(Award, Award.user_id, user_id)),
        "adjustments": [_pick(a, "amount", "reason", "created_at")
                        for a in _all(Adjustment, Adjustment.user_id, user_id)],
        "redemptions": [_pick(r, "id", "reward_id", "cost", "pickup_code", "status", "created_at",
                              "picked_up_at", "cancelled_at")
                        for r in _all(Redemption, Redemption.user_id, user_id)],
        "posts": [_pick(c, "post_id", "status", "claimed_at", "left_at")
                  for c in _all(PostClaim, PostClaim.user_id, user_id)],
        "bounties": [_pick(c, "bounty_id", "status", "claimed_at", "note", "submitted_at", "verified_at",
                           "reject_reason") for c in _all(BountyClaim, BountyClaim.user_id, user_id)],
    }


def access_log(user_id: int) -> list[dict]:
    """Every reveal of the caller's data to someone else: in which role they looked, at which field of
    which object, in which step, when (the staff member's own identity stays with the admins' log)."""
    return [_pick(r, "actor_role", "subject_kind", "subject_id", "field", "reason", "created_at")
            for r in _all(AccessRecord, AccessRecord.subject_user_id, user_id)]


def export(user: User) -> dict:
    """Everything held about one person."""
    me = _pick(user, "id", "nickname", "real_name", "avatar_url", "role", "org_unit_id", "department_id",
               "created_at", "last_login_at") | {"phone": _plain(user.phone_enc),
                                                 "wechat_unionid_held": user.unionid is not None}
    reports, follows = _reports(user.id)
    wishes, claims = _wishes(user.id)
    rider = db.session.scalars(select(Rider).where(Rider.user_id == user.id)).first()
    volunteer = db.session.scalars(select(Volunteer).where(Volunteer.user_id == user.id)).first()
    return {
        "format": FORMAT, "generated_at": utcnow(), "profile": me,
        "reports": reports, "follows": follows, "wishes": wishes, "claims": claims,
        "volunteer": _pick(volunteer, "kind", "work_unit", "home_community_id", "registered_at")
        if volunteer else None,
        "rider": _pick(rider, "platform", "courier_id", "home_community_id", "status", "reject_reason",
                       "verified_at", "created_at") | {"phone": _plain(rider.phone_enc)} if rider else None,
        "points": _points(user.id),
        "uploads": [_photo(m) | _pick(m, "purpose", "attached_to")
                    for m in _all(Media, Media.owner_id, user.id)],
        "notifications": [_pick(n, "kind", "title", "body", "page", "created_at", "read_at", "state",
                                "sent_at") for n in _all(Notification, Notification.user_id, user.id)],
        "role_changes": [_pick(c, "role_before", "role_after", "unit_before_id", "unit_after_id",
                               "department_before_id", "department_after_id", "grid_id", "created_at")
                         for c in _all(RoleChange, RoleChange.user_id, user.id)],
        "access_log": access_log(user.id),
    }
