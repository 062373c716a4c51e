"""积分 over HTTP: what riders earn for reports and wishes, caps, claw-backs, review, notices."""

from sqlalchemy import select

from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from tests.helpers.points import _inbox, accepted_report, me, uid, verify_ledger


def test_verified_rider_earns_on_acceptance_and_resolution(case, app):
    """report_valid on acceptance, report_resolved on resolution, each once; entries name the rule."""
    report_id = accepted_report(case)
    body = me(case)
    assert body["balance"] == 5 and body["rider_status"] == "verified"
    assert body["items"][0]["rule_code"] == "report_valid" and body["items"][0]["rule_version"] == 1
    assert body["items"][0]["rule_name"] == "随手拍问题经核实有效"
    assert body["items"][0]["source_type"] == "report" and body["items"][0]["source_id"] == report_id
    resp = case.step("demo-grid-member", report_id, "resolve", media_ids=[case.photo("demo-grid-member")])
    assert resp.status_code == 200, resp.json
    assert me(case)["balance"] == 8
    # reopened and accepted again: the source does not earn twice
    assert case.step("demo-rider", report_id, "reopen", note="没有清理干净").status_code == 200
    assert case.step("demo-grid-member", report_id, "accept").status_code == 200
    assert me(case)["balance"] == 8
    assert verify_ledger(app)[0] == 0


def test_unverified_rider_earns_nothing_until_verified(case, app):
    """A resident registers as a rider; the wrong community's admin cannot see it; ours verifies it."""
    resident = case.h("demo-resident")
    with app.app_context():
        community_id = db.session.get(User, uid(app, "demo-resident")).org_unit_id
        other = db.session.scalars(select(OrgUnit.id).where(OrgUnit.kind == "community",
                                                            OrgUnit.id != community_id)).first()
    accepted_report(case, "demo-resident")
    assert me(case, "demo-resident")["balance"] == 0
    bad = case.client.post("/api/v1/riders", json={"platform": "滴滴", "courier_id": "x", "phone": "123",
                                                   "home_community_id": community_id}, headers=resident)
    assert bad.status_code == 422 and set(bad.json["error"]["details"]["fields"]) == {"platform", "phone"}
    good = {"platform": "饿了么", "courier_id": "ELM-77", "phone": "13911112222",
            "home_community_id": community_id}
    resp = case.client.post("/api/v1/riders", json=good, headers=resident | {"Idempotency-Key": "reg-1"})
    assert resp.status_code == 201 and resp.json["status"] == "pending"
    assert resp.json["phone"] == "139****2222"
    replay = case.client.post("/api/v1/riders", json=good, headers=resident | {"Idempotency-Key": "reg-1"})
    assert replay.status_code == 201 and replay.json["id"] == resp.json["id"]
    again = case.client.post("/api/v1/riders", json=good, headers=resident)
    assert again.status_code == 409 and again.json["error"]["code"] == "points.rider_exists"
    rider_id = resp.json["id"]
    # an admin of another community: not found; a resident: forbidden
    with app.app_context():
        outsider = db.session.get(User, uid(app, "demo-community-admin"))
        home = outsider.org_unit_id
        outsider.org_unit_id = other
        db.session.commit()
    assert case.client.post(f"/api/v1/riders/{rider_id}/verify", json={},
                            headers=case.auth.headers("demo-community-admin")).status_code == 404
    with app.app_context():
        db.session.get(User, uid(app, "demo-community-admin")).org_unit_id = home
        db.session.commit()
    assert case.client.post(f"/api/v1/riders/{rider_id}/verify", json={},
                            headers=case.h("demo-resident-2")).status_code == 403
    admin = case.auth.headers("demo-community-admin")
    listed = case.client.get("/api/v1/riders?status=pending", headers=admin).json["items"]
    assert [r["id"] for r in listed] == [rider_id]
    ok = case.client.post(f"/api/v1/riders/{rider_id}/verify", json={"decision": "approve"}, headers=admin)
    assert ok.status_code == 200 and ok.json["status"] == "verified"
    twice = case.client.post(f"/api/v1/riders/{rider_id}/verify", json={}, headers=admin)
    assert twice.status_code == 409 and twice.json["error"]["code"] == "points.rider_already_reviewed"
    accepted_report(case, "demo-resident")
    assert me(case, "demo-resident")["balance"] == 5


def test_daily_cap_records_capped_awards_with_a_reason(case):
    """report_valid pays 5 with a daily cap of 20: the fifth acceptance of the day is capped."""
    for _ in range(5):
        accepted_report(case)
    assert me(case)["balance"] == 20
    awards = case.client.get("/api/v1/points/awards", headers=case.h("demo-rider")).json["items"]
    assert [a["status"] for a in awards] == ["capped", "awarded", "awarded", "awarded", "awarded"]
    assert awards[0]["points"] == 0 and "每日上限" in awards[0]["reason"]


