"""Nearby reports, 附议 (follow), suspected duplicates and merging, over HTTP."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.notify.models import Notification
from suishoupai.reports.models import Report, ReportFollow
from tests.helpers.concurrency import at_once
from tests.helpers.media import photo_bytes, upload
from tests.helpers.reports import CENTRE, Case

#: metres → degrees of latitude
M = 1 / 111_195


@pytest.fixture
def case(client, auth, demo):
    """HTTP helpers over the seeded demo district."""
    return Case(client, auth)


def at(north_m: float = 0.0, east_m: float = 0.0) -> dict:
    """A spot this many metres north and east of the demo centre (GCJ-02, as the phone sends it)."""
    return {"lat": CENTRE["lat"] + north_m * M, "lng": CENTRE["lng"] + east_m * M / 0.8636,
            "coord_type": "gcj02"}


def nearby(case: Case, openid: str = "demo-resident-2", category: str = "garbage", where=None, **args):
    """GET /reports/nearby at a spot."""
    where = where or CENTRE
    query = {"lat": where["lat"], "lng": where["lng"], "coord_type": where["coord_type"],
             "category": category} | args
    return case.client.get("/api/v1/reports/nearby", query_string=query, headers=case.h(openid))


def follow(case: Case, openid: str, report_id: int, method: str = "post"):
    """POST or DELETE /reports/{id}/follow."""
    return getattr(case.client, method)(f"/api/v1/reports/{report_id}/follow", headers=case.h(openid))


def follower_ids(app, report_id: int) -> list[str]:
    """Openids following a report, from the database."""
    from suishoupai.auth.models import User

    with app.app_context():
        return sorted(db.session.scalars(select(User.openid).join(
            ReportFollow, ReportFollow.user_id == User.id).where(ReportFollow.report_id == report_id)))


def test_nearby_finds_open_reports_of_the_category_nearest_first(case, app):
    """Near and open, same category, public and recent: found nearest first with distance; the far,
    the closed, the private, the old and other categories are not."""
    here = case.file(location=at()).json["id"]
    fifty = case.file("demo-resident-2", location=at(north_m=50)).json["id"]
    far = case.file(location=at(east_m=300)).json["id"]
    other_category = case.file(category="noise", location=at()).json["id"]
    private = case.file(location=at(north_m=10), public=False).json["id"]
    rejected = case.file(location=at(north_m=20)).json["id"]
    assert case.step("demo-grid-member", rejected, "reject", reason="无效").status_code == 200
    old = case.file(location=at(north_m=30)).json["id"]
    with app.app_context():
        db.session.execute(update(Report).where(Report.id == old).values(
            created_at=utcnow() - timedelta(days=31)))
        db.session.commit()
    resp = nearby(case)
    assert resp.status_code == 200, resp.json
    items = resp.json["items"]
    assert [i["id"] for i in items] == [here, fifty]
    assert items[0]["distance_m"] == 0 and items[1]["distance_m"] == 50
    assert items[0]["follower_count"] == 0 and items[0]["following"] is False
    assert items[1]["mine"] is True and items[0]["mine"] is False
    card = case.get("demo-resident-2", here).json
    assert items[0]["thumb_url"] == card["thumb_url"] and items[0]["description"] == card["description"]
    assert items[0]["status"] == "assigned"
    assert items[0]["category"] == {"code": "garbage", "name": "垃圾堆放"}
    # the public view: no reporter, no address; the spot rounded like the public board
    assert "reporter" not in items[0] and "address" not in items[0]
    assert items[0]["location"] == {"lat": round(CENTRE["lat"], 3), "lng": round(CENTRE["lng"], 3),
                                    "coord_type": "gcj02"}
    assert {far, other_category, private, rejected, old}.isdisjoint(i["id"] for i in items)
    # the same spot given in WGS-84 finds the same reports
    from suishoupai.org.geo import gcj02_to_wgs84

    lat, lng = gcj02_to_wgs84(CENTRE["lat"], CENTRE["lng"])
    again = nearby(case, where={"lat": lat, "lng": lng, "coord_type": "wgs84"}, coord_type="wgs84")
    assert [i["id"] for i in again.json["items"]] == [here, fifty]
    assert [i["id"] for i in nearby(case, category="noise").json["items"]] == [other_category]
    # before a category is chosen: every category, still nearest first
    spot = {"lat": CENTRE["lat"], "lng": CENTRE["lng"]}  # coord_type defaults to gcj02
    resp = case.client.get("/api/v1/reports/nearby", query_string=spot, headers=case.h("demo-resident-2"))
    assert [i["id"] for i in resp.json["items"]] == [here, other_category, fifty]


def test_nearby_is_at_most_five_and_the_radius_is_a_setting(case, app, app_factory):
    """Seven reports within 100 m: the five nearest. A 20 m radius keeps only the closest."""
    ids = [case.file(location=at(north_m=10 * k)).json["id"] for k in range(7)]
    assert [i["id"] for i in nearby(case).json["items"]] == ids[:5]
    narrow = app_factory(NEARBY_RADIUS_M=20.0).test_client()
    resp = narrow.get("/api/v1/reports/nearby", headers=case.h("demo-resident-2"),
                      query_string={**CENTRE, "category": "garbage"})
    assert [i["id"] for i in resp.json["items"]] == ids[:3]


def test_nearby_bad_input_is_a_clear_422(case):
    """Unknown category, missing or out-of-range coordinates, unknown parameters: 422 in Chinese."""
    resp = nearby(case, category="no_such")
    assert resp.status_code == 422 and resp.json["error"]["code"] == "report.unknown_category"
    resp = case.client.get("/api/v1/reports/nearby", query_string={"lat": 30.2, "category": "garbage"},
                           headers=case.h("demo-resident"))
    assert resp.status_code == 422 and "lng" in str(resp.json["error"]["details"])
    assert nearby(case, where={"lat": 91, "lng": 120, "coord_type": "wgs84"}).status_code == 422
    resp = nearby(case, radius=500)
    assert resp.status_code == 422 and resp.json["error"]["message"]
    assert case.client.get("/api/v1/reports/nearby", query_string={**CENTRE, "category": "garbage"}
                           ).status_code == 401


def test_follow_once_per_user_counted_and_shown(case, app):
    """Following twice answers the same state; counts show on detail, lists and nearby; unfollow."""
    rid = case.file().json["id"]
    first = follow(case, "demo-resident-2", rid)
    assert first.status_code == 200
    assert first.json == {"report_id": rid, "follower_count": 1, "following": True}
    assert follow(case, "demo-resident-2", rid).json == first.json
    assert follow(case, "demo-rider", rid).json == {"report_id": rid, "follower_count": 2, "following": True}
    assert follower_ids(app, rid) == ["demo-resident-2", "demo-rider"]
    detail = case.get("demo-resident-2", rid).json
    assert detail["follower_count"] == 2 and detail["following"] is True
    mine = case.get("demo-resident", rid).json
    assert mine["follower_count"] == 2 and mine["following"] is False
    board = case.client.get("/api/v1/reports?scope=public", headers=case.h("demo-volunteer")).json
    assert [(i["id"], i["follower_count"], i["following"]) for i in board["items"]] == [(rid, 2, False)]
    assert nearby(case).json["items"][0]["follower_count"] == 2
    gone = follow(case, "demo-resident-2", rid, "delete")
    assert gone.status_code == 200
    assert gone.json == {"report_id": rid, "follower_count": 1, "following": False}
    assert follow(case, "demo-resident-2", rid, "delete").json == gone.json
    assert follower_ids(app, rid) == ["demo-rider"]


def test_follow_refusals_change_nothing(case, app):
    """Own report → 409; a closed case → 409; someone's private report or an unknown id → 404."""
    rid = case.file().json["id"]
    resp = follow(case, "demo-resident", rid)
    assert resp.status_code == 409 and resp.json["error"]["code"] == "report.follow_own"
    assert resp.json["error"]["message"] == "不能附议自己提交的案件"
    private = case.file(public=False).json["id"]
    resp = follow(case, "demo-resident-2", private)
    assert resp.status_code == 404 and resp.json["error"]["code"] == "report.not_found"
    assert follow(case, "demo-resident-2", 999_999).status_code == 404
    case.step("demo-grid-member", rid, "reject", reason="无效")
    rid2 = case.file().json["id"]
    case.step("demo-grid-member", rid2, "accept")
    case.step("demo-grid-member", rid2, "resolve", media_ids=[case.photo("demo-grid-member")])
    resp = follow(case, "demo-resident-2", rid2)
    assert resp.status_code == 409 and resp.json["error"]["code"] == "report.follow_closed"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReportFollow)) == 0


