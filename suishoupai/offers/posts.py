"""Governance posts (治理岗): admins define them, verified riders claim places, staff confirm months."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.errors import Conflict, InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.offers import rules
from suishoupai.offers.models import Post, PostClaim, PostClaimStatus, PostDuty
from suishoupai.offers.scope import admin_community, home_community_id, reach_clause, require_admin
from suishoupai.org.actor import Actor
from suishoupai.pagination import keyset_page
from suishoupai.points.awards import award
from suishoupai.points.models import Award
from suishoupai.points.riders import require_verified_rider

POST_NOT_FOUND = ("治理岗不存在", "post.not_found")


def _not_found() -> NotFound:
    """The one answer for a post outside the caller's reach."""
    return NotFound(POST_NOT_FOUND[0], code=POST_NOT_FOUND[1])


def create(actor: Actor, data: dict) -> Post:
    """An admin defines a post in a community within their reach."""
    community = admin_community(actor, data.get("community_id"))
    post = Post(community_id=community.id, title=data["title"], duties=data["duties"],
                capacity=data["capacity"], monthly_points=data["monthly_points"],
                active=data.get("active", True), taken=0, created_by_id=actor.user_id)
    db.session.add(post)
    db.session.flush()
    return post


def admin_get(actor: Actor, post_id: int, lock: bool = False) -> Post:
    """A post in the admin's reach; anything else is "not found"."""
    require_admin(actor)
    stmt = select(Post).where(Post.id == post_id, reach_clause(actor, Post.community_id))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    post = db.session.scalars(stmt).first()
    if post is None:
        raise _not_found()
    return post


def edit(actor: Actor, post_id: int, data: dict) -> Post:
    """Change a post's text, capacity, points or active flag; capacity never below current holders."""
    post = admin_get(actor, post_id, lock=True)
    if "capacity" in data and data["capacity"] < post.taken:
        raise Conflict(f"该岗位已有 {post.taken} 人认领，名额不能少于在岗人数",
                       code="post.capacity_below_taken", details={"taken": post.taken})
    for key in ("title", "duties", "capacity", "monthly_points", "active"):
        if key in data:
            setattr(post, key, data[key])
    db.session.flush()
    return post


def list_admin(actor: Actor, args: dict) -> dict:
    """Posts in the admin's reach, newest first, optionally of one community."""
    stmt = select(Post).where(reach_clause(require_admin(actor), Post.community_id))
    if args.get("community") is not None:
        stmt = stmt.where(Post.community_id == args["community"])
    if args.get("active") is not None:
        stmt = stmt.where(Post.active.is_(args["active"]))
    return keyset_page(stmt, [Post.id], args["limit"], args.get("cursor"))


def list_for_rider(actor: Actor, args: dict) -> dict:
    """Active posts of the caller's home community ("available"), or the posts they hold ("mine")."""
    if args["scope"] == "mine":
        held = select(PostClaim.post_id).where(PostClaim.user_id == actor.user_id,
                                               PostClaim.status == PostClaimStatus.ACTIVE)
        stmt = select(Post).where(Post.id.in_(held))
    else:
        community_id = home_community_id(actor)
        stmt = select(Post).where(Post.community_id == (community_id or 0), Post.active.is_(True))
    return keyset_page(stmt, [Post.id], args["limit"], args.get("cursor"))


def my_claims(user_id: int, post_ids: list[int]) -> dict[int, PostClaim]:
    """The caller's active claims on these posts, by post."""
    if not post_ids:
        return {}
    return {c.post_id: c for c in db.session.scalars(select(PostClaim).where(
        PostClaim.user_id == user_id, PostClaim.status == PostClaimStatus.ACTIVE,
        PostClaim.post_id.in_(post_ids)))}


def _rider_post(actor: Actor, post_id: int) -> Post:
    """A post of the rider's home community, or one they hold; others are "not found"."""
    community_id = home_community_id(actor)
    held = select(PostClaim.post_id).where(PostClaim.user_id == actor.user_id,
                                           PostClaim.status == PostClaimStatus.ACTIVE)
    post = db.session.scalars(select(Post).where(
        Post.id == post_id, (Post.community_id == (community_id or 0)) | Post.id.in_(held))).first()
    if post is None:
        raise _not_found()
    return post


