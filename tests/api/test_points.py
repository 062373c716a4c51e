"""Points over HTTP: rider verification gating, caps, clawback, rule versions, manual points,
rankings, statements, `flask points verify` and its tamper detection, concurrent spending."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from suishoupai.points import ledger
from suishoupai.points.models import Award, LedgerTxn, Posting, Rider
from tests.helpers.app import Auth
from tests.helpers.concurrency import at_once
from tests.helpers.reports import Case


@pytest.fixture
def case(client, auth, demo):
    """Report helpers over the seeded demo district (rule book and verified demo-rider included)."""
    return Case(client, auth)


def uid(app, openid):
    """A demo account's user id."""
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.openid == openid))


def me(case, openid="demo-rider"):
    """GET /points/me."""
    resp = case.client.get("/api/v1/points/me", headers=case.h(openid))
    assert resp.status_code == 200, resp.json
    return resp.json


def accepted_report(case, openid="demo-rider"):
    """A report filed by `openid` and accepted by the grid member; returns its id."""
    resp = case.file(openid)
    assert resp.status_code == 201, resp.json
    report_id = resp.json["id"]
    assert case.step("demo-grid-member", report_id, "accept").status_code == 200
    return report_id


def verify_ledger(app):
    """Run `flask points verify`; returns (exit code, output)."""
    result = app.test_cli_runner().invoke(args=["points", "verify"])
    return result.exit_code, result.output


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


def test_editing_a_rule_makes_a_new_version(case, app):
    """A street admin raises report_valid to 8: version 2 applies from now, the old award keeps version 1."""
    accepted_report(case)
    denied = case.client.patch("/api/v1/admin/points/rules/report_valid", json={"points": 8},
                               headers=case.h("demo-community-admin"))
    assert denied.status_code == 403 and denied.json["error"]["code"] == "points.rule_edit_forbidden"
    bad = case.client.patch("/api/v1/admin/points/rules/report_valid", json={"points": -1},
                            headers=case.h("demo-street-admin"))
    assert bad.status_code == 422
    resp = case.client.patch("/api/v1/admin/points/rules/report_valid", json={"points": 8},
                             headers=case.h("demo-street-admin"))
    assert resp.status_code == 200 and resp.json["version"] == 2 and resp.json["daily_cap"] == 20
    rules = {r["code"]: r for r in case.client.get("/api/v1/points/rules", headers=case.h("demo-rider")).json}
    assert rules["report_valid"]["version"] == 2 and rules["report_valid"]["points"] == 8
    history = case.client.get("/api/v1/admin/points/rules?code=report_valid",
                              headers=case.h("demo-street-admin")).json
    assert [(r["version"], r["effective_to"] is None) for r in history] == [(2, True), (1, False)]
    accepted_report(case)
    items = me(case)["items"]
    assert [(e["amount"], e["rule_version"]) for e in items] == [(8, 2), (5, 1)]
    missing = case.client.patch("/api/v1/admin/points/rules/nope", json={"points": 1},
                                headers=case.h("demo-street-admin"))
    assert missing.status_code == 404


def test_manual_award_and_deduction_never_below_zero(case, app):
    """A community admin adds 10 and deducts 4 with reasons; deducting more than is left is refused."""
    admin = case.h("demo-community-admin")
    rider = uid(app, "demo-rider")
    resp = case.client.post("/api/v1/admin/points/adjustments",
                            json={"user_id": rider, "amount": 10, "reason": "协助疏导交通"}, headers=admin)
    assert resp.status_code == 201 and resp.json["balance"] == 10
    resp = case.client.post("/api/v1/admin/points/adjustments",
                            json={"user_id": rider, "amount": -4, "reason": "虚报问题"}, headers=admin)
    assert resp.status_code == 201 and resp.json["balance"] == 6
    refused = case.client.post("/api/v1/admin/points/adjustments",
                               json={"user_id": rider, "amount": -7, "reason": "虚报问题"}, headers=admin)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "points.insufficient"
    assert me(case)["balance"] == 6 and len(me(case)["items"]) == 2
    stranger = case.client.post("/api/v1/admin/points/adjustments",
                                json={"user_id": uid(app, "demo-resident"), "amount": 5, "reason": "测试"},
                                headers=admin)
    assert stranger.status_code == 404
    zero = case.client.post("/api/v1/admin/points/adjustments",
                            json={"user_id": rider, "amount": 0, "reason": "测试"}, headers=admin)
    assert zero.status_code == 422 and zero.json["error"]["code"] == "points.bad_amount"
    assert case.client.post("/api/v1/admin/points/adjustments", json={"user_id": rider, "amount": 5,
                            "reason": "测试"}, headers=case.h("demo-rider")).status_code == 403
    assert verify_ledger(app)[0] == 0