def test_rejection_claws_back_with_a_linked_reversal(case, app):
    """A report accepted, then rejected as a duplicate: what it earned goes back, linked to the original."""
    original = accepted_report(case, "demo-resident")
    report_id = accepted_report(case)
    assert me(case)["balance"] == 5
    resp = case.step("demo-grid-member", report_id, "reject", reason="与已有案件重复", duplicate_of=original)
    assert resp.status_code == 200, resp.json
    body = me(case)
    assert body["balance"] == 0
    reversal, earned = body["items"]
    assert reversal["kind"] == "reversal" and reversal["amount"] == -5
    assert reversal["reverses_txn_id"] == earned["txn_id"] and reversal["rule_code"] == "report_valid"
    award = case.client.get("/api/v1/points/awards", headers=case.h("demo-rider")).json["items"][0]
    assert award["status"] == "reversed" and award["reversal_txn_id"] == reversal["txn_id"]
    assert verify_ledger(app)[0] == 0


def test_wish_fulfilled_by_a_verified_rider_earns(case, app):
    """A rider claims and fulfils a published wish: wish_fulfilled, once."""
    wish = case.client.post("/api/v1/wishes", json={"category": "养老", "title": "想要一副老花镜",
                                                    "description": "视力下降，看报纸很吃力"},
                            headers=case.h("demo-resident"))
    assert wish.status_code == 201, wish.json
    wish_id = wish.json["id"]

    def step(who, name, **body):
        """POST a step on the wish."""
        return case.client.post(f"/api/v1/wishes/{wish_id}/{name}", json=body, headers=case.h(who))

    assert step("demo-grid-member", "review", decision="publish").status_code == 200
    assert step("demo-rider", "claim").status_code == 200
    resp = step("demo-rider", "fulfil", note="已送到", media_ids=[case.photo("demo-rider")])
    assert resp.status_code == 200, resp.json
    entry = me(case)["items"][0]
    assert (entry["rule_code"], entry["amount"], entry["source_type"], entry["source_id"]) == (
        "wish_fulfilled", 10, "wish", wish_id)


def test_awards_needing_review_wait_for_an_admin(case, app):
    """With report_valid set to need review, an acceptance waits; approval credits it, once."""
    resp = case.client.patch("/api/v1/admin/points/rules/report_valid", json={"needs_review": True},
                             headers=case.h("demo-street-admin"))
    assert resp.status_code == 200 and resp.json["needs_review"] is True
    accepted_report(case)
    assert me(case)["balance"] == 0
    admin = case.h("demo-community-admin")
    pending = case.client.get("/api/v1/admin/points/awards?status=pending_review",
                              headers=admin).json["items"]
    assert len(pending) == 1 and pending[0]["rule_version"] == 2
    award_id = pending[0]["id"]
    assert case.client.post(f"/api/v1/admin/points/awards/{award_id}/review", json={"decision": "maybe"},
                            headers=admin).status_code == 422
    assert case.client.post(f"/api/v1/admin/points/awards/{award_id}/review", json={"decision": "approve"},
                            headers=case.h("demo-rider")).status_code == 403
    ok = case.client.post(f"/api/v1/admin/points/awards/{award_id}/review", json={"decision": "approve"},
                          headers=admin)
    assert ok.status_code == 200 and ok.json["status"] == "awarded" and ok.json["points"] == 5
    again = case.client.post(f"/api/v1/admin/points/awards/{award_id}/review", json={"decision": "deny"},
                             headers=admin)
    assert again.status_code == 409 and again.json["error"]["code"] == "points.award_already_reviewed"
    assert me(case)["balance"] == 5
    assert case.client.post("/api/v1/admin/points/awards/999999/review", json={"decision": "deny"},
                            headers=admin).status_code == 404


def test_holders_hear_what_they_earned_capped_and_gave_back(case, app):
    """Each credited, capped and reversed award and each manual adjustment reaches the holder's inbox
    once, with the reason in words; a resident's award it may not earn tells nothing."""
    first = accepted_report(case)
    for _ in range(4):
        accepted_report(case)
    assert case.step("demo-grid-member", first, "reject", reason="无效举报").status_code == 200
    admin = case.h("demo-community-admin")
    assert case.client.post("/api/v1/admin/points/adjustments", headers=admin, json={
        "user_id": uid(app, "demo-rider"), "amount": 10, "reason": "协助疏导交通"}).status_code == 201
    told = _inbox(case, "demo-rider")
    assert [t[:2] for t in told] == [("points_awarded", "积分到账 +5")] * 4 + [
        ("points_awarded", "本次未获得积分"), ("points_reversed", "积分已追回"),
        ("points_adjusted", "社区加分 +10")]
    assert "每日上限" in told[4][2] and told[6][2] == "原因：协助疏导交通"
    assert told[5][2] == f"随手拍 #{first} 被驳回为无效问题，积分冲回。"
    accepted_report(case, "demo-resident")
    assert _inbox(case, "demo-resident") == []
