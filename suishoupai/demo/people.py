"""The demo history's people and their side of it: residents, community admins for every community,
a desk at every department, 双报到 volunteers and riders (registered and reviewed through the
services), 微心愿 through every state, and riders' posts, bounties and shop visits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from shapely.geometry import shape as to_shape
from sqlalchemy import select

from suishoupai.auth.models import Role, User
from suishoupai.database import utcnow
from suishoupai.demo import wording
from suishoupai.demo.seed import SURNAMES, _user, district_geojson
from suishoupai.errors import DomainError
from suishoupai.extensions import db
from suishoupai.offers import bounties, posts, rewards
from suishoupai.offers.models import Post, Reward
from suishoupai.org.models import Department, OrgUnit
from suishoupai.points import ledger, riders
from suishoupai.points.models import Platform, RiderStatus
from suishoupai.wishes import service as wishes
from suishoupai.wishes import volunteers

GIVEN = "秀英桂英建华志强海燕丽娟建国红梅国庆玉兰德明淑珍振华凤英宏伟春梅文斌金花晓东"


@dataclass
class Person:
    user_id: int
    community_id: int


@dataclass
class Grid:
    id: int
    community_id: int
    shape: object


@dataclass
class Cast:
    residents: list[Person] = field(default_factory=list)
    riders: list[Person] = field(default_factory=list)
    helpers: list[Person] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    grids_of: dict[int, list[Grid]] = field(default_factory=dict)
    admin_of: dict[int, int] = field(default_factory=dict)
    department_users: dict[int, int] = field(default_factory=dict)
    default_department_id: int = 0
    centre_community_id: int = 0
    cases_per_day: float = 24.0


def _name(n: int) -> str:
    """A plausible full name from the n-th pick."""
    given = GIVEN[(n * 2) % len(GIVEN):(n * 2) % len(GIVEN) + 2]
    return SURNAMES[(n * 7) % len(SURNAMES)] + given


def _unit(code: str) -> OrgUnit:
    return db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()


def enrol(sim) -> Cast:
    """The history's accounts; volunteers and riders registered and approved through the services."""
    cast = Cast()
    if db.session.scalar(select(User.id).where(User.openid == "demo-community-admin")) is None:
        raise DomainError("演示辖区尚未建立：请先运行 flask demo seed")
    doc, _centre, centre_code = district_geojson()
    shapes = {f["properties"]["code"]: to_shape(f["geometry"]) for f in doc["features"]
              if f["properties"]["kind"] == "grid"}
    centre_community = db.session.get(OrgUnit, _unit(centre_code).community_id)
    cast.centre_community_id = centre_community.id
    communities = db.session.scalars(select(OrgUnit).where(
        OrgUnit.kind == "community", OrgUnit.code.startswith("DEMO-")).order_by(OrgUnit.code)).all()
    for community in communities:
        admin = (db.session.scalars(select(User.id).where(User.openid == "demo-community-admin")).one()
                 if community.id == centre_community.id else
                 _user(f"demo-h-admin-{community.code.lower()}", Role.COMMUNITY_ADMIN,
                       f"{community.name[:2]}书记", community.id).id)
        cast.admin_of[community.id] = admin
    for code, grid_shape in sorted(shapes.items()):
        unit = _unit(code)
        grid = Grid(unit.id, unit.community_id, grid_shape)
        cast.grids.append(grid)
        cast.grids_of.setdefault(unit.community_id, []).append(grid)
    for dept in db.session.scalars(select(Department).where(Department.code.startswith("DEMO-"))):
        user = (db.session.scalars(select(User).where(User.openid == "demo-department")).one()
                if dept.code == "DEMO-CG" else
                _user(f"demo-h-dept-{dept.code[5:].lower()}", Role.DEPARTMENT, f"{dept.name[1:3]}值班员",
                      None, None, dept.id))
        cast.department_users[dept.id] = user.id
        if dept.code == "DEMO-CG":
            cast.default_department_id = dept.id
    n = 0
    for community in communities:
        for _ in range(24):
            user = _user(f"demo-h-resident-{n:03d}", Role.RESIDENT, _name(n), community.id, f"137{n:08d}")
            cast.residents.append(Person(user.id, community.id))
            n += 1
    admin_actor = {cid: sim.actor(uid) for cid, uid in cast.admin_of.items()}
    for i, person in enumerate(cast.residents[::8]):  # three a community
        kind = ("party_member", "volunteer", "unit")[i % 3]
        reg = volunteers.register(sim.actor(person.user_id), {
            "community_id": person.community_id, "kind": kind,
            "work_unit": None if kind == "volunteer" else ("区卫健局", "杭州银行武林支行")[i % 2]})
        if reg.status == "pending":  # a run stopped early may have approved it already
            volunteers.review(admin_actor[person.community_id], reg.id, "approve", None)
        cast.helpers.append(person)
    platforms = list(Platform)
    for i in range(10):
        community_id = centre_community.id if i < 6 else communities[i % len(communities)].id
        user = _user(f"demo-h-rider-{i:02d}", Role.RESIDENT, _name(200 + i), community_id, f"136{i:08d}")
        rider = riders.verified_rider(user.id) or riders.register(sim.actor(user.id), {
            "platform": platforms[i % len(platforms)], "courier_id": f"HZ{20260000 + i}",
            "phone": f"136{i:08d}", "home_community_id": community_id})
        if rider.status == RiderStatus.PENDING:
            riders.verify(admin_actor[community_id], rider.id, "approve", None)
        cast.riders.append(Person(user.id, community_id))
    db.session.flush()
    for i, post in enumerate(db.session.scalars(select(Post).where(
            Post.community_id == centre_community.id).order_by(Post.id))):
        for person in cast.riders[i:i + 2]:
            if person.community_id == centre_community.id and not posts.my_claims(person.user_id, [post.id]):
                posts.claim(sim.actor(person.user_id), post.id)
                sim.count("post claims")
    return cast


