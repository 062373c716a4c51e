"""Rewards shop (积分超市): redeeming spends points and stock together; pickup by code; cancel refunds."""

from __future__ import annotations

from sqlalchemy import func, select, update

from suishoupai.auth.models import ADMIN_ROLES, User
from suishoupai.database import utcnow
from suishoupai.errors import Conflict, InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.offers import rules
from suishoupai.offers.models import Redemption, RedemptionStatus, Reward
from suishoupai.offers.scope import (
    admin_community,
    home_community_id,
    in_reach,
    reach_clause,
    require_admin,
)
from suishoupai.org.actor import Actor
from suishoupai.pagination import keyset_page
from suishoupai.points import ledger
from suishoupai.points.riders import require_verified_rider


def _not_found() -> NotFound:
    """The one answer for a reward outside the caller's reach."""
    return NotFound("奖品不存在", code="reward.not_found")


def create(actor: Actor, data: dict) -> Reward:
    """An admin puts an item in a community's shop."""
    community = admin_community(actor, data.get("community_id"))
    reward = Reward(community_id=community.id, name=data["name"], description=data.get("description"),
                    cost=data["cost"], stock=data["stock"], per_user_limit=data["per_user_limit"],
                    active=data.get("active", True), created_by_id=actor.user_id)
    db.session.add(reward)
    db.session.flush()
    return reward


def admin_get(actor: Actor, reward_id: int, lock: bool = False) -> Reward:
    """A reward in the admin's reach; anything else is "not found"."""
    require_admin(actor)
    stmt = select(Reward).where(Reward.id == reward_id, reach_clause(actor, Reward.community_id))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    reward = db.session.scalars(stmt).first()
    if reward is None:
        raise _not_found()
    return reward


def edit(actor: Actor, reward_id: int, data: dict) -> Reward:
    """Change a reward's text, price, limit or active flag, or restock it (stock is the count on hand)."""
    reward = admin_get(actor, reward_id, lock=True)
    for key in ("name", "description", "cost", "stock", "per_user_limit", "active"):
        if key in data:
            setattr(reward, key, data[key])
    db.session.flush()
    return reward


def list_admin(actor: Actor, args: dict) -> dict:
    """Rewards in the admin's reach, newest first."""
    stmt = select(Reward).where(reach_clause(require_admin(actor), Reward.community_id))
    if args.get("community") is not None:
        stmt = stmt.where(Reward.community_id == args["community"])
    if args.get("active") is not None:
        stmt = stmt.where(Reward.active.is_(args["active"]))
    return keyset_page(stmt, [Reward.id], args["limit"], args.get("cursor"))


def list_for_rider(actor: Actor, args: dict) -> dict:
    """The active rewards of the caller's home community."""
    stmt = select(Reward).where(Reward.community_id == (home_community_id(actor) or 0),
                                Reward.active.is_(True))
    return keyset_page(stmt, [Reward.id], args["limit"], args.get("cursor"))


def held_counts(user_id: int, reward_ids: list[int]) -> dict[int, int]:
    """How many redemptions (not cancelled) the caller holds of each reward."""
    if not reward_ids:
        return {}
    return dict(db.session.execute(
        select(Redemption.reward_id, func.count()).where(
            Redemption.user_id == user_id, Redemption.reward_id.in_(reward_ids),
            Redemption.status != RedemptionStatus.CANCELLED).group_by(Redemption.reward_id)).all())