def test_leaderboard_ranks_with_deterministic_ties(case, app):
    """Equal totals rank by who reached them first; periods and scopes are checked."""
    admin = case.h("demo-community-admin")
    with app.app_context():
        community_id = db.session.get(User, uid(app, "demo-rider")).org_unit_id
        street_id = db.session.get(OrgUnit, community_id).parent_id
        for n in range(3):
            user = User(openid=f"rider-{n}", real_name=f"骑手{n}号", role="rider")
            db.session.add(user)
            db.session.flush()
            db.session.add(Rider(user_id=user.id, platform="顺丰", courier_id=f"SF{n}", phone_enc="x",
                                 home_community_id=community_id, status="verified"))
        db.session.commit()
        ids = [db.session.scalar(select(User.id).where(User.openid == f"rider-{n}")) for n in range(3)]
    for user_id, amount in ((ids[2], 7), (ids[0], 9), (ids[1], 7)):
        assert case.client.post("/api/v1/admin/points/adjustments",
                                json={"user_id": user_id, "amount": amount, "reason": "表现突出"},
                                headers=admin).status_code == 201
    with app.app_context():
        month, year = ledger.local_periods(db.session.scalar(select(func.max(LedgerTxn.created_at))))
    for scope in (f"community:{community_id}", f"street:{street_id}"):
        for period in (month, year):
            resp = case.client.get(f"/api/v1/points/leaderboard?scope={scope}&period={period}",
                                   headers=case.h("demo-resident"))
            assert resp.status_code == 200, resp.json
            assert [(r["rank"], r["user_id"], r["points"]) for r in resp.json["items"]] == [
                (1, ids[0], 9), (2, ids[2], 7), (3, ids[1], 7)]
            assert resp.json["items"][0]["name"] == "骑**号"
    bad = case.client.get(f"/api/v1/points/leaderboard?scope=grid:1&period={month}", headers=admin)
    assert bad.status_code == 422
    wrong = case.client.get(f"/api/v1/points/leaderboard?scope=street:{community_id}&period={month}",
                            headers=admin)
    assert wrong.status_code == 404 and wrong.json["error"]["code"] == "points.scope_not_found"
    huge = case.client.get(f"/api/v1/points/leaderboard?scope=community:3000000000&period={month}",
                           headers=admin)
    assert huge.status_code == 404 and huge.json["error"]["code"] == "points.scope_not_found"


def test_monthly_statement_xlsx(case, app):
    """The community's statement for the month lists every line and a summary per holder."""
    report_id = accepted_report(case)
    admin = case.h("demo-community-admin")
    case.client.post("/api/v1/admin/points/adjustments",
                     json={"user_id": uid(app, "demo-rider"), "amount": -2, "reason": "虚报"}, headers=admin)
    with app.app_context():
        community_id = db.session.get(User, uid(app, "demo-rider")).org_unit_id
        month, _ = ledger.local_periods(db.session.scalar(select(func.max(LedgerTxn.created_at))))
    resp = case.client.get(f"/api/v1/admin/points/statements/{community_id}?month={month}", headers=admin)
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(resp.data))
    lines = list(book["明细"].iter_rows(min_row=2, values_only=True))
    assert [(line[5], line[6], line[9]) for line in lines] == [(5, "随手拍问题经核实有效", report_id),
                                                                (-2, None, lines[1][9])]
    summary = list(book["汇总"].iter_rows(min_row=3, values_only=True))
    assert summary == [(uid(app, "demo-rider"), "赵小川", 3, 0, 0, 3, 3)]
    assert case.client.get(f"/api/v1/admin/points/statements/{community_id}?month=2026-13",
                           headers=admin).status_code == 422
    assert case.client.get(f"/api/v1/admin/points/statements/{community_id}?month={month}",
                           headers=case.h("demo-rider")).status_code == 403