def plan_day(sim, cast, day: datetime) -> None:
    """Wishes most days; monthly duty confirmations; a bounty every ten days; weekly shop visits."""
    rng = sim.rng
    for _ in range(rng.choice((0, 1, 1, 2))):
        sim.at(day + timedelta(hours=rng.uniform(8, 21)), partial(_wish, sim, cast))
    index = (day - sim.start).days
    if day.day == 1 or index == 0:
        sim.at(day + timedelta(hours=10), partial(_confirm_duties, sim, cast, day))
    if index % 10 == 3:
        sim.at(day + timedelta(hours=9), partial(_bounty, sim, cast, index))
    if index % 7 == 5:
        sim.at(day + timedelta(hours=18), partial(_shop, sim, cast))


def _wish(sim, cast) -> None:
    """A resident's wish: reviewed, claimed by a volunteer or rider, fulfilled, confirmed (or not yet)."""
    rng = sim.rng
    wisher = rng.choice(cast.residents)
    category = rng.choice(list(wording.WISHES))
    title, description = rng.choice(wording.WISHES[category])
    wish = wishes.submit(sim.actor(wisher.user_id), {
        "category": category, "title": title, "description": description,
        "estimated_value": rng.choice((50, 80, 120, 200, 300)), "community_id": wisher.community_id})
    sim.count("wishes")
    staff = cast.admin_of[wisher.community_id]
    wid = wish.id

    def review():
        if rng.random() < 0.1:
            wishes.review(sim.actor(staff), wid, "reject", "超出微心愿范围，已转介民政部门", "community")
            return
        wishes.review(sim.actor(staff), wid, "publish", None, "community")
        sim.after(rng.uniform(6, 96), claim)

    def claim():
        nearby = [p for p in cast.helpers + cast.riders if p.community_id == wisher.community_id]
        if not nearby:
            return
        claimant = rng.choice(nearby).user_id
        wishes.claim(sim.actor(claimant), wid)
        if rng.random() < 0.1:
            sim.after(rng.uniform(12, 72),
                      lambda: wishes.release(sim.actor(claimant), wid, "近期工作太忙，抽不出时间"))
        else:
            sim.after(rng.uniform(24, 150), lambda: fulfil(claimant))

    def fulfil(claimant):
        photo = sim.photo(claimant, "fulfilment", sim.next_picture("fulfilment", claimant))
        wishes.fulfil(sim.actor(claimant), wid, rng.choice(wording.FULFIL_NOTES), [photo])
        if rng.random() < 0.75:
            sim.after(rng.uniform(2, 72), lambda: wishes.confirm(sim.actor(wisher.user_id), wid,
                                                                  rng.choice(wording.WISH_THANKS)))

    sim.after(rng.uniform(2, 40), review)


