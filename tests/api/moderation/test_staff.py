"""Content security: the staff queue and decisions, checked notes, the wish board."""

import pytest
from sqlalchemy import select

from suishoupai.auth.models import Role, User
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from tests.helpers.concurrency import at_once
from tests.helpers.moderation import checks, inbox_kinds, public_ids, push, trace_of
from tests.helpers.moderation import web as web  # noqa: F401 - the served app, a fixture
from tests.helpers.wishes import Wishes


def test_staff_overturn_a_false_alarm_once(case, app, web, wechat):
    """A description the provider found risky is listed under ?status=risky; staff in reach pass it
    and the report shows on the board again; that decision stands, and staff cannot mark it risky
    again nor pass a risky verdict staff gave."""
    rid = case.file(description="这里有违禁词的内容").json["id"]
    push(web, wechat, wechat.media_event(trace_of(app, rid), "pass"))
    assert rid not in public_ids(case)
    listed = case.client.get("/api/v1/admin/moderation?status=risky", headers=case.h("demo-community-admin"))
    check = [i for i in listed.json["items"] if i["subject_id"] == rid and i["kind"] == "text"][0]
    outside = case.client.post(f"/api/v1/admin/moderation/{check['id']}/decide", json={"decision": "pass"},
                               headers=case.h("demo-resident"))
    assert outside.status_code in (403, 404) and rid not in public_ids(case)
    passed = case.client.post(f"/api/v1/admin/moderation/{check['id']}/decide",
                              json={"decision": "pass", "note": "误判：描述正常"},
                              headers=case.h("demo-community-admin"))
    assert passed.status_code == 200 and (passed.json["status"], passed.json["provider"]) == ("pass", "staff")
    assert rid in public_ids(case)
    again = case.client.post(f"/api/v1/admin/moderation/{check['id']}/decide", json={"decision": "risky"},
                             headers=case.h("demo-community-admin"))
    assert again.status_code == 409 and again.json["error"]["details"]["status"] == "pass"
    assert rid in public_ids(case)


def test_review_goes_to_the_staff_queue_within_reach(case, app, web, wechat):
    """review → the community's queue (not another community's); a decision moves it once; risky tells."""
    with app.app_context():
        # 竹竿巷社区, in the other street
        other = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DEMO-S1-C1"))
        db.session.add(User(openid="other-admin", role=Role.COMMUNITY_ADMIN, org_unit_id=other))
        db.session.commit()
    first = case.file(description="门口有可疑词的小广告").json["id"]
    second = case.file(description="楼道里贴满可疑词传单").json["id"]
    push(web, wechat, wechat.media_event(trace_of(app, first), "pass"))
    push(web, wechat, wechat.media_event(trace_of(app, second), "pass"))
    assert case.get("demo-resident", first).json["moderation"] == "review"
    queue = case.client.get("/api/v1/admin/moderation?status=review", headers=case.h("demo-community-admin"))
    assert queue.status_code == 200, queue.json
    items = queue.json["items"]
    assert [(i["subject_type"], i["subject_id"], i["kind"]) for i in items] == [
        ("report", first, "text"), ("report", second, "text")]
    assert items[0]["content"] == "门口有可疑词的小广告" and items[0]["label"] == 21000
    street = case.client.get("/api/v1/admin/moderation", headers=case.h("demo-street-admin")).json["items"]
    assert len(street) == 2
    assert case.client.get("/api/v1/admin/moderation", headers=case.h("other-admin")).json["items"] == []
    assert case.client.get("/api/v1/admin/moderation", headers=case.h("demo-grid-member")).status_code == 403
    # another community's admin cannot decide it: not found
    outside = case.client.post(f"/api/v1/admin/moderation/{items[0]['id']}/decide", json={"decision": "pass"},
                               headers=case.h("other-admin"))
    assert outside.status_code == 404 and outside.json["error"]["code"] == "moderation.not_found"
    decided = case.client.post(f"/api/v1/admin/moderation/{items[0]['id']}/decide",
                               json={"decision": "pass", "note": "正常反映问题"},
                               headers=case.h("demo-community-admin"))
    assert decided.status_code == 200
    assert decided.json["status"] == "pass" and decided.json["provider"] == "staff"
    assert first in public_ids(case)
    again = case.client.post(f"/api/v1/admin/moderation/{items[0]['id']}/decide", json={"decision": "risky"},
                             headers=case.h("demo-community-admin"))
    assert again.status_code == 409 and again.json["error"]["code"] == "moderation.already_decided"
    assert again.json["error"]["details"]["status"] == "pass"
    bad = case.client.post(f"/api/v1/admin/moderation/{items[1]['id']}/decide", json={"decision": "maybe"},
                           headers=case.h("demo-community-admin"))
    assert bad.status_code == 422 and bad.json["error"]["message"]
    risky = case.client.post(f"/api/v1/admin/moderation/{items[1]['id']}/decide", json={"decision": "risky"},
                             headers=case.h("demo-community-admin"))
    assert risky.status_code == 200 and second not in public_ids(case)
    assert inbox_kinds(case, "demo-resident").count("content_risky") == 1
    undo = case.client.post(f"/api/v1/admin/moderation/{items[1]['id']}/decide", json={"decision": "pass"},
                            headers=case.h("demo-community-admin"))
    assert undo.status_code == 409 and second not in public_ids(case)  # a staff verdict stands
    remaining = case.client.get("/api/v1/admin/moderation", headers=case.h("demo-community-admin")).json
    assert remaining["items"] == []


