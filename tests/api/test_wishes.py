"""微心愿 over HTTP: both submission paths, review, exactly-once claiming, privacy, sweep, 双报到."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from suishoupai.auth import tokens
from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from suishoupai.wishes.models import Volunteer, Wish
from tests.helpers.concurrency import at_once
from tests.helpers.wishes import SECRET_ADDRESS, SECRET_NAME, SECRET_PHONE, Wishes


@pytest.fixture
def w(client, auth, demo):
    """Helpers over the seeded demo district."""
    return Wishes(client, auth)


def test_submit_review_claim_fulfil_confirm(w, client):
    """A resident's wish walks the whole way, and the board shows the progress."""
    resp = w.submit(media_ids=[w.photo("demo-resident")], estimated_value=120, address="凤起路1号")
    assert resp.status_code == 201, resp.json
    wish = resp.json
    assert wish["status"] == "submitted" and wish["community"]["name"] == "凤起社区"
    assert wish["beneficiary"]["name"] == "张晓梅" and wish["beneficiary"]["contact"] == "13800001001"
    wish_id = wish["id"]
    assert w.post("demo-grid-member", wish_id, "review", decision="publish").json["status"] == "published"
    claimed = w.post("demo-volunteer", wish_id, "claim")
    assert claimed.status_code == 200 and claimed.json["status"] == "claimed"
    assert claimed.json["claimant"]["name"] == "陈志愿"
    assert claimed.json["actions"] == ["release", "fulfil", "reveal"]
    # the claimant sees the wisher's surname and masked phone, the address only through the reveal step
    assert claimed.json["beneficiary"] == {"name": "张**", "contact": "138****1001", "address": None,
                                           "masked": True}
    resp = w.post("demo-volunteer", wish_id, "fulfil", note="已送到家", media_ids=[w.photo("demo-volunteer")])
    assert resp.json["status"] == "fulfilled"
    resp = w.post("demo-resident", wish_id, "confirm", thanks="谢谢小陈！")
    assert resp.json["status"] == "confirmed" and resp.json["thanks"] == "谢谢小陈！"
    assert [s["action"] for s in resp.json["timeline"]] == ["submit", "publish", "claim", "fulfil", "confirm"]
    progress = client.get("/api/v1/wishes/progress", headers=w.h("demo-resident-2")).json
    assert progress | {} == {"submitted": 1, "published": 1, "claimed": 1, "fulfilled": 1,
                             "confirmed": 1, "rejected": 0, "waiting": 0}
    board = client.get("/api/v1/wishes?scope=board&status=confirmed", headers=w.h("demo-resident-2")).json
    card = board["items"][0]
    assert card["thanks"] == "谢谢小陈！" and card["beneficiary"] is None
    assert [p["stage"] for p in card["photos"]] == ["fulfilment"]  # the wish photo stays private


def test_on_behalf_path(w, app):
    """A grid member enters a wish for someone without a phone, and confirms it for them."""
    resp = w.on_behalf()
    assert resp.status_code == 201, resp.json
    assert resp.json["on_behalf"] and resp.json["beneficiary"]["name"] == "刘**"
    wish_id = resp.json["id"]
    assert w.post("demo-community-admin", wish_id, "review", decision="publish").status_code == 200
    claimed = w.post("demo-rider", wish_id, "claim").json
    assert claimed["beneficiary"]["address"] is None and claimed["grid_member"]["name"] == "王网格"
    assert w.post("demo-rider", wish_id, "beneficiary/reveal").json["address"] == SECRET_ADDRESS
    w.post("demo-rider", wish_id, "fulfil", media_ids=[w.photo("demo-rider")])
    resp = w.post("demo-grid-member", wish_id, "confirm")
    assert resp.status_code == 200 and resp.json["status"] == "confirmed"
    with app.app_context():
        wish = db.session.get(Wish, wish_id)
        assert wish.wisher_id is None and SECRET_NAME not in wish.beneficiary_name_enc


def _visible(resp) -> bool:
    """Whether any piece of the beneficiary's identity is in a response in full."""
    text = resp.get_data(as_text=True)
    return any(s in text for s in (SECRET_NAME, SECRET_PHONE, SECRET_ADDRESS))


def _masked(resp) -> bool:
    """Whether the beneficiary's surname and masked phone are in a response."""
    text = resp.get_data(as_text=True)
    return "刘**" in text and "139*****0000" not in text and "139****0000" in text