def _confirm_duties(sim, cast, day: datetime) -> None:
    """At the start of a month the community confirms last month's duty of each rider on a post."""
    month = (day.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    admin = sim.actor(cast.admin_of[cast.centre_community_id])
    for post in db.session.scalars(select(Post).where(Post.community_id == cast.centre_community_id)):
        for person in cast.riders:
            try:
                with db.session.begin_nested():
                    posts.confirm_duty(admin, post.id, person.user_id, month)
                sim.count("duty months")
            except DomainError:  # not on this post that month: nothing to confirm
                continue


def _bounty(sim, cast, index: int) -> None:
    """The community publishes a bounty; riders take it, report it done, staff verify."""
    rng = sim.rng
    admin_id = cast.admin_of[cast.centre_community_id]
    titles = ("车棚飞线充电排查", "背街小巷垃圾清理", "楼道小广告清除", "共享单车整理", "独居老人走访")
    title = f"{titles[index // 10 % len(titles)]}（第{index // 10 + 1}期）"
    bounty = bounties.create(sim.actor(admin_id), {
        "community_id": cast.centre_community_id, "title": title,
        "description": "请揭榜骑手协助社区完成，上传处理前后照片。", "points": rng.choice((30, 40, 50)),
        "deadline": utcnow() + timedelta(days=14), "max_takers": 2})
    sim.count("bounties")
    bid = bounty.id
    for person in rng.sample([p for p in cast.riders if p.community_id == cast.centre_community_id], 2):
        def take(uid=person.user_id):
            claim = bounties.claim(sim.actor(uid), bid)
            sim.after(rng.uniform(20, 120), lambda: done(uid, claim.id))

        def done(uid, claim_id):
            photo = sim.photo(uid, "evidence", sim.next_picture("evidence", uid))
            bounties.complete(sim.actor(uid), bid, "已完成，附前后对比照片", [photo])
            approve = rng.random() < 0.9
            sim.after(rng.uniform(4, 48), lambda: bounties.verify(
                sim.actor(admin_id), claim_id, approve, None if approve else "照片看不出整改效果，请补充"))

        sim.after(rng.uniform(1, 48), take)


def _shop(sim, cast) -> None:
    """Riders with points enough spend some; staff hand most items over within days."""
    rng = sim.rng
    admin_id = cast.admin_of[cast.centre_community_id]
    shop = list(db.session.scalars(select(Reward).where(Reward.community_id == cast.centre_community_id,
                                                         Reward.active.is_(True))))
    for person in cast.riders:
        if person.community_id != cast.centre_community_id or rng.random() < 0.5:
            continue
        balance = ledger.balance(person.user_id)
        affordable = [r for r in shop if r.cost <= balance]
        if not affordable:
            continue
        redemption = rewards.redeem(sim.actor(person.user_id), rng.choice(affordable).id)
        sim.count("redemptions")
        rid, code = redemption.id, redemption.pickup_code
        if rng.random() < 0.85:
            sim.after(rng.uniform(20, 96),
                      lambda rid=rid, code=code: rewards.pickup(sim.actor(admin_id), rid, code))
        elif rng.random() < 0.5:
            sim.after(rng.uniform(2, 48),
                      lambda rid=rid, uid=person.user_id: rewards.cancel(sim.actor(uid), rid))