def redeem(actor: Actor, reward_id: int) -> Redemption:
    """Spend points on a reward: stock and points move in this one transaction, or neither does."""
    require_verified_rider(actor)
    reward = db.session.scalars(select(Reward).where(
        Reward.id == reward_id, Reward.community_id == (home_community_id(actor) or 0))).first()
    if reward is None:
        raise _not_found()
    if not reward.active:
        raise Conflict("该奖品已下架", code="reward.inactive")
    # serialise one person's redemptions, so the per-person limit holds under concurrency
    db.session.execute(select(User.id).where(User.id == actor.user_id).with_for_update())
    held = held_counts(actor.user_id, [reward.id]).get(reward.id, 0)
    if held >= reward.per_user_limit:
        raise Conflict(f"每人限兑 {reward.per_user_limit} 件，您已达到上限", code="reward.limit_reached",
                       details={"per_user_limit": reward.per_user_limit})
    have = ledger.balance(actor.user_id)
    if have < reward.cost:
        # refused before the stock is touched, so a short balance never holds the last item
        # while others are told it is gone; the ledger's guarded debit below stays the authority
        raise ledger.InsufficientPoints(details={"needed": reward.cost, "balance": have})
    now = utcnow()
    won = db.session.execute(
        update(Reward).where(Reward.id == reward.id, Reward.active.is_(True), Reward.stock > 0)
        .values(stock=Reward.stock - 1, updated_at=now)).rowcount
    if not won:
        raise Conflict("该奖品已兑完", code="reward.out_of_stock")
    redemption = Redemption(reward_id=reward.id, user_id=actor.user_id, community_id=reward.community_id,
                            cost=reward.cost, pickup_code=rules.pickup_code(),
                            status=RedemptionStatus.PENDING, created_at=now)
    db.session.add(redemption)
    db.session.flush()
    # a short balance raises here and the request rolls back, stock included
    txn = ledger.spend(actor.user_id, reward.community_id, reward.cost, source_type="redemption",
                       source_id=redemption.id, memo=f"积分兑换：{reward.name}")
    redemption.spend_txn_id = txn.id
    db.session.flush()
    return redemption


def _redemption(actor: Actor, redemption_id: int) -> Redemption:
    """A redemption the caller made or, for staff, one in their reach; locked for the change."""
    stmt = select(Redemption).where(Redemption.id == redemption_id)
    if actor.role in ADMIN_ROLES:
        stmt = stmt.where((Redemption.user_id == actor.user_id)
                          | reach_clause(actor, Redemption.community_id))
    else:
        stmt = stmt.where(Redemption.user_id == actor.user_id)
    redemption = db.session.scalars(stmt.with_for_update()
                                    .execution_options(populate_existing=True)).first()
    if redemption is None:
        raise NotFound("兑换记录不存在", code="redemption.not_found")
    return redemption


def _pending(redemption: Redemption) -> None:
    """409 unless the item still waits for pickup."""
    if redemption.status != RedemptionStatus.PENDING:
        picked_up = redemption.status == RedemptionStatus.PICKED_UP
        message = "奖品已领取，不能取消" if picked_up else "该兑换已取消"
        raise Conflict(message, code="redemption.illegal_transition", details={"status": redemption.status})


def cancel(actor: Actor, redemption_id: int) -> Redemption:
    """The redeemer (before pickup) or staff cancel: the spend is reversed and the item goes back."""
    redemption = _redemption(actor, redemption_id)
    _pending(redemption)
    now = utcnow()
    # the reward row before the ledger's chain head, the order redeem takes them in: no deadlock
    db.session.execute(update(Reward).where(Reward.id == redemption.reward_id)
                       .values(stock=Reward.stock + 1, updated_at=now))
    txn = ledger.reverse(redemption.spend_txn_id, memo="取消兑换，积分退回", source_type="redemption_cancel",
                         source_id=redemption.id, actor_id=actor.user_id)
    redemption.status, redemption.refund_txn_id = RedemptionStatus.CANCELLED, txn.id
    redemption.cancelled_at, redemption.cancelled_by_id = now, actor.user_id
    db.session.flush()
    return redemption


def pickup(actor: Actor, redemption_id: int, code: str) -> Redemption:
    """Staff hand the item over when the redeemer tells them the right code."""
    require_admin(actor)
    redemption = _redemption(actor, redemption_id)
    if not in_reach(actor, redemption.community_id):
        raise NotFound("兑换记录不存在", code="redemption.not_found")
    _pending(redemption)
    if not rules.code_matches(redemption.pickup_code, code):
        raise InvalidInput("取货码不正确", code="redemption.bad_code",
                           details={"fields": {"code": ["取货码不正确"]}})
    redemption.status, redemption.picked_up_at = RedemptionStatus.PICKED_UP, utcnow()
    redemption.picked_up_by_id = actor.user_id
    db.session.flush()
    return redemption


def list_redemptions(actor: Actor, args: dict) -> dict:
    """The caller's redemptions ("mine"), or, for staff, those of the communities in their reach."""
    if args["scope"] == "staff":
        stmt = select(Redemption).where(reach_clause(require_admin(actor), Redemption.community_id))
        if args.get("community") is not None:
            stmt = stmt.where(Redemption.community_id == args["community"])
    else:
        stmt = select(Redemption).where(Redemption.user_id == actor.user_id)
    if args.get("status"):
        stmt = stmt.where(Redemption.status == args["status"])
    return keyset_page(stmt, [Redemption.id], args["limit"], args.get("cursor"))
