"""治理岗 · 揭榜挂帅 · 积分超市 over HTTP: capacity, gating, awards once, sweep, redeem/cancel, races."""

import io
import random
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from suishoupai import crypto
from suishoupai.auth import tokens
from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from suishoupai.points import audit, awards, ledger, rulebook
from suishoupai.points.models import Rider
from suishoupai.points.offer_rules import month_of
from suishoupai.points.offers import Bounty, BountyClaim, Post, PostClaim, Redemption, Reward
from tests.helpers.concurrency import at_once

_seed = iter(range(300_000, 400_000))
HOME = "DEMO-S2-C2"  # 凤起社区, the demo community
ELSEWHERE = "DEMO-S1-C1"  # 竹竿巷社区, another street


class Offers:
    """HTTP helpers over the seeded demo district, with riders made on demand."""

    def __init__(self, app, client, auth):
        """Bind to the test's app, client and login helper."""
        self.app, self.client, self.auth, self.tokens, self.ids = app, client, auth, {}, {}

    def h(self, who):
        """Headers for a demo account (dev-login) or a rider made here."""
        if who not in self.tokens:
            self.tokens[who] = self.auth.headers(who)
        return self.tokens[who]

    def unit(self, code):
        """An org unit id by code."""
        with self.app.app_context():
            return db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))

    def rider(self, name, status="verified", community=HOME, points=0):
        """A rider account registered to a community, verified unless told, holding some points."""
        community_id = self.unit(community)
        with self.app.app_context():
            user = User(openid=f"rider-{name}", role="rider", real_name=name, org_unit_id=community_id)
            db.session.add(user)
            db.session.flush()
            db.session.add(Rider(user_id=user.id, platform="美团", courier_id=f"MT{user.id:06d}",
                                 phone_enc=crypto.encrypt("13700000000"), home_community_id=community_id,
                                 status=status))
            if points:
                admin = db.session.scalar(select(User.id).where(User.openid == "demo-community-admin"))
                awards.adjust(admin, user.id, community_id, points, "测试初始积分")
            db.session.commit()
            token = tokens.issue(user.id, 0, self.app.config["SECRET_KEY"], 3600)[0]
            self.ids[name] = user.id
        self.tokens[name] = {"Authorization": f"Bearer {token}"}
        return name

    def post(self, who, path, **body):
        """POST JSON as someone."""
        return self.client.post(f"/api/v1{path}", json=body, headers=self.h(who))

    def get(self, who, path):
        """GET as someone."""
        return self.client.get(f"/api/v1{path}", headers=self.h(who))

    def photo(self, who):
        """Upload a distinct photo as someone."""
        out = io.BytesIO()
        Image.frombytes("RGB", (64, 48), random.Random(next(_seed)).randbytes(64 * 48 * 3)).save(out, "JPEG")
        boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(out.getvalue()), filename="a.jpg")})
        resp = self.client.post("/api/v1/media", data=body, headers=self.h(who),
                                content_type=f"multipart/form-data; boundary={boundary}")
        assert resp.status_code == 201, resp.json
        return resp.json["id"]

    def balance(self, name):
        """A rider's balance, read from the ledger."""
        with self.app.app_context():
            return ledger.balance(self.ids[name])

    def new_post(self, capacity=2, points=30, **extra):
        """A post published by the community admin."""
        resp = self.post("demo-community-admin", "/admin/posts", title="垃圾分类督导岗",
                         duties="早晚高峰在分类投放点督导居民分类投放", capacity=capacity,
                         monthly_points=points, **extra)
        assert resp.status_code == 201, resp.json
        return resp.json["id"]

    def new_bounty(self, max_takers=1, points=50, **extra):
        """A bounty published by the community admin, a week to go."""
        deadline = (utcnow() + timedelta(days=7)).isoformat()
        resp = self.post("demo-community-admin", "/admin/bounties", title="小区东门共享单车乱停整治",
                         description="协助整理东门共享单车，劝导规范停放，上传整治前后照片",
                         points=points, deadline=deadline, max_takers=max_takers, **extra)
        assert resp.status_code == 201, resp.json
        return resp.json["id"]

    def new_reward(self, cost=120, stock=5, per_user_limit=2, **extra):
        """A reward in the demo community's shop."""
        resp = self.post("demo-community-admin", "/admin/rewards", name="洗衣液（2kg）", cost=cost,
                         stock=stock, per_user_limit=per_user_limit, **extra)
        assert resp.status_code == 201, resp.json
        return resp.json["id"]

    def row(self, model, row_id):
        """A row as the database has it now."""
        with self.app.app_context():
            row = db.session.get(model, row_id)
            db.session.expunge(row)
            return row