@pytest.mark.slow
@pytest.mark.postgres
def test_concurrent_follows_by_one_user_leave_one_row(case, app):
    """Twenty simultaneous follows by the same resident: all answer 200 following, one row exists."""
    rid = case.file().json["id"]
    headers = case.h("demo-resident-2")
    client = app.test_client()

    def go():
        """One follow: its status and the count it answers."""
        resp = client.post(f"/api/v1/reports/{rid}/follow", headers=headers)
        return resp.status_code, resp.json["follower_count"]

    answers = at_once(None, go, n=20)
    assert answers == [(200, 1)] * 20
    assert follower_ids(app, rid) == ["demo-resident-2"]


def inbox_titles(case: Case, openid: str) -> list[str]:
    """Titles in a user's inbox, newest first."""
    resp = case.client.get("/api/v1/inbox", headers=case.h(openid))
    assert resp.status_code == 200, resp.json
    return [item["title"] for item in resp.json["items"]]


def test_followers_hear_what_the_reporter_hears(case, app):
    """Accept and resolve reach the followers in their own words; never the reporter twice."""
    rid = case.file().json["id"]
    follow(case, "demo-resident-2", rid)
    case.step("demo-grid-member", rid, "accept")
    case.step("demo-grid-member", rid, "resolve", media_ids=[case.photo("demo-grid-member")])
    assert inbox_titles(case, "demo-resident-2") == ["您附议的随手拍已办结", "您附议的随手拍已受理"]
    assert inbox_titles(case, "demo-resident") == ["您的随手拍已办结", "您的随手拍已受理"]
    # a follower who stopped following hears nothing more
    follow(case, "demo-resident-2", rid, "delete")
    case.step("demo-resident", rid, "reopen", note="没有清理干净")
    case.step("demo-grid-member", rid, "accept")
    assert inbox_titles(case, "demo-resident-2") == ["您附议的随手拍已办结", "您附议的随手拍已受理"]