def test_privacy_matrix(w, client, app):
    """For every role and read endpoint, nobody reads the beneficiary in full; the masked form appears
    only where allowed."""
    wish_id = w.published(w.on_behalf)
    with app.app_context():
        other_gm = db.session.scalar(select(User.openid).where(User.openid.like("demo-gm-demo-s1-%")))
    client.post("/api/v1/volunteers", json={"community_id": 1, "kind": "volunteer"},
                headers=w.h("other-volunteer"))
    reads = {
        "detail": lambda h: client.get(f"/api/v1/wishes/{wish_id}", headers=h),
        "board": lambda h: client.get("/api/v1/wishes?scope=board", headers=h),
        "board-claimed": lambda h: client.get("/api/v1/wishes?scope=board&status=claimed", headers=h),
        "mine": lambda h: client.get("/api/v1/wishes?scope=mine", headers=h),
        "claimed": lambda h: client.get("/api/v1/wishes?scope=claimed", headers=h),
        "grid": lambda h: client.get("/api/v1/wishes?scope=grid", headers=h),
    }
    allowed_before = {("demo-grid-member", r) for r in ("detail", "board", "mine", "grid")} | {
        ("demo-community-admin", r) for r in ("detail", "board", "grid")} | {
        ("demo-street-admin", r) for r in ("detail", "board", "grid")}
    roles = ["demo-resident", "demo-volunteer", "other-volunteer", "demo-rider", "demo-grid-member",
             other_gm, "demo-community-admin", "demo-street-admin", "demo-department"]

    def check(allowed):
        for role in roles:
            for name, read in reads.items():
                resp = read(w.h(role))
                assert resp.status_code in (200, 403, 404), (role, name)
                assert not _visible(resp), (role, name)
                assert _masked(resp) == ((role, name) in allowed), (role, name, resp.status_code)

    check(allowed_before)
    w.post("demo-volunteer", wish_id, "claim")
    # the claimant now sees the masked form; the wish moved from "board" to "board-claimed"
    allowed_after = {(r, "board-claimed" if n == "board" else n) for r, n in allowed_before} | {
        ("demo-volunteer", r) for r in ("detail", "board-claimed", "claimed")}
    check(allowed_after)


def test_claims_race_exactly_one_wins(w, app, is_postgres):
    """200 volunteers claiming one wish at the same instant, 20 rounds: one 200, 199 clear 409s."""
    rounds, claimants = 20, 200
    with app.app_context():
        community = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DEMO-S2-C2"))
        users = [User(openid=f"racer-{i}", role="volunteer") for i in range(claimants)]
        db.session.add_all(users)
        db.session.flush()
        db.session.add_all(Volunteer(user_id=u.id, home_community_id=community, kind="volunteer",
                                     status="approved") for u in users)
        db.session.commit()
        headers = [{"Authorization": "Bearer " + tokens.issue(u.id, 0, app.config["SECRET_KEY"], 3600)[0]}
                   for u in users]
    client = app.test_client()
    for _ in range(rounds):
        with app.app_context():
            wish = Wish(submitted_by_id=1, wisher_id=1, beneficiary_name_enc="x", category="其他",
                        title="比赛", description="并发认领", community_id=community, status="published",
                        board_at=utcnow())
            db.session.add(wish)
            db.session.commit()
            wish_id = wish.id
        results = at_once(None, _claim, args=[(client, wish_id, h) for h in headers])
        codes = sorted(code for code, _ in results)
        assert codes == [200] + [409] * (claimants - 1), codes[:5]
        assert {error for code, error in results if code == 409} == {"wish.already_claimed"}
        with app.app_context():
            # the winner finishes, so open-claim limits do not blur later rounds
            db.session.execute(update(Wish).where(Wish.id == wish_id).values(status="fulfilled"))
            db.session.commit()


def _claim(client, wish_id, headers) -> tuple[int, str]:
    """One racer's claim: its status and error code."""
    resp = client.post(f"/api/v1/wishes/{wish_id}/claim", json={}, headers=headers)
    return resp.status_code, resp.json.get("error", {}).get("code", "")