@pytest.fixture
def o(app, client, auth, demo):
    """Helpers over the demo district with the rule book in place."""
    with app.app_context():
        rulebook.seed_rules()
        db.session.commit()
    return Offers(app, client, auth)


def test_post_claim_within_capacity_and_leave(o):
    """Places go to the first riders up to capacity; a full post answers 409; leaving frees a place."""
    post_id = o.new_post(capacity=2)
    a, b, c = o.rider("甲"), o.rider("乙"), o.rider("丙")
    first = o.post(a, f"/posts/{post_id}/claim")
    assert first.status_code == 200, first.json
    assert first.json["taken"] == 1 and first.json["remaining"] == 1 and first.json["my_claim"]["id"]
    again = o.post(a, f"/posts/{post_id}/claim")
    assert again.status_code == 409 and again.json["error"]["code"] == "post.already_claimed"
    assert o.post(b, f"/posts/{post_id}/claim").json["remaining"] == 0
    full = o.post(c, f"/posts/{post_id}/claim")
    assert full.status_code == 409 and full.json["error"]["code"] == "post.full"
    assert full.json["error"]["message"] == "该治理岗名额已满"
    left = o.post(a, f"/posts/{post_id}/leave")
    assert left.status_code == 200 and left.json["taken"] == 1 and left.json["my_claim"] is None
    assert o.post(a, f"/posts/{post_id}/leave").json["error"]["code"] == "post.not_claimed"
    assert o.post(c, f"/posts/{post_id}/claim").status_code == 200
    mine = o.get(c, "/posts?scope=mine").json["items"]
    assert [p["id"] for p in mine] == [post_id]
    available = o.get(a, "/posts").json["items"]
    assert {p["title"] for p in available} >= {"楼道巡查岗", "文明劝导岗", "电动车充电安全巡查岗",
                                               "垃圾分类督导岗"}
    with o.app.app_context():
        active = db.session.scalar(select(func.count()).where(PostClaim.post_id == post_id,
                                                              PostClaim.status == "active"))
        assert active == db.session.get(Post, post_id).taken == 2


def test_claims_need_a_verified_rider(o):
    """Residents and riders still pending verification are refused and nothing changes."""
    post_id, bounty_id = o.new_post(), o.new_bounty()
    pending = o.rider("待审", status="pending")
    for who in ("demo-resident", pending):
        resp = o.post(who, f"/posts/{post_id}/claim")
        assert resp.status_code == 403 and resp.json["error"]["code"] == "points.rider_unverified"
        assert "认证" in resp.json["error"]["message"]
        assert o.post(who, f"/bounties/{bounty_id}/claim").status_code == 403
    assert o.row(Post, post_id).taken == 0 and o.row(Bounty, bounty_id).taken == 0
    # a rider of another community does not even see the post
    outsider = o.rider("外社区", community=ELSEWHERE)
    assert o.post(outsider, f"/posts/{post_id}/claim").json["error"]["code"] == "post.not_found"


