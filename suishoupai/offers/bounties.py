"""Bounties (揭榜挂帅): admins publish problems, verified riders take them within the limit, staff verify."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.errors import Conflict, Forbidden, InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.media import service as media
from suishoupai.offers.models import Bounty, BountyClaim, BountyClaimStatus, BountyEvidence, BountyStatus
from suishoupai.offers.scope import admin_community, home_community_id, reach_clause, require_admin
from suishoupai.org.actor import Actor
from suishoupai.pagination import keyset_page
from suishoupai.points.awards import award
from suishoupai.points.models import Award
from suishoupai.points.riders import require_verified_rider


def _not_found() -> NotFound:
    """The one answer for a bounty outside the caller's reach."""
    return NotFound("揭榜任务不存在", code="bounty.not_found")


def _future(deadline: datetime) -> datetime:
    """A deadline must lie ahead."""
    if deadline <= utcnow():
        raise InvalidInput("截止时间须晚于现在", code="bounty.deadline_past",
                           details={"fields": {"deadline": ["须晚于现在"]}})
    return deadline


def create(actor: Actor, data: dict) -> Bounty:
    """An admin publishes a problem with points, a deadline and how many may take it."""
    community = admin_community(actor, data.get("community_id"))
    bounty = Bounty(community_id=community.id, title=data["title"], description=data["description"],
                    points=data["points"], deadline=_future(data["deadline"]),
                    max_takers=data["max_takers"], taken=0, status=BountyStatus.OPEN,
                    created_by_id=actor.user_id)
    db.session.add(bounty)
    db.session.flush()
    return bounty


def admin_get(actor: Actor, bounty_id: int, lock: bool = False) -> Bounty:
    """A bounty in the admin's reach; anything else is "not found"."""
    require_admin(actor)
    stmt = select(Bounty).where(Bounty.id == bounty_id, reach_clause(actor, Bounty.community_id))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    bounty = db.session.scalars(stmt).first()
    if bounty is None:
        raise _not_found()
    return bounty


def edit(actor: Actor, bounty_id: int, data: dict) -> Bounty:
    """Change an open bounty's text, deadline or limit, or close it early."""
    bounty = admin_get(actor, bounty_id, lock=True)
    if bounty.status != BountyStatus.OPEN:
        raise Conflict("该揭榜任务已结束，不能修改", code="bounty.closed")
    if "max_takers" in data and data["max_takers"] < bounty.taken:
        raise Conflict(f"已有 {bounty.taken} 人揭榜，人数上限不能少于已揭榜人数",
                       code="bounty.max_below_taken", details={"taken": bounty.taken})
    if "deadline" in data:
        bounty.deadline = _future(data["deadline"])
    for key in ("title", "description", "max_takers"):
        if key in data:
            setattr(bounty, key, data[key])
    if data.get("close"):
        _close(bounty, utcnow())
    db.session.flush()
    return bounty


def list_admin(actor: Actor, args: dict) -> dict:
    """Bounties in the admin's reach, newest first."""
    stmt = select(Bounty).where(reach_clause(require_admin(actor), Bounty.community_id))
    if args.get("community") is not None:
        stmt = stmt.where(Bounty.community_id == args["community"])
    if args.get("status"):
        stmt = stmt.where(Bounty.status == args["status"])
    return keyset_page(stmt, [Bounty.id], args["limit"], args.get("cursor"))


def list_for_rider(actor: Actor, args: dict) -> dict:
    """Open bounties of the caller's home community ("open"), or the ones they took ("mine")."""
    if args["scope"] == "mine":
        stmt = select(Bounty).where(Bounty.id.in_(
            select(BountyClaim.bounty_id).where(BountyClaim.user_id == actor.user_id)))
    else:
        stmt = select(Bounty).where(Bounty.community_id == (home_community_id(actor) or 0),
                                    Bounty.status == BountyStatus.OPEN, Bounty.deadline > utcnow())
    return keyset_page(stmt, [Bounty.id], args["limit"], args.get("cursor"))