def test_claim_limit_and_release(w, client):
    """A volunteer holds at most 3 open claims; releasing needs a reason and reopens the board."""
    ids = [w.published() for _ in range(4)]
    for wish_id in ids[:3]:
        assert w.post("demo-volunteer", wish_id, "claim").status_code == 200
    resp = w.post("demo-volunteer", ids[3], "claim")
    assert resp.status_code == 409 and resp.json["error"]["code"] == "wish.claim_limit"
    assert w.post("demo-volunteer", ids[0], "release").status_code == 422
    assert w.post("demo-rider", ids[0], "release", reason="x").status_code == 403
    resp = w.post("demo-volunteer", ids[0], "release", reason="临时出差")
    assert resp.json["status"] == "published" and resp.json["claimant"] is None
    assert w.post("demo-volunteer", ids[3], "claim").status_code == 200
    assert w.post("demo-resident", ids[1], "claim").status_code == 403  # residents register first


def test_sweep_releases_overdue_claims_and_confirms(w, client, app):
    """Overdue claims return to the board ahead of newer wishes; old fulfilments are confirmed."""
    from suishoupai.wishes.service import sweep

    old = w.published()
    newer = w.published()
    w.post("demo-volunteer", old, "claim")
    done = w.published()
    w.post("demo-rider", done, "claim")
    w.post("demo-rider", done, "fulfil", media_ids=[w.photo("demo-rider")])
    with app.app_context():
        db.session.execute(update(Wish).where(Wish.id == old)
                           .values(claim_due_at=utcnow() - timedelta(hours=1)))
        db.session.execute(update(Wish).where(Wish.id == done)
                           .values(fulfilled_at=utcnow() - timedelta(days=8)))
        db.session.commit()
        assert sweep() == {"released": 1, "confirmed": 1}
        db.session.commit()
        assert sweep() == {"released": 0, "confirmed": 0}
    board = client.get("/api/v1/wishes?scope=board", headers=w.h("demo-resident-2")).json["items"]
    assert [i["id"] for i in board] == [old, newer]
    confirmed = client.get(f"/api/v1/wishes/{done}", headers=w.h("demo-rider")).json
    assert confirmed["status"] == "confirmed" and confirmed["confirmed_by_sweep"] is True
    result = app.test_cli_runner().invoke(args=["wishes", "sweep"])
    assert "超时释放认领 0 个，自动确认 0 个" in result.output


@pytest.mark.parametrize(("who", "body", "status", "code"), [
    ("demo-resident", {"category": "旅游"}, 422, "validation_error"),
    ("demo-resident", {"title": "x"}, 422, "validation_error"),
    ("demo-resident", {"beneficiary": {"name": "某人"}}, 422, "wish.beneficiary_not_allowed"),
    ("demo-grid-member", {}, 422, "wish.beneficiary_required"),
    ("demo-resident", {"media_ids": ["FOREIGN"]}, 422, "media.not_owned"),
    ("demo-resident", {"estimated_value": -5}, 422, "validation_error"),
    ("demo-resident", {"campaign_id": 999}, 404, "wish.campaign_not_found"),
    ("demo-department", {}, 403, "wish.submit_forbidden"),
])
def test_bad_submissions_store_nothing(w, app, who, body, status, code):
    """Each bad submission → its clear 4xx; no wish is stored."""
    if body.get("media_ids") == ["FOREIGN"]:
        body = {"media_ids": [w.photo("demo-resident-2")]}
    resp = w.submit(who, **body)
    assert resp.status_code == status and resp.json["error"]["code"] == code, resp.json
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Wish)) == 0


def test_review_rules(w, client, app):
    """Only the place's staff review; a rejection's reason reaches the wisher; steps out of order → 409."""
    wish_id = w.submit().json["id"]
    assert w.post("demo-volunteer", wish_id, "review", decision="publish").status_code == 404
    with app.app_context():
        other_gm = db.session.scalar(select(User.openid).where(User.openid.like("demo-gm-demo-s1-%")))
    assert w.post(other_gm, wish_id, "review", decision="publish").status_code == 404
    assert w.post("demo-grid-member", wish_id, "review", decision="reject").status_code == 422
    resp = w.post("demo-grid-member", wish_id, "review", decision="reject", reason="请联系社区线下办理")
    assert resp.json["status"] == "rejected"
    seen = client.get(f"/api/v1/wishes/{wish_id}", headers=w.h("demo-resident")).json
    assert seen["reject_reason"] == "请联系社区线下办理"
    again = w.post("demo-grid-member", wish_id, "review", decision="publish")
    assert again.status_code == 409 and again.json["error"]["details"]["status"] == "rejected"
    assert client.get(f"/api/v1/wishes/{wish_id}", headers=w.h("demo-resident-2")).status_code == 404


