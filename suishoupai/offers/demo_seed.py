"""Demo governance posts, a bounty and a rewards shop for the demo community; re-running updates."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.offers.models import Bounty, BountyStatus, Post, Reward

#: title, duties, capacity, monthly points
POSTS = [
    ("楼道巡查岗", "每周至少两次巡查责任楼道，发现堆物、飞线充电、消防通道堵塞随手拍上报并劝导清理。", 6, 30),
    ("文明劝导岗", "在小区出入口和菜场周边劝导电动车规范停放、佩戴头盔，劝阻乱扔垃圾等不文明行为。", 4, 30),
    ("电动车充电安全巡查岗",
     "巡查集中充电棚和车库，发现电动车进楼入户、私拉电线充电及时劝阻并上报网格员。", 3, 40),
    ("独居老人探访岗", "配送途中每周探访结对的独居老人一次，发现异常第一时间联系社区。", 5, 30),
]
#: name, description, cost, stock, per-user limit
REWARDS = [
    ("洗衣液（2kg）", "社区党群服务中心领取", 120, 50, 2),
    ("电动车头盔", "3C 认证半盔，社区党群服务中心领取", 300, 20, 1),
    ("充电宝租借券（10 次）", "小区门口共享充电宝免费租借 10 次", 80, 100, 3),
    ("理发券", "社区便民理发点使用", 60, 40, 2),
]
BOUNTY = ("12 幢楼道杂物清理", "12 幢 1–6 楼楼道长期堆放纸箱和旧家具，占用消防通道。"
          "揭榜后协助楼长动员住户清理，上传清理前后照片。", 50, 2)


def seed_offers(community_id: int, admin_id: int) -> dict:
    """Posts, one bounty and the shop of the demo community, found by title so a re-run updates them."""
    for title, duties, capacity, points in POSTS:
        post = db.session.scalars(select(Post).where(Post.community_id == community_id,
                                                     Post.title == title)).first()
        if post is None:
            post = Post(community_id=community_id, title=title, taken=0, created_by_id=admin_id)
            db.session.add(post)
        post.duties, post.monthly_points, post.active = duties, points, True
        post.capacity = max(capacity, post.taken)
    for name, description, cost, stock, limit in REWARDS:
        reward = db.session.scalars(select(Reward).where(Reward.community_id == community_id,
                                                         Reward.name == name)).first()
        if reward is None:
            reward = Reward(community_id=community_id, name=name, stock=stock, created_by_id=admin_id)
            db.session.add(reward)
        reward.description, reward.cost, reward.per_user_limit, reward.active = description, cost, limit, True
    title, description, points, takers = BOUNTY
    bounty = db.session.scalars(select(Bounty).where(Bounty.community_id == community_id,
                                                     Bounty.title == title)).first()
    if bounty is None:
        bounty = Bounty(community_id=community_id, title=title, taken=0, status=BountyStatus.OPEN,
                        created_by_id=admin_id)
        db.session.add(bounty)
    bounty.description, bounty.points, bounty.max_takers = description, points, max(takers, bounty.taken)
    if bounty.status == BountyStatus.OPEN:
        bounty.deadline = utcnow() + timedelta(days=30)
    db.session.flush()
    return {"posts": len(POSTS), "rewards": len(REWARDS), "bounties": 1}
