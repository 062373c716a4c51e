"""积分 over HTTP: rules, manual postings, leaderboard, statements, the ledger's integrity."""

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
from tests.helpers.points import accepted_report, me, uid, verify_ledger
from tests.helpers.reports import Case


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
            assert resp.json["items"][0]["name"] == "骑***"  # a real name, masked to its first character
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