def test_staff_see_suspected_duplicates(case, app):
    """Same category close in space and time, or the same picture in any category; not the far ones."""
    original = case.file(location=at()).json["id"]
    near = case.file("demo-resident-2", location=at(north_m=40)).json["id"]
    far = case.file("demo-resident-2", location=at(east_m=400)).json["id"]
    other_category = case.file("demo-resident-2", category="noise", location=at(north_m=20)).json["id"]
    # the same picture again (another upload of the same bytes) on a report of another category
    same_bytes = photo_bytes(7)
    first = case.client.post("/api/v1/reports", headers=case.h("demo-resident-2"), json={
        "category": "street_light", "description": "路灯不亮已经好几天了", "location": at(east_m=120),
        "media_ids": [upload(case, "demo-resident-2", same_bytes)]}).json["id"]
    dup = case.client.post("/api/v1/reports", headers=case.h("demo-rider"), json={
        "category": "garbage", "description": "东门垃圾很多没人管理", "location": at(north_m=10),
        "media_ids": [upload(case, "demo-rider", same_bytes)]}).json["id"]
    resp = case.client.get(f"/api/v1/reports/{dup}/duplicates", headers=case.h("demo-grid-member"))
    assert resp.status_code == 200, resp.json
    got = {i["id"]: i for i in resp.json["items"]}
    assert list(got) == [first, original, near]
    assert got[first]["reasons"] == ["photo"] and got[first]["photo_bits"] == 0
    assert got[original]["reasons"] == ["nearby"] and got[original]["photo_bits"] is None
    assert got[original]["distance_m"] == pytest.approx(10, abs=1)
    assert got[near]["reporter"]["name"]  # staff cards
    assert {far, other_category, dup}.isdisjoint(got)
    # only staff who work on the case; the reporter is told it is not theirs to see
    resp = case.client.get(f"/api/v1/reports/{dup}/duplicates", headers=case.h("demo-rider"))
    assert resp.status_code == 403 and resp.json["error"]["code"] == "report.staff_only"
    resp = case.client.get(f"/api/v1/reports/{dup}/duplicates", headers=case.h("demo-resident"))
    assert resp.status_code == 403
    admin = case.client.get(f"/api/v1/reports/{dup}/duplicates", headers=case.h("demo-community-admin"))
    assert [i["id"] for i in admin.json["items"]] == [first, original, near]