def get_for_rider(actor: Actor, bounty_id: int) -> Bounty:
    """A bounty of the caller's home community, or one they took; others are "not found"."""
    taken = select(BountyClaim.bounty_id).where(BountyClaim.user_id == actor.user_id)
    bounty = db.session.scalars(select(Bounty).where(
        Bounty.id == bounty_id,
        (Bounty.community_id == (home_community_id(actor) or 0)) | Bounty.id.in_(taken))).first()
    if bounty is None:
        raise _not_found()
    return bounty


def my_claims(user_id: int, bounty_ids: list[int]) -> dict[int, BountyClaim]:
    """The caller's claims on these bounties, by bounty."""
    if not bounty_ids:
        return {}
    return {c.bounty_id: c for c in db.session.scalars(select(BountyClaim).where(
        BountyClaim.user_id == user_id, BountyClaim.bounty_id.in_(bounty_ids)))}


def _still_open(bounty: Bounty) -> None:
    """409 once a bounty is closed or past its deadline (before the sweep has run too)."""
    if bounty.status != BountyStatus.OPEN or bounty.deadline <= utcnow():
        raise Conflict("该揭榜任务已截止", code="bounty.closed", details={"status": bounty.status})


def claim(actor: Actor, bounty_id: int) -> BountyClaim:
    """A verified rider takes a bounty; one conditional UPDATE on the taken counter decides."""
    require_verified_rider(actor)
    bounty = get_for_rider(actor, bounty_id)
    db.session.execute(select(User.id).where(User.id == actor.user_id).with_for_update())
    if my_claims(actor.user_id, [bounty.id]):
        raise Conflict("您已揭榜该任务", code="bounty.already_claimed")
    _still_open(bounty)
    won = db.session.execute(
        update(Bounty).where(Bounty.id == bounty.id, Bounty.status == BountyStatus.OPEN,
                             Bounty.deadline > utcnow(), Bounty.taken < Bounty.max_takers)
        .values(taken=Bounty.taken + 1, updated_at=utcnow())).rowcount
    if not won:
        raise Conflict("该揭榜任务人数已满", code="bounty.full", details={"max_takers": bounty.max_takers})
    taken = BountyClaim(bounty_id=bounty.id, user_id=actor.user_id, status=BountyClaimStatus.CLAIMED,
                        claimed_at=utcnow())
    db.session.add(taken)
    db.session.flush()
    return taken


def complete(actor: Actor, bounty_id: int, note: str | None, media_ids: list[int]) -> BountyClaim:
    """The claimant reports the problem solved, with a note and photos, for staff to verify."""
    bounty = get_for_rider(actor, bounty_id)
    held = db.session.scalars(select(BountyClaim).where(
        BountyClaim.bounty_id == bounty.id, BountyClaim.user_id == actor.user_id)
        .with_for_update().execution_options(populate_existing=True)).first()
    if held is None:
        raise Forbidden("只有揭榜人可以提交完成情况", code="bounty.not_claimant")
    if held.status != BountyClaimStatus.CLAIMED:
        raise Conflict("当前状态不能提交完成情况", code="bounty.illegal_transition",
                       details={"status": held.status})
    _still_open(bounty)
    for position, photo in enumerate(media.attach(actor.user_id, media_ids, "bounty-evidence")):
        db.session.add(BountyEvidence(claim_id=held.id, media_id=photo.id, position=position))
    held.status, held.note, held.submitted_at = BountyClaimStatus.SUBMITTED, note, utcnow()
    db.session.flush()
    return held