def test_campaigns_volunteers_and_rankings(w, client, app):
    """An admin opens a campaign; 双报到 makes a resident a volunteer; rankings count fulfilled only."""
    with app.app_context():
        community = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DEMO-S2-C2"))
    today = utcnow().date()
    resp = client.post("/api/v1/admin/campaigns", json={
        "unit_id": community, "name": "2026年新春微心愿征集", "starts_on": str(today - timedelta(days=1)),
        "ends_on": str(today + timedelta(days=30))}, headers=w.h("demo-community-admin"))
    assert resp.status_code == 201
    campaign = resp.json["id"]
    resp = client.post("/api/v1/volunteers", json={"community_id": community, "kind": "party_member",
                                                   "work_unit": "区税务局"}, headers=w.h("demo-resident-2"))
    assert resp.status_code == 200 and resp.json["work_unit"] == "区税务局"
    assert resp.json["status"] == "pending"
    w.tokens.pop("demo-resident-2")  # the role changed: log in again
    resp = client.post(f"/api/v1/volunteers/{resp.json['id']}/review", json={"decision": "approve"},
                       headers=w.h("demo-community-admin"))
    assert resp.status_code == 200 and resp.json["status"] == "approved"
    first = w.published(lambda: w.submit(campaign_id=campaign))
    second = w.published(lambda: w.submit(campaign_id=campaign))
    w.post("demo-resident-2", first, "claim")
    w.post("demo-resident-2", first, "fulfil", media_ids=[w.photo("demo-resident-2")])
    w.post("demo-volunteer", second, "claim")  # claimed, not fulfilled: not ranked
    ranks = client.get(f"/api/v1/wishes/rankings?campaign={campaign}", headers=w.h("demo-resident")).json
    assert ranks == {"volunteers": [{"name": "李建国", "fulfilled": 1}],
                     "units": [{"name": "区税务局", "fulfilled": 1}]}
    progress = client.get(f"/api/v1/wishes/progress?campaign={campaign}", headers=w.h("demo-resident")).json
    assert progress["claimed"] == 2 and progress["fulfilled"] == 1 and progress["waiting"] == 0
    listed = client.get(f"/api/v1/campaigns?community={community}", headers=w.h("demo-resident")).json
    assert [c["id"] for c in listed] == [campaign]