def test_reporter_notes_are_checked_too(case, app, web, wechat):
    """A risky rating comment takes the case off the board; the resolver's photo is not checked."""
    rid = case.file().json["id"]
    assert push(web, wechat, wechat.media_event(trace_of(app, rid), "pass")).text == "success"
    assert [c.status for c in checks(app, subject_id=rid)] == ["pass", "pass"]
    case.step("demo-grid-member", rid, "accept")
    case.step("demo-grid-member", rid, "resolve", media_ids=[case.photo("demo-grid-member")])
    assert rid in public_ids(case)
    rated = case.step("demo-resident", rid, "rate", rating=1, comment="全是违禁词")
    assert rated.status_code == 200 and rated.json["moderation"] == "risky"
    assert rid not in public_ids(case)
    assert [c.field.split(":")[0] for c in checks(app, subject_id=rid)] == ["text", "photo", "note"]


def test_wish_board_shows_only_passed_wishes(client, auth, demo, app, wechat):
    """A flagged wish stays off the board even when staff publish it; its wisher still sees it."""
    w = Wishes(client, auth)
    clean = w.published()
    flagged = w.published(lambda: w.submit(title="违禁词心愿"))
    board = client.get("/api/v1/wishes?scope=board", headers=w.h("demo-resident-2")).json["items"]
    assert [i["id"] for i in board] == [clean] and board[0]["moderation"] == "pass"
    assert client.get(f"/api/v1/wishes/{flagged}", headers=w.h("demo-resident-2")).status_code == 404
    assert w.post("demo-volunteer", flagged, "claim").status_code == 404
    own = client.get(f"/api/v1/wishes/{flagged}", headers=w.h("demo-resident"))
    assert own.status_code == 200 and own.json["moderation"] == "risky"
    text = checks(app, subject_type="wish", subject_id=flagged)[0]
    assert text.status == "risky"
    assert wechat.sec_calls[-1]["content"] == "违禁词心愿\n视力下降，看报纸很吃力"


@pytest.mark.slow
def test_concurrent_decisions_exactly_one_wins(case, app, web, wechat):
    """Two admins decide the same item at the same instant: one 200, one 409."""
    rid = case.file(description="这里有可疑词的内容需要复核").json["id"]
    check_id = checks(app, subject_id=rid, kind="text")[0].id
    headers = [case.h("demo-community-admin"), case.h("demo-street-admin")]

    def decide(h, decision):
        """One admin's decision."""
        resp = case.client.post(f"/api/v1/admin/moderation/{check_id}/decide", json={"decision": decision},
                                headers=h)
        return resp.status_code, decision

    results = at_once(None, decide, args=list(zip(headers, ["pass", "risky"], strict=True)))
    assert sorted(code for code, _ in results) == [200, 409]
    winner = next(d for code, d in results if code == 200)
    assert checks(app, id=check_id)[0].status == winner