def test_merge_rejects_the_duplicate_and_moves_followers(case, app):
    """Merging: the duplicate is rejected with a link; its followers and reporter follow the original
    and hear its steps; the original's timeline says so."""
    original = case.file().json["id"]
    dup = case.file("demo-resident-2").json["id"]
    follow(case, "demo-rider", dup)
    follow(case, "demo-volunteer", dup)
    follow(case, "demo-volunteer", original)
    follow(case, "demo-resident", dup)  # the original's reporter backs the duplicate too
    resp = case.client.post(f"/api/v1/reports/{dup}/merge", json={"into": original},
                            headers=case.h("demo-grid-member"))
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "rejected" and resp.json["duplicate_of"] == original
    assert resp.json["reject_reason"] == f"与案件 #{original} 重复，已合并处理"
    assert resp.json["follower_count"] == 0
    assert follower_ids(app, dup) == []
    assert follower_ids(app, original) == ["demo-resident-2", "demo-rider", "demo-volunteer"]
    timeline = case.get("demo-grid-member", original).json["timeline"]
    assert timeline[-1]["action"] == "merge" and timeline[-1]["data"] == {"duplicate": dup, "followers": 3}
    assert case.get("demo-resident-2", dup).json["duplicate_of"] == original
    case.step("demo-grid-member", original, "accept")
    for openid in ("demo-resident-2", "demo-rider", "demo-volunteer"):
        assert inbox_titles(case, openid)[0] == "您附议的随手拍已受理"
    assert inbox_titles(case, "demo-resident")[0] == "您的随手拍已受理"
    with app.app_context():  # the original's reporter is told once, as its reporter
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "report_accepted")) == 4


def test_merge_refusals_change_nothing(case, app):
    """Residents cannot merge; into itself, into a rejected case or without `into`: 4xx, nothing moves."""
    original = case.file().json["id"]
    dup = case.file("demo-resident-2").json["id"]
    follow(case, "demo-rider", dup)

    def merge(openid, body):
        return case.client.post(f"/api/v1/reports/{dup}/merge", json=body, headers=case.h(openid))

    resp = merge("demo-resident-2", {"into": original})
    assert resp.status_code == 409 and resp.json["error"]["code"] == "report.not_allowed"
    assert merge("demo-rider", {"into": original}).status_code == 404
    resp = merge("demo-grid-member", {"into": dup})
    assert resp.status_code == 422 and resp.json["error"]["code"] == "report.duplicate_of_self"
    resp = merge("demo-grid-member", {})
    assert resp.status_code == 422 and "into" in resp.json["error"]["details"]["fields"]
    rejected = case.file().json["id"]
    case.step("demo-grid-member", rejected, "reject", reason="无效")
    resp = merge("demo-grid-member", {"into": rejected})
    assert resp.status_code == 422 and resp.json["error"]["code"] == "report.bad_duplicate_of"
    assert case.get("demo-grid-member", dup).json["status"] == "assigned"
    assert follower_ids(app, dup) == ["demo-rider"] and follower_ids(app, original) == []


# --- photos with chosen bytes -------------------------------------------------------------------


