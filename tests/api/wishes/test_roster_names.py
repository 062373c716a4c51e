"""The volunteer roster (unit, hours, wishes fulfilled), claiming only once approved, and how people are
named: the registered real name for staff, masked on public boards, a display name each may set."""

from sqlalchemy import select

from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit

CA = "demo-community-admin"


def _community(app) -> int:
    """The demo centre's community."""
    with app.app_context():
        return db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DEMO-S2-C2"))


def _nameless(app) -> None:
    """Make demo-resident-2 a person who never set any name (as a fresh WeChat login is)."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.openid == "demo-resident-2"))
        user.real_name = user.nickname = None
        db.session.commit()


def _register(w, app, **body):
    """demo-resident-2 registers for 双报到 in the demo centre's community."""
    return w.client.post("/api/v1/volunteers", json={"community_id": _community(app)} | body,
                         headers=w.h("demo-resident-2"))


def _claimant(w, wish: int, openid: str):
    """The claimant of a wish as a user sees it."""
    return w.client.get(f"/api/v1/wishes/{wish}", headers=w.h(openid)).json["claimant"]


def test_roster_lists_unit_hours_and_fulfilled_wishes_in_reach_and_paged(w, client, app):
    """The approved volunteer fulfils two wishes giving 2.5 and 1 hours: the admins' roster shows 2 wishes
    and 3.5 hours with the unit; a page of one leads to the next; hours out of range are refused."""
    for hours in (2.5, 1):
        wish = w.published()
        assert w.post("demo-volunteer", wish, "claim").status_code == 200
        done = w.post("demo-volunteer", wish, "fulfil", media_ids=[w.photo("demo-volunteer")], hours=hours)
        assert done.status_code == 200, done.json
    wish = w.published()
    w.post("demo-volunteer", wish, "claim")
    bad = w.post("demo-volunteer", wish, "fulfil", media_ids=[w.photo("demo-volunteer")], hours=30)
    assert bad.status_code == 422 and "hours" in bad.json["error"]["details"]["fields"]
    registered = _register(w, app, kind="party_member", work_unit="区税务局")
    assert registered.status_code == 201

    roster = client.get("/api/v1/volunteers", headers=w.h(CA)).json
    rows = {v["name"]: v for v in roster["items"]}
    chen, li = rows["陈志愿"], rows["李建国"]
    assert (chen["fulfilled"], chen["hours"], chen["status"]) == (2, 3.5, "approved")
    assert (li["fulfilled"], li["hours"], li["work_unit"]) == (0, 0.0, "区税务局")
    first = client.get("/api/v1/volunteers", query_string={"limit": 1}, headers=w.h(CA)).json
    assert len(first["items"]) == 1 and first["next_cursor"]
    rest = client.get("/api/v1/volunteers", query_string={"limit": 1, "cursor": first["next_cursor"]},
                      headers=w.h(CA)).json
    assert rest["items"][0]["id"] != first["items"][0]["id"]
    refused = client.get("/api/v1/volunteers", headers=w.h("demo-grid-member"))
    assert refused.status_code == 403 and refused.json["error"]["code"] == "wish.volunteer_review_forbidden"


def test_claiming_waits_for_an_approved_registration(w, client, app):
    """A pending 双报到 registration may not claim; once the community approves it, it may."""
    registered = _register(w, app, kind="volunteer").json
    w.tokens.pop("demo-resident-2")  # the role changed: log in again
    wish = w.published()
    early = w.post("demo-resident-2", wish, "claim")
    assert early.status_code == 403 and early.json["error"]["code"] == "wish.volunteer_unapproved"
    client.post(f"/api/v1/volunteers/{registered['id']}/review", json={"decision": "approve"},
                headers=w.h(CA))
    assert w.post("demo-resident-2", wish, "claim").json["status"] == "claimed"


def test_real_name_for_staff_masked_on_boards(w, client, app):
    """Someone who never set a name registers with their real name: staff see 王小明, the ranking and the
    wish board 王**; nobody shows as 微信用户."""
    _nameless(app)
    registered = _register(w, app, kind="volunteer", real_name=" 王小明 ")
    assert registered.status_code == 201 and registered.json["name"] == "王小明"
    w.tokens.pop("demo-resident-2")
    client.post(f"/api/v1/volunteers/{registered.json['id']}/review", json={"decision": "approve"},
                headers=w.h(CA))
    wish = w.published()
    w.post("demo-resident-2", wish, "claim")
    w.post("demo-resident-2", wish, "fulfil", media_ids=[w.photo("demo-resident-2")])
    ranks = client.get("/api/v1/wishes/rankings", headers=w.h("demo-rider")).json
    assert {"name": "王**", "fulfilled": 1} in ranks["volunteers"]
    assert all(v["name"] != "微信用户" for v in ranks["volunteers"])
    # the board (someone else) sees the surname; the wisher sees who helped
    assert _claimant(w, wish, "demo-rider") == {"name": "王**"}
    assert _claimant(w, wish, "demo-resident") == {"name": "王小明"}
    roster = client.get("/api/v1/volunteers", headers=w.h(CA)).json["items"]
    assert "王小明" in [v["name"] for v in roster]


def test_a_person_sets_their_display_name(w, client, app):
    """PATCH /me takes a trimmed display name; blank, reserved or control characters are refused with the
    field named and nothing changed; the public board masks what was set."""
    _nameless(app)
    headers = w.h("demo-resident-2")
    for bad in ("   ", "微信用户", "管理员", "李\u200b阿姨", "x" * 21):
        resp = client.patch("/api/v1/me", json={"nickname": bad}, headers=headers)
        assert resp.status_code == 422, (bad, resp.json)
        assert "nickname" in resp.json["error"]["details"]["fields"]
    assert client.get("/api/v1/me", headers=headers).json["nickname"] is None
    resp = client.patch("/api/v1/me", json={"nickname": "  李阿姨 "}, headers=headers)
    assert resp.status_code == 200 and resp.json["nickname"] == "李阿姨"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.openid == "demo-resident-2"))
        assert user.display_name == "李阿姨"
