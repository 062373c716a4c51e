"""`flask demo history`: a short past replayed through the services over a freshly seeded district."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from suishoupai.extensions import db
from suishoupai.media.models import Media
from suishoupai.offers.models import BountyClaim, PostDuty, Redemption
from suishoupai.points.models import Award, AwardStatus
from suishoupai.reports.models import Report, ReportEvent, ReportFlag
from suishoupai.wishes.models import Wish

DAYS = "8"


def _counts() -> dict:
    """Rows the history writes, by kind."""
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Report, ReportEvent, Wish, Media, Award, Redemption, BountyClaim, PostDuty)}


@pytest.fixture
def seeded(app):
    """A migrated, empty database given the demo district (`flask demo seed`, as `make run` does),
    then eight days of past."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    result = runner.invoke(args=["demo", "history", "--days", DAYS])
    assert result.exit_code == 0, result.output
    assert "演示历史：8 天" in result.output
    return result


def test_history_covers_every_state_passes_the_audit_and_is_made_once(app, seeded, auth, client):
    """Cases stand in open and finished states and went through every kind of step; wishes and
    riders' points moved; the ledger verifies; the district's rates are not empty; a second run adds
    nothing (one test: each history takes a while to replay)."""
    with app.app_context():
        statuses = dict(db.session.execute(
            select(Report.status, func.count()).group_by(Report.status)).all())
        actions = set(db.session.scalars(select(ReportEvent.action).distinct()))
        wish_states = set(db.session.scalars(select(Wish.status).distinct()))
        counts = _counts()
        awarded = db.session.scalar(select(func.count()).where(Award.status == AwardStatus.AWARDED))
        overdue = db.session.scalar(select(func.count()).where(Report.overdue.is_(True)))
        flags = dict(db.session.execute(
            select(ReportFlag.kind, func.count()).group_by(ReportFlag.kind)).all())
        resolved = db.session.scalar(select(func.count()).where(ReportEvent.action == "resolve"))
    assert sum(statuses.values()) > 100
    assert {"closed", "resolved", "rejected"} <= set(statuses), statuses
    assert {"assigned", "accepted"} & set(statuses), statuses  # the open queues
    assert {"file", "assign", "accept", "transfer", "escalate", "resolve", "reject", "rate", "confirm",
            "reopen"} <= actions, actions
    assert overdue > 0
    assert len(wish_states) >= 3, wish_states
    assert counts["Media"] >= counts["Report"]  # every filing came with its photo
    assert awarded > 0 and counts["PostDuty"] > 0
    # after-photos differ from the case's own and from the resolver's earlier ones, bar the handful
    # of lazy resolutions the district's admins should find: never a flag on most resolved cases
    assert flags.get("reused_photo", 0) == 0, flags
    assert flags.get("same_as_before", 0) <= max(3, resolved // 50), (flags, resolved)

    verify = app.test_cli_runner().invoke(args=["points", "verify"])
    assert verify.exit_code == 0, verify.output
    assert "OK" in verify.output

    with app.app_context():
        district = db.session.scalar(select(Report.district_id).limit(1))
    headers = auth.headers("demo-district-admin")
    resp = client.get("/api/v1/stats/summary", query_string={"scope": f"district:{district}"},
                      headers=headers)
    assert resp.status_code == 200, resp.json
    rates = resp.json["totals"]["rates"]
    for key in ("response_rate", "closure_rate", "satisfaction_rate"):
        assert rates[key]["denominator"] > 0 and rates[key]["value"] > 0, (key, rates[key])

    # a second run finds the history made and writes no case, wish, photo or point
    with app.app_context():
        before = _counts()
    again = app.test_cli_runner().invoke(args=["demo", "history", "--days", DAYS])
    assert again.exit_code == 0, again.output
    assert "演示历史已存在" in again.output
    with app.app_context():
        assert _counts() == before