def test_wisher_and_claimant_are_notified_through_the_outbox(w, client, app):
    """Published, claimed, fulfilled reach the wisher; a sweep release and the confirmation reach the
    claimant; each as one inbox item written with the step."""
    from suishoupai.wishes.service import sweep

    def kinds(openid):
        items = client.get("/api/v1/inbox", headers=w.h(openid)).json["items"]
        return [i["kind"] for i in items]

    first = w.published()
    w.post("demo-volunteer", first, "claim")
    w.post("demo-volunteer", first, "fulfil", media_ids=[w.photo("demo-volunteer")])
    w.post("demo-resident", first, "confirm", thanks="谢谢")
    assert kinds("demo-resident") == ["wish_fulfilled", "wish_claimed", "wish_published"]
    assert kinds("demo-volunteer") == ["wish_confirmed"]
    second = w.published()
    w.post("demo-rider", second, "claim")
    with app.app_context():
        db.session.execute(update(Wish).where(Wish.id == second)
                           .values(claim_due_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        sweep()
        db.session.commit()
        sweep()
        db.session.commit()
    assert kinds("demo-rider") == ["wish_released"]


def test_volunteer_review_flow(w, client, app):
    """双报到 waits for its community: admins in reach list and review it (a rejection needs a reason,
    a second review is 409), others are refused; a changed registration is reviewed again."""
    with app.app_context():
        home, other = (db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))
                       for code in ("DEMO-S2-C2", "DEMO-S1-C1"))
        far_admin = User(openid="far-admin", role="community_admin", org_unit_id=other)
        db.session.add(far_admin)
        db.session.commit()
        far = {"Authorization": "Bearer " + tokens.issue(far_admin.id, 0, app.config["SECRET_KEY"], 3600)[0]}
    mine = client.post("/api/v1/volunteers", headers=w.h("demo-resident-2"),
                       json={"community_id": home, "kind": "unit", "work_unit": "区图书馆"}).json
    assert (mine["status"], mine["home_community"], mine["phone"]) == ("pending", "凤起社区", "138****1002")
    w.tokens.pop("demo-resident-2")

    def pending(headers):
        resp = client.get("/api/v1/volunteers?status=pending", headers=headers)
        return resp.status_code, [(v["id"], v["kind"], v["work_unit"], v["churn"]) for v in
                                  resp.json.get("items", [])]

    assert pending(w.h("demo-community-admin")) == (200, [(mine["id"], "unit", "区图书馆",
                                                           {"claims": 0, "releases": 0, "days": 7})])
    assert pending(w.h("demo-street-admin"))[1] == pending(w.h("demo-community-admin"))[1]
    assert pending(far) == (200, [])
    assert pending(w.h("demo-grid-member"))[0] == 403
    url = f"/api/v1/volunteers/{mine['id']}/review"
    assert client.post(url, json={"decision": "approve"}, headers=far).status_code == 404
    assert client.post(url, json={"decision": "approve"}, headers=w.h("demo-grid-member")).status_code == 403
    no_reason = client.post(url, json={"decision": "reject"}, headers=w.h("demo-community-admin"))
    assert no_reason.status_code == 422 and no_reason.json["error"]["code"] == "wish.reason_required"
    rejected = client.post(url, json={"decision": "reject", "reason": "请提供单位证明"},
                           headers=w.h("demo-community-admin"))
    assert (rejected.json["status"], rejected.json["reject_reason"]) == ("rejected", "请提供单位证明")
    again = client.post(url, json={"decision": "approve"}, headers=w.h("demo-community-admin"))
    assert again.status_code == 409 and again.json["error"]["details"] == {"status": "rejected"}
    assert again.json["error"]["code"] == "wish.volunteer_already_reviewed"
    assert client.get("/api/v1/volunteers/me", headers=w.h("demo-resident-2")).json["status"] == "rejected"
    wish_id = w.published()
    assert w.post("demo-resident-2", wish_id, "claim").json["error"]["code"] == "wish.volunteer_unapproved"
    resent = client.post("/api/v1/volunteers", json={"community_id": home, "kind": "volunteer"},
                         headers=w.h("demo-resident-2")).json
    assert (resent["id"], resent["status"], resent["reject_reason"]) == (mine["id"], "pending", None)
    assert client.post(url, json={"decision": "approve"}, headers=w.h("demo-street-admin")).status_code == 200
    same = client.post("/api/v1/volunteers", json={"community_id": home, "kind": "volunteer"},
                       headers=w.h("demo-resident-2")).json
    assert same["status"] == "approved"  # the same registration again keeps its review
    assert w.post("demo-resident-2", wish_id, "claim").status_code == 200
    moved = client.post("/api/v1/volunteers", json={"community_id": other, "kind": "volunteer"},
                        headers=w.h("demo-resident-2")).json
    assert moved["status"] == "pending"


def test_concurrent_reviews_of_one_registration_one_decides(w, client, app, is_postgres):
    """Eight admins decide the same pending registration at the same instant: one answer stands, the
    others are clear 409s."""
    if not is_postgres:
        pytest.skip("real concurrency needs PostgreSQL")
    with app.app_context():
        home = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DEMO-S2-C2"))
    registration = client.post("/api/v1/volunteers", json={"community_id": home, "kind": "volunteer"},
                               headers=w.h("demo-resident-2")).json
    w.tokens.pop("demo-resident-2")  # the role changed: log in again
    url = f"/api/v1/volunteers/{registration['id']}/review"
    admins = ["demo-community-admin", "demo-street-admin", "demo-district-admin"]
    decisions = [{"decision": "reject", "reason": "重复登记"}, {"decision": "approve"}]
    racers = [(w.h(admins[i % 3]), decisions[i % 2]) for i in range(8)]
    results = at_once(None, lambda h, body: client.post(url, json=body, headers=h).status_code, args=racers)
    assert sorted(results) == [200] + [409] * 7
    final = client.get("/api/v1/volunteers/me", headers=w.h("demo-resident-2")).json["status"]
    assert final == ("approved" if results.index(200) % 2 else "rejected")