def test_duty_month_awards_once(o):
    """Confirming a holder's month awards the post's points once, however often it is retried."""
    post_id = o.new_post(points=30)
    rider = o.rider("履职")
    assert o.post(rider, f"/posts/{post_id}/claim").status_code == 200
    month = month_of(utcnow())
    path = f"/admin/posts/{post_id}/duties"
    first = o.post("demo-community-admin", path, user_id=o.ids[rider], month=month)
    assert first.status_code == 200, first.json
    assert first.json["award"]["status"] == "awarded" and first.json["award"]["points"] == 30
    retry = o.post("demo-community-admin", path, user_id=o.ids[rider], month=month)
    assert retry.json["id"] == first.json["id"] and retry.json["award"]["id"] == first.json["award"]["id"]
    assert o.balance(rider) == 30
    # a month not begun, a non-holder, a malformed month, an admin elsewhere: refused, nothing written
    future = o.post("demo-community-admin", path, user_id=o.ids[rider], month="2099-01")
    assert future.status_code == 422 and future.json["error"]["code"] == "post.month_in_future"
    stranger = o.rider("没认领")
    resp = o.post("demo-community-admin", path, user_id=o.ids[stranger], month=month)
    assert resp.status_code == 409 and resp.json["error"]["code"] == "post.not_held_in_month"
    bad = o.post("demo-community-admin", path, user_id=o.ids[rider], month="2026-13")
    assert bad.status_code == 422 and "month" in bad.json["error"]["details"]["fields"]
    with o.app.app_context():
        other = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == ELSEWHERE))
        db.session.add(User(openid="admin-elsewhere", role="community_admin", org_unit_id=other))
        db.session.commit()
    resp = o.post("admin-elsewhere", path, user_id=o.ids[rider], month=month)
    assert resp.status_code == 404 and resp.json["error"]["code"] == "post.not_found"
    assert o.balance(rider) == 30 and o.balance(stranger) == 0
    # the rule's monthly cap applies to the post's points too: a 100-point post earns what is left
    big = o.new_post(points=100)
    assert o.post(rider, f"/posts/{big}/claim").status_code == 200
    capped = o.post("demo-community-admin", f"/admin/posts/{big}/duties", user_id=o.ids[rider], month=month)
    assert capped.json["award"]["points"] == 30 and capped.json["award"]["reason"]
    assert o.balance(rider) == 60


def test_bounty_claim_complete_verify_award(o):
    """Take, complete with photos, verify: the bounty's points once; a second taker is over the limit."""
    bounty_id = o.new_bounty(max_takers=1, points=50)
    a, b = o.rider("揭榜甲"), o.rider("揭榜乙")
    took = o.post(a, f"/bounties/{bounty_id}/claim")
    assert took.status_code == 200 and took.json["status"] == "claimed"
    full = o.post(b, f"/bounties/{bounty_id}/claim")
    assert full.status_code == 409 and full.json["error"]["code"] == "bounty.full"
    assert o.post(b, f"/bounties/{bounty_id}/complete", media_ids=[o.photo(b)]).status_code == 403
    empty = o.post(a, f"/bounties/{bounty_id}/complete", note="已清理", media_ids=[])
    assert empty.status_code == 422 and "media_ids" in empty.json["error"]["details"]["fields"]
    done = o.post(a, f"/bounties/{bounty_id}/complete", note="已清理完毕", media_ids=[o.photo(a), o.photo(a)])
    assert done.status_code == 200 and done.json["status"] == "submitted" and len(done.json["evidence"]) == 2
    claim_id = done.json["id"]
    card = o.get(a, f"/bounties/{bounty_id}").json
    assert card["my_claim"]["id"] == claim_id and card["remaining"] == 0
    verify = f"/admin/bounty-claims/{claim_id}/verify"
    ok = o.post("demo-community-admin", verify, approve=True)
    assert ok.status_code == 200 and ok.json["status"] == "approved"
    assert ok.json["award"]["status"] == "awarded" and ok.json["award"]["points"] == 50
    again = o.post("demo-community-admin", verify, approve=True)
    assert again.status_code == 409 and again.json["error"]["code"] == "bounty.illegal_transition"
    assert o.balance(a) == 50
    listed = o.get("demo-community-admin", f"/admin/bounties/{bounty_id}/claims").json["items"]
    assert listed[0]["award"]["points"] == 50 and listed[0]["user"]["name"] == "揭榜甲"