def admin_claim(actor: Actor, claim_id: int, lock: bool = False) -> tuple[BountyClaim, Bounty]:
    """A claim on a bounty in the admin's reach, with its bounty."""
    require_admin(actor)
    stmt = select(BountyClaim).join(Bounty, Bounty.id == BountyClaim.bounty_id).where(
        BountyClaim.id == claim_id, reach_clause(actor, Bounty.community_id))
    if lock:
        stmt = stmt.with_for_update(of=BountyClaim).execution_options(populate_existing=True)
    held = db.session.scalars(stmt).first()
    if held is None:
        raise NotFound("揭榜记录不存在", code="bounty.claim_not_found")
    return held, db.session.get(Bounty, held.bounty_id)


def claims_of(actor: Actor, bounty_id: int, args: dict) -> dict:
    """Everyone who took a bounty, newest first, for staff."""
    bounty = admin_get(actor, bounty_id)
    stmt = select(BountyClaim).where(BountyClaim.bounty_id == bounty.id)
    if args.get("status"):
        stmt = stmt.where(BountyClaim.status == args["status"])
    return keyset_page(stmt, [BountyClaim.id], args["limit"], args.get("cursor"))


def verify(actor: Actor, claim_id: int, approve: bool,
           reason: str | None) -> tuple[BountyClaim, Award | None]:
    """Staff approve a completion (the bounty's points are awarded once) or reject it with a reason."""
    held, bounty = admin_claim(actor, claim_id, lock=True)
    if held.status != BountyClaimStatus.SUBMITTED:
        raise Conflict("该揭榜记录不在待审核状态", code="bounty.illegal_transition",
                       details={"status": held.status})
    now = utcnow()
    held.verified_by_id, held.verified_at = actor.user_id, now
    if not approve:
        if not reason:
            raise InvalidInput("请填写不通过的原因", code="bounty.reason_required",
                               details={"fields": {"reason": ["必填项"]}})
        held.status, held.reject_reason = BountyClaimStatus.REJECTED, reason
        # the place goes back to the board for someone else while the bounty is open
        db.session.execute(update(Bounty).where(Bounty.id == bounty.id, Bounty.status == BountyStatus.OPEN)
                           .values(taken=Bounty.taken - 1, updated_at=now))
        db.session.flush()
        return held, None
    held.status = BountyClaimStatus.APPROVED
    db.session.flush()
    return held, award(held.user_id, "bounty_completed", source_type="bounty_claim", source_id=held.id,
                       community_id=bounty.community_id, points=bounty.points,
                       memo=f"揭榜挂帅：{bounty.title}", actor_id=actor.user_id)


def _close(bounty: Bounty, now: datetime) -> int:
    """Close a bounty; claims never completed expire (submitted ones still await verification)."""
    bounty.status, bounty.closed_at = BountyStatus.CLOSED, now
    return db.session.execute(update(BountyClaim).where(BountyClaim.bounty_id == bounty.id,
                                                        BountyClaim.status == BountyClaimStatus.CLAIMED)
                              .values(status=BountyClaimStatus.EXPIRED)).rowcount


def sweep(now: datetime | None = None) -> dict:
    """Close every open bounty past its deadline; idempotent, safe to run from several machines."""
    now = now or utcnow()
    closed = expired = 0
    due = select(Bounty).where(Bounty.status == BountyStatus.OPEN, Bounty.deadline <= now)
    for bounty in db.session.scalars(due.with_for_update(skip_locked=True)):
        expired += _close(bounty, now)
        closed += 1
    db.session.flush()
    return {"closed": closed, "expired_claims": expired}


def evidence(claim_ids: list[int]) -> dict[int, list]:
    """Evidence photos of claims, in order, by claim."""
    from suishoupai.media.models import Media

    out: dict[int, list] = {}
    if not claim_ids:
        return out
    rows = db.session.execute(select(BountyEvidence.claim_id, Media).join(
        Media, Media.id == BountyEvidence.media_id).where(BountyEvidence.claim_id.in_(claim_ids))
        .order_by(BountyEvidence.claim_id, BountyEvidence.position)).all()
    for claim_id, photo in rows:
        out.setdefault(claim_id, []).append(photo)
    return out
