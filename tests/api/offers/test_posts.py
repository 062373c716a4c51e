"""治理岗 over HTTP: places up to capacity, verified riders only, a month awarded once, the last place."""

from sqlalchemy import func, select

from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.offers.models import Bounty, Post, PostClaim
from suishoupai.offers.rules import month_of
from suishoupai.org.models import OrgUnit


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
    outsider = o.rider("外社区", community=o.ELSEWHERE)
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
        other = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == o.ELSEWHERE))
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


def test_last_post_slot_race(o):
    """Two riders claiming the last place at once, ten rounds: one 200, one 409 with a Chinese message."""
    riders = [o.rider(f"抢岗{i}") for i in range(2)]
    for _ in range(10):
        post_id = o.new_post(capacity=1)
        results = o.race(f"/api/v1/posts/{post_id}/claim", riders)
        assert sorted(code for code, _ in results) == [200, 409], results
        assert [e["message"] for code, e in results if code == 409] == ["该治理岗名额已满"]
        assert o.row(Post, post_id).taken == 1