def test_bounty_rejection_frees_the_place(o):
    """A rejected completion needs a reason, earns nothing and lets someone else take the place."""
    bounty_id = o.new_bounty(max_takers=1)
    a, b = o.rider("被拒"), o.rider("接手")
    o.post(a, f"/bounties/{bounty_id}/claim")
    claim_id = o.post(a, f"/bounties/{bounty_id}/complete", media_ids=[o.photo(a)]).json["id"]
    path = f"/admin/bounty-claims/{claim_id}/verify"
    no_reason = o.post("demo-community-admin", path, approve=False)
    assert no_reason.status_code == 422 and no_reason.json["error"]["code"] == "bounty.reason_required"
    assert o.row(BountyClaim, claim_id).status == "submitted"
    rejected = o.post("demo-community-admin", path, approve=False, reason="照片看不出清理效果")
    assert rejected.json["status"] == "rejected" and rejected.json["award"] is None
    assert o.balance(a) == 0
    assert o.post(b, f"/bounties/{bounty_id}/claim").status_code == 200


def test_expired_bounty_closes(o):
    """Past its deadline a bounty refuses claims; the sweep closes it and expires unfinished claims."""
    late, open_ = o.new_bounty(max_takers=3), o.new_bounty(max_takers=3)
    a, b = o.rider("迟到"), o.rider("准时")
    assert o.post(a, f"/bounties/{late}/claim").status_code == 200
    with o.app.app_context():
        db.session.execute(update(Bounty).where(Bounty.id == late)
                           .values(deadline=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    refused = o.post(b, f"/bounties/{late}/claim")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "bounty.closed"
    assert [x["id"] for x in o.get(b, "/bounties").json["items"]].count(late) == 0
    result = o.app.test_cli_runner().invoke(args=["points", "sweep"])
    assert result.exit_code == 0 and "1 个" in result.output, result.output
    assert o.row(Bounty, late).status == "closed" and o.row(Bounty, open_).status == "open"
    with o.app.app_context():
        assert db.session.scalar(select(BountyClaim.status).where(BountyClaim.bounty_id == late)) == "expired"
    again = o.app.test_cli_runner().invoke(args=["points", "sweep"])
    assert "0 个" in again.output


def test_redeem_pickup_cancel(o):
    """Redeeming debits points and stock; the code picks it up; cancelling refunds and restocks."""
    reward_id = o.new_reward(cost=120, stock=5, per_user_limit=2)
    rider = o.rider("兑换", points=500)
    key = {"Idempotency-Key": "redeem-1"}
    first = o.client.post(f"/api/v1/rewards/{reward_id}/redeem", json={}, headers=o.h(rider) | key)
    assert first.status_code == 201, first.json
    assert first.json["status"] == "pending" and len(first.json["pickup_code"]) == 6
    assert first.json["balance"] == 380
    replay = o.client.post(f"/api/v1/rewards/{reward_id}/redeem", json={}, headers=o.h(rider) | key)
    assert replay.json["id"] == first.json["id"] and o.balance(rider) == 380
    blank = o.client.post(f"/api/v1/rewards/{reward_id}/redeem", json={},
                          headers=o.h(rider) | {"Idempotency-Key": " "})
    assert blank.status_code == 422 and blank.json["error"]["code"] == "idempotency.key_invalid"
    assert o.row(Reward, reward_id).stock == 4
    second = o.post(rider, f"/rewards/{reward_id}/redeem")
    assert second.status_code == 201 and second.json["balance"] == 260
    limit = o.post(rider, f"/rewards/{reward_id}/redeem")
    assert limit.status_code == 409 and limit.json["error"]["code"] == "reward.limit_reached"
    assert o.balance(rider) == 260 and o.row(Reward, reward_id).stock == 3
    cancelled = o.post(rider, f"/redemptions/{second.json['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert cancelled.json["balance"] == 380 and o.row(Reward, reward_id).stock == 4
    twice = o.post(rider, f"/redemptions/{second.json['id']}/cancel")
    assert twice.status_code == 409 and twice.json["error"]["code"] == "redemption.illegal_transition"
    redemption_id = first.json["id"]
    wrong = "000000" if first.json["pickup_code"] != "000000" else "111111"
    bad = o.post("demo-community-admin", f"/admin/redemptions/{redemption_id}/pickup", code=wrong)
    assert bad.status_code == 422 and bad.json["error"]["code"] == "redemption.bad_code"
    staff_view = o.get("demo-community-admin", "/redemptions?scope=staff&status=pending").json["items"]
    assert [r["id"] for r in staff_view] == [redemption_id] and staff_view[0]["pickup_code"] is None
    picked = o.post("demo-community-admin", f"/admin/redemptions/{redemption_id}/pickup",
                    code=first.json["pickup_code"])
    assert picked.status_code == 200 and picked.json["status"] == "picked_up"
    late = o.post(rider, f"/redemptions/{redemption_id}/cancel")
    assert late.status_code == 409 and late.json["error"]["message"] == "奖品已领取，不能取消"
    mine = o.get(rider, "/redemptions").json["items"]
    assert [(r["id"], r["status"]) for r in mine] == [(second.json["id"], "cancelled"),
                                                      (redemption_id, "picked_up")]
    with o.app.app_context():
        assert audit.verify().ok


def test_redeem_refusals_change_nothing(o):
    """Short balance, empty stock, inactive or foreign rewards: clear 4xx, no points or stock move."""
    helmet = o.new_reward(cost=300, stock=1, per_user_limit=1)
    poor = o.rider("余额少", points=50)
    short = o.post(poor, f"/rewards/{helmet}/redeem")
    assert short.status_code == 409 and short.json["error"]["code"] == "points.insufficient"
    assert o.row(Reward, helmet).stock == 1 and o.balance(poor) == 50
    rich = o.rider("余额多", points=1000)
    assert o.post(rich, f"/rewards/{helmet}/redeem").status_code == 201
    other = o.rider("也想要", points=1000)
    gone = o.post(other, f"/rewards/{helmet}/redeem")
    assert gone.status_code == 409 and gone.json["error"]["message"] == "该奖品已兑完"
    assert o.balance(other) == 1000
    off = o.new_reward(active=False)
    assert o.post(rich, f"/rewards/{off}/redeem").json["error"]["code"] == "reward.inactive"
    outsider = o.rider("外社区兑换", community=ELSEWHERE, points=1000)
    assert o.post(outsider, f"/rewards/{helmet}/redeem").status_code == 404
    assert o.post("demo-resident", f"/rewards/{helmet}/redeem").status_code == 403
    assert o.get(rich, "/rewards").json["items"][0]["my_redeemed"] in (0, 1)


def test_staff_cancel_refunds(o):
    """Staff may cancel a pending redemption in their reach; the redeemer's points come back."""
    reward_id = o.new_reward(cost=100, stock=1)
    rider = o.rider("员工取消", points=100)
    redemption_id = o.post(rider, f"/rewards/{reward_id}/redeem").json["id"]
    resp = o.post("demo-community-admin", f"/redemptions/{redemption_id}/cancel")
    assert resp.status_code == 200 and resp.json["status"] == "cancelled" and resp.json["balance"] is None
    assert o.balance(rider) == 100 and o.row(Reward, reward_id).stock == 1
    assert o.row(Redemption, redemption_id).refund_txn_id is not None


def test_admin_scope(o):
    """Admins manage their reach only: ids elsewhere are 404; street and district admins pick a community."""
    home, elsewhere = o.unit(HOME), o.unit(ELSEWHERE)
    post_id, bounty_id, reward_id = o.new_post(), o.new_bounty(), o.new_reward()
    with o.app.app_context():
        db.session.add(User(openid="admin-elsewhere", role="community_admin", org_unit_id=elsewhere))
        db.session.commit()
    for path in (f"/admin/posts/{post_id}", f"/admin/bounties/{bounty_id}", f"/admin/rewards/{reward_id}"):
        assert o.get("admin-elsewhere", path).status_code == 404
        assert o.client.patch(f"/api/v1{path}", json={"title": "改名"} if "rewards" not in path
                              else {"name": "改名"}, headers=o.h("admin-elsewhere")).status_code == 404
    assert o.get("admin-elsewhere", "/admin/posts").json["items"] == []
    foreign = o.post("demo-community-admin", "/admin/posts", community_id=elsewhere, title="越界岗位",
                     duties="不应创建", capacity=1, monthly_points=10)
    assert foreign.status_code == 404 and foreign.json["error"]["code"] == "org.community_not_found"
    street = o.post("demo-street-admin", "/admin/rewards", community_id=home, name="电动车头盔", cost=300,
                    stock=2)
    assert street.status_code == 201 and street.json["community"]["name"] == "凤起社区"
    no_community = o.post("demo-street-admin", "/admin/rewards", name="电动车头盔", cost=300, stock=2)
    assert no_community.status_code == 404
    district = o.post("demo-district-admin", "/admin/posts", community_id=elsewhere, title="文明劝导岗",
                      duties="劝导电动车规范停放", capacity=2, monthly_points=30)
    assert district.status_code == 201
    # a rider never uses /admin/: refused before the body is read; staff below admin by the offers' rule
    assert o.post("demo-rider", "/admin/posts", title="骑手不能建岗", duties="x" * 5, capacity=1,
                  monthly_points=1).json["error"]["code"] == "auth.forbidden"
    assert o.post("demo-grid-member", "/admin/posts", title="网格员不能建岗", duties="x" * 5, capacity=1,
                  monthly_points=1).json["error"]["code"] == "points.admin_only"
    for name in ("占位甲", "占位乙"):
        assert o.post(o.rider(name), f"/posts/{post_id}/claim").status_code == 200
    shrink = o.client.patch(f"/api/v1/admin/posts/{post_id}", json={"capacity": 1},
                            headers=o.h("demo-community-admin"))
    assert shrink.status_code == 409 and shrink.json["error"]["code"] == "post.capacity_below_taken"
    assert o.row(Post, post_id).capacity == 2
    past = o.client.patch(f"/api/v1/admin/bounties/{bounty_id}",
                          json={"deadline": "2020-01-01T00:00:00+08:00"}, headers=o.h("demo-community-admin"))
    assert past.status_code == 422 and past.json["error"]["code"] == "bounty.deadline_past"
    far = o.post("demo-community-admin", "/admin/bounties", title="很远的截止", description="年份越界",
                 points=10, deadline="9999-12-31T23:59:59-05:00", max_takers=1)
    assert far.status_code == 422 and "deadline" in far.json["error"]["details"]["fields"]


def _race(client, path, headers):
    """One racer's POST: its status and error."""
    resp = client.post(path, json={}, headers=headers)
    return resp.status_code, resp.json.get("error", {})


def _run(o, path, names):
    """Everyone POSTs the same path at the same instant; their (status, error) answers."""
    return at_once(None, _race, args=[(o.client, path, o.tokens[n]) for n in names])


def test_last_post_slot_race(o):
    """Two riders claiming the last place at once, ten rounds: one 200, one 409 with a Chinese message."""
    riders = [o.rider(f"抢岗{i}") for i in range(2)]
    for _ in range(10):
        post_id = o.new_post(capacity=1)
        results = _run(o, f"/api/v1/posts/{post_id}/claim", riders)
        assert sorted(code for code, _ in results) == [200, 409], results
        assert [e["message"] for code, e in results if code == 409] == ["该治理岗名额已满"]
        assert o.row(Post, post_id).taken == 1


def test_last_reward_item_race(o):
    """Eight people redeeming the last item at once: exactly one gets it, nobody else pays; a ninth
    who cannot afford it is told so and never holds the item while the others are turned away."""
    riders = [o.rider(f"抢兑{i}", points=1000) for i in range(8)]
    poor = o.rider("积分不够", points=50)
    for round_ in range(3):
        reward_id = o.new_reward(cost=100, stock=1, per_user_limit=5)
        results = _run(o, f"/api/v1/rewards/{reward_id}/redeem", [*riders, poor])
        assert sorted(code for code, _ in results) == [201] + [409] * 8, results
        assert sorted(e["code"] for code, e in results if code == 409) == (
            ["points.insufficient"] + ["reward.out_of_stock"] * 7)
        assert o.row(Reward, reward_id).stock == 0
        assert sum(o.balance(r) for r in riders) == 8 * 1000 - 100 * (round_ + 1)
        assert o.balance(poor) == 50
    with o.app.app_context():
        assert audit.verify().ok