def test_verify_names_a_tampered_posting(case, app, is_postgres):
    """Changing one posting's amount in the database makes verify fail and name that transaction."""
    accepted_report(case)
    target = accepted_report(case)
    accepted_report(case)
    assert verify_ledger(app)[0] == 0
    with app.app_context():
        txn_id = db.session.scalar(select(Award.txn_id).where(Award.source_id == target))
        posting_id = db.session.scalar(select(func.min(Posting.id)).where(Posting.txn_id == txn_id))
        db.session.rollback()
        if is_postgres:
            # the append-only trigger refuses the edit; an attacker with superuser rights bypasses it
            with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
                conn.execute(text("UPDATE points_postings SET amount = amount * 2 WHERE id = :id"),
                             {"id": posting_id})
        with db.engine.begin() as conn:
            if is_postgres:
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("UPDATE points_postings SET amount = amount * 2 WHERE id = :id"),
                         {"id": posting_id})
    code, output = verify_ledger(app)
    assert code == 1
    assert f"transaction {txn_id} " in output and "postings sum to" in output


@pytest.mark.postgres
def test_append_only_trigger_refuses_deletes(app, case):
    """On PostgreSQL the database itself refuses to delete a transaction."""
    accepted_report(case)
    with app.app_context(), pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM points_txns"))


@pytest.mark.slow
@pytest.mark.postgres
def test_twenty_concurrent_spends_of_ten_from_a_hundred(case, app):
    """20 threads each spending 10 from 100: exactly 10 succeed and the balance ends at 0."""
    rider = uid(app, "demo-rider")
    with app.app_context():
        community_id = db.session.get(User, rider).org_unit_id
        from suishoupai.points import awards
        awards.adjust(rider, rider, community_id, 100, "初始积分")
        db.session.commit()

    def spend(n):
        """One redemption of 10, in its own session and connection."""
        try:
            ledger.spend(rider, community_id, 10, source_type="test", source_id=n, memo="兑换")
            db.session.commit()
            return "ok"
        except ledger.InsufficientPoints:
            db.session.rollback()
            return "insufficient"

    outcomes = at_once(app, spend, args=[(n,) for n in range(20)])
    assert sorted(outcomes) == ["insufficient"] * 10 + ["ok"] * 10
    with app.app_context():
        assert ledger.balance(rider) == 0
    assert verify_ledger(app)[0] == 0


def test_points_need_login_and_bad_queries_are_422(case):
    """No token → 401; unknown query parameters and bad cursors → 422."""
    assert case.client.get("/api/v1/points/me").status_code == 401
    assert case.client.get("/api/v1/points/rules").status_code == 401
    typo = case.client.get("/api/v1/points/me?limt=5", headers=case.h("demo-rider"))
    assert typo.status_code == 422
    cursor = case.client.get("/api/v1/points/me?cursor=zzz", headers=case.h("demo-rider"))
    assert cursor.status_code == 422 and cursor.json["error"]["code"] == "pagination.bad_cursor"


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


def register(case, app, openid: str) -> tuple[dict, int]:
    """A resident registers as a 闪送 rider of their own community: the body sent and the rider id."""
    with app.app_context():
        community_id = db.session.get(User, uid(app, openid)).org_unit_id
    body = {"platform": "闪送", "courier_id": "SS-1", "phone": "13911113333",
            "home_community_id": community_id}
    return body, case.client.post("/api/v1/riders", json=body, headers=case.h(openid)).json["id"]