def claim(actor: Actor, post_id: int) -> tuple[Post, PostClaim]:
    """A verified rider claims a place; one conditional UPDATE on the taken counter decides."""
    require_verified_rider(actor)
    post = _rider_post(actor, post_id)
    # serialise one rider's claims, so a double tap cannot take two places
    db.session.execute(select(User.id).where(User.id == actor.user_id).with_for_update())
    if my_claims(actor.user_id, [post.id]):
        raise Conflict("您已认领该治理岗", code="post.already_claimed")
    if not post.active:
        raise Conflict("该治理岗已停止认领", code="post.inactive")
    won = db.session.execute(
        update(Post).where(Post.id == post.id, Post.active.is_(True), Post.taken < Post.capacity)
        .values(taken=Post.taken + 1, updated_at=utcnow())).rowcount
    if not won:
        raise Conflict("该治理岗名额已满", code="post.full", details={"capacity": post.capacity})
    held = PostClaim(post_id=post.id, user_id=actor.user_id, status=PostClaimStatus.ACTIVE,
                     claimed_at=utcnow())
    db.session.add(held)
    db.session.flush()
    db.session.refresh(post)
    return post, held


def leave(actor: Actor, post_id: int) -> Post:
    """A rider leaves a post they hold; the place frees up."""
    post = _rider_post(actor, post_id)
    now = utcnow()
    left = db.session.execute(
        update(PostClaim).where(PostClaim.post_id == post.id, PostClaim.user_id == actor.user_id,
                                PostClaim.status == PostClaimStatus.ACTIVE)
        .values(status=PostClaimStatus.LEFT, left_at=now)).rowcount
    if not left:
        raise Conflict("您未认领该治理岗", code="post.not_claimed")
    db.session.execute(update(Post).where(Post.id == post.id)
                       .values(taken=Post.taken - 1, updated_at=now))
    db.session.refresh(post)
    return post


def claims_of(actor: Actor, post_id: int, args: dict) -> dict:
    """Who holds (or held) a post, newest first, for staff confirming months."""
    post = admin_get(actor, post_id)
    stmt = select(PostClaim).where(PostClaim.post_id == post.id)
    if args.get("status"):
        stmt = stmt.where(PostClaim.status == args["status"])
    return keyset_page(stmt, [PostClaim.id], args["limit"], args.get("cursor"))


def confirm_duty(actor: Actor, post_id: int, user_id: int, month: str) -> tuple[PostDuty, Award]:
    """Staff confirm a claimant's month on a post; the post's points are awarded once, retries included."""
    post = admin_get(actor, post_id)
    now = utcnow()
    if not rules.not_after(month, now):
        raise InvalidInput("不能确认尚未开始的月份", code="post.month_in_future",
                           details={"fields": {"month": ["月份尚未开始"]}})
    duty = _duty(post.id, user_id, month)
    if duty is None:
        claims = db.session.scalars(select(PostClaim).where(
            PostClaim.post_id == post.id, PostClaim.user_id == user_id).order_by(PostClaim.id.desc())).all()
        standing = [c for c in claims if rules.held_during(c.claimed_at, c.left_at, month)]
        if not standing:
            raise Conflict("该骑手在该月未认领此治理岗", code="post.not_held_in_month",
                           details={"user_id": user_id, "month": month})
        try:
            with db.session.begin_nested():
                duty = PostDuty(post_id=post.id, user_id=user_id, claim_id=standing[0].id, month=month,
                                confirmed_by_id=actor.user_id, confirmed_at=now)
                db.session.add(duty)
        except IntegrityError:
            # another confirmation of the same month won the race: it stands, and awards once
            duty = _duty(post.id, user_id, month)
    return duty, award(user_id, "post_month", source_type="post_duty", source_id=duty.id,
                       community_id=post.community_id, points=post.monthly_points,
                       memo=f"{post.title} {month} 履职确认", actor_id=actor.user_id)


def _duty(post_id: int, user_id: int, month: str) -> PostDuty | None:
    """The confirmation of a month, if there is one."""
    return db.session.scalars(select(PostDuty).where(PostDuty.post_id == post_id, PostDuty.user_id == user_id,
                                                     PostDuty.month == month)).first()
