"""A hand-built dataset of cases with set clocks, the summary tests' fixtures and request helper."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.reports.models import Report, ReportHandling
from tests.helpers.reports import OTHER_STREET, Case, department_id

SUMMARY = "/api/v1/stats/summary"

GM, RES, DIST = "demo-grid-member", "demo-resident", "demo-district-admin"


@pytest.fixture
def case(client, auth, demo):
    """Helpers over the seeded demo district."""
    return Case(client, auth)


def set_clocks(app, rid: int, created: float, stints: list[dict], overdue: bool = False) -> None:
    """Rewrite a case's filing time and each handling stint's times, in hours after a fixed base.

    ``stints`` follow the stints' order; keys: started, accept_due, resolve_due, accepted, resolved, ended.
    """
    base = utcnow() - timedelta(days=5)

    def at(hours):
        return None if hours is None else base + timedelta(hours=hours)

    with app.app_context():
        db.session.execute(update(Report).where(Report.id == rid)
                           .values(created_at=at(created), overdue=overdue))
        rows = list(db.session.scalars(select(ReportHandling).where(ReportHandling.report_id == rid)
                                       .order_by(ReportHandling.id)))
        assert len(rows) == len(stints), (rid, [r.party for r in rows])
        for row, stint in zip(rows, stints, strict=True):
            for key in ("started", "accept_due", "resolve_due", "accepted", "resolved", "ended"):
                setattr(row, f"{key}_at", at(stint.get(key)))
        db.session.commit()


def grid_stint(start: float, accepted=None, resolved=None, ended=None) -> dict:
    """A grid member's stint with a 4-hour accept and 72-hour resolve deadline."""
    return {"started": start, "accept_due": start + 4, "resolve_due": start + 72,
            "accepted": accepted, "resolved": resolved, "ended": ended}


@pytest.fixture
def dataset(case, app):
    """Nine cases, eight valid; see each comment for its clocks (hours after the base)."""
    s = case.step
    photo = case.photo
    ids = {}
    # A: accepted after 1 h, resolved after 10 h, rated 5
    ids["A"] = a = case.file().json["id"]
    s(GM, a, "accept"), s(GM, a, "resolve", media_ids=[photo(GM)]), s(RES, a, "rate", rating=5)
    s(RES, a, "confirm")  # a rating leaves the case resolved: the reporter closes it
    set_clocks(app, a, 0, [grid_stint(0, 1, 10, None)])
    # B: accepted late (6 h of 4), resolved late (80 h of 72), rated 2
    ids["B"] = b = case.file().json["id"]
    s(GM, b, "accept"), s(GM, b, "resolve", media_ids=[photo(GM)]), s(RES, b, "rate", rating=2)
    s(RES, b, "confirm")
    set_clocks(app, b, 0, [grid_stint(0, 6, 80, None)])
    # C: grid accepts after 2 h and transfers at 3 h; the department accepts 5 h into its own
    # clock (late) and resolves 20 h in (on time); rated 4
    ids["C"] = c = case.file().json["id"]
    s(GM, c, "accept"), s(GM, c, "transfer", department_id=department_id(app))
    s("demo-department", c, "accept")
    s("demo-department", c, "resolve", media_ids=[photo("demo-department")])
    s(RES, c, "rate", rating=4), s(RES, c, "confirm")
    set_clocks(app, c, 0, [grid_stint(0, 2, None, 3), grid_stint(3, 8, 23, None)])
    # D: accepted 1 h, resolved 5 h, rated 3, reopened at 10 h; the fresh clock: accepted 2 h,
    # resolved 30 h, rated 5
    ids["D"] = d = case.file().json["id"]
    s(GM, d, "accept"), s(GM, d, "resolve", media_ids=[photo(GM)]), s(RES, d, "rate", rating=3)
    s(RES, d, "reopen", note="没修好"), s(GM, d, "accept"), s(GM, d, "resolve", media_ids=[photo(GM)])
    s(RES, d, "rate", rating=5), s(RES, d, "confirm")
    set_clocks(app, d, 0, [grid_stint(0, 1, 5, 10), grid_stint(10, 12, 40, None)])
    # E: rejected as invalid: left out of every rate
    ids["E"] = e = case.file().json["id"]
    s(GM, e, "reject", reason="无效举报")
    set_clocks(app, e, 1, [grid_stint(1, None, None, 2)])
    # F: never accepted, accept deadline long past (late), resolve deadline still ahead; overdue
    ids["F"] = f = case.file().json["id"]
    set_clocks(app, f, 100, [grid_stint(100)], overdue=True)
    # G: filed just now: neither deadline has come, so it counts in no timeliness rate yet
    ids["G"] = g = case.file().json["id"]
    set_clocks(app, g, 119, [grid_stint(119)])
    # H: accepted 1 h, resolved 8 h, confirmed without a rating (unrated: not in 满意率)
    ids["H"] = h = case.file(category="noise").json["id"]
    s(GM, h, "accept"), s(GM, h, "resolve", media_ids=[photo(GM)]), s(RES, h, "confirm")
    set_clocks(app, h, 2, [grid_stint(2, 3, 10, None)])
    # I: the other street, accepted at exactly its deadline (4 h: on time), resolve deadline ahead
    ids["I"] = i = case.file(location=OTHER_STREET).json["id"]
    s(DIST, i, "accept")
    set_clocks(app, i, 100, [grid_stint(100, 104, None, None)])
    with app.app_context():
        report = db.session.get(Report, a)
        other = db.session.get(Report, i)
        ids["grid"], ids["community"], ids["street"] = report.grid_id, report.community_id, report.street_id
        ids["district"], ids["other_grid"] = report.district_id, other.grid_id
        statuses = {k: db.session.get(Report, v).status for k, v in ids.items() if len(k) == 1}
    assert statuses == {"A": "closed", "B": "closed", "C": "closed", "D": "closed", "E": "rejected",
                        "F": "assigned", "G": "assigned", "H": "closed", "I": "accepted"}
    return ids


def get(case, openid: str, path: str = SUMMARY, **args):
    """GET with query args as the given user."""
    return case.client.get(path, query_string=args, headers=case.h(openid))