def test_rejected_registration_can_be_corrected(case, app):
    """A rejection needs a reason and is shown to the rider, who may register again."""
    body, rider_id = register(case, app, "demo-resident-2")
    admin = case.h("demo-community-admin")
    verify = f"/api/v1/riders/{rider_id}/verify"
    no_reason = case.client.post(verify, json={"decision": "reject"}, headers=admin)
    assert no_reason.status_code == 422 and no_reason.json["error"]["code"] == "points.reason_required"
    resp = case.client.post(verify, json={"decision": "reject", "reason": "工号不符"}, headers=admin)
    assert resp.status_code == 200 and resp.json["status"] == "rejected"
    mine = case.client.get("/api/v1/riders/me", headers=case.h("demo-resident-2")).json
    assert mine["reject_reason"] == "工号不符"
    again = case.client.post("/api/v1/riders", json=body | {"courier_id": "SS-2"},
                             headers=case.h("demo-resident-2"))
    assert again.status_code == 201 and again.json["id"] == rider_id and again.json["status"] == "pending"
    staff = case.client.post("/api/v1/riders", json=body, headers=case.h("demo-grid-member"))
    assert staff.status_code == 403 and staff.json["error"]["code"] == "points.rider_register_forbidden"


def _inbox(case, openid: str) -> list[tuple[str, str, str]]:
    """(kind, title, body) of a user's notifications, oldest first."""
    items = case.client.get("/api/v1/inbox?limit=50", headers=case.h(openid)).json["items"]
    return [(i["kind"], i["title"], i["body"]) for i in reversed(items)
            if i["kind"].startswith(("points", "rider"))]


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


def test_riders_hear_the_answer_to_each_registration(case, app):
    """Rejected (with the reason), registered again, then approved: two answers, in order."""
    body, rider_id = register(case, app, "demo-resident-2")
    verify, admin = f"/api/v1/riders/{rider_id}/verify", case.h("demo-community-admin")

    def decide(**answer):
        assert case.client.post(verify, json=answer, headers=admin).status_code == 200

    decide(decision="reject", reason="工号不符")
    assert case.client.post("/api/v1/riders", json=body | {"courier_id": "SS-2"},
                            headers=case.h("demo-resident-2")).status_code == 201
    decide(decision="reject", reason="照片模糊")
    assert case.client.post("/api/v1/riders", json=body | {"courier_id": "SS-3"},
                            headers=case.h("demo-resident-2")).status_code == 201
    decide(decision="approve")
    assert [(kind, title, text.split("。")[0]) for kind, title, text in _inbox(case, "demo-resident-2")] == [
        ("rider_reviewed", "认证未通过", "原因：工号不符"),
        ("rider_reviewed", "认证未通过", "原因：照片模糊"),
        ("rider_reviewed", "认证已通过", "您的新就业群体身份已认证，可认领岗位和悬赏、参与积分")]


def test_rule_flags_must_be_booleans(case):
    """needs_review: 1 is not a boolean; the rule stays as it was."""
    resp = case.client.patch("/api/v1/admin/points/rules/report_valid", json={"needs_review": 1},
                             headers=case.h("demo-street-admin"))
    assert resp.status_code == 422 and "needs_review" in resp.json["error"]["details"]["fields"]
    rules = {r["code"]: r for r in case.client.get("/api/v1/points/rules", headers=case.h("demo-rider")).json}
    assert rules["report_valid"]["version"] == 1 and rules["report_valid"]["needs_review"] is False


def test_demo_command_gives_demo_rider_points_to_spend_once(app):
    """`flask demo seed` (run twice) leaves demo-rider 120 points through one manual award, chain intact."""
    runner = app.test_cli_runner()
    for _ in range(2):
        assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    case = Case(app.test_client(), Auth(app.test_client()))
    body = me(case)
    assert body["balance"] == 120
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LedgerTxn)) == 1
    assert verify_ledger(app)[0] == 0
