"""The console's work queue over HTTP: counts per tab, a filtered page, scope, saved filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org.models import Department
from suishoupai.reports.models import Report, ReportEvent, ReportFlag, ReportPhoto
from suishoupai.reports.queries import holder_accepted
from tests.helpers.reports import OTHER_STREET, Case, overdue_by

QUEUE = "/api/v1/admin/queue"


@pytest.fixture
def case(client, auth, demo):
    """Helpers over the seeded demo district."""
    return Case(client, auth)


def queue(case: Case, openid: str, **args):
    """GET the queue as a demo account."""
    return case.client.get(QUEUE, query_string=args, headers=case.h(openid))


def ids(resp) -> list[int]:
    """The report ids of a queue page."""
    assert resp.status_code == 200, resp.json
    return [item["id"] for item in resp.json["items"]]


def test_counts_and_tabs_of_the_community_admin(case, app):
    """Two assigned cases wait to be accepted, one accepted is in progress, one is overdue; the counts
    say so and each tab lists exactly its cases."""
    waiting, late, working = (case.file().json["id"] for _ in range(3))
    assert case.step("demo-grid-member", working, "accept").status_code == 200
    overdue_by(app, late, 5)
    counts = case.client.get(f"{QUEUE}/counts", headers=case.h("demo-community-admin")).json
    assert {k: v for k, v in counts.items() if k != "as_of"} == {
        "dispatch": 0, "accept": 2, "in_progress": 1, "overdue": 1, "flagged": 0, "moderation": 0}
    assert ids(queue(case, "demo-community-admin", tab="accept")) == [late, waiting]
    assert ids(queue(case, "demo-community-admin", tab="in_progress")) == [working]
    assert ids(queue(case, "demo-community-admin", tab="overdue")) == [late]


def test_overdue_cases_come_first_with_the_time_over(case, app):
    """The most overdue case leads with negative seconds left and its lateness; a fresh one follows
    with the seconds left to its deadline."""
    fresh, late = case.file().json["id"], case.file().json["id"]
    overdue_by(app, late, 3)
    items = queue(case, "demo-grid-member", tab="accept").json["items"]
    assert [i["id"] for i in items] == [late, fresh]
    first, second = items
    assert first["overdue"] is True and first["urgency"] == "red"
    assert -3 * 3600 - 60 < first["seconds_left"] < -3 * 3600 + 60
    assert first["late_factor"] == pytest.approx(2.5, abs=0.01)
    assert second["seconds_left"] > 0 and second["overdue"] is False and second["due_at"]
    assert first["status_label"] and first["category"]["code"] == "garbage"
    assert first["community"]["name"] == "凤起社区" and first["assignee"]["name"] == "王网格"


def test_cursor_paging_walks_the_queue_once(case, app):
    """Pages of two follow each other without repeats or gaps."""
    filed = [case.file().json["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        args = {"tab": "accept", "limit": 2} | ({"cursor": cursor} if cursor else {})
        resp = queue(case, "demo-community-admin", **args)
        seen += ids(resp)
        cursor = resp.json["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(filed)
    bad = queue(case, "demo-community-admin", tab="accept", cursor="bm9wZQ")
    assert bad.status_code == 422 and bad.json["error"]["code"] == "pagination.bad_cursor"


def test_a_community_admin_sees_only_their_community(case, app):
    """A case in the other street is in the street admin's and district's queue, not the community's."""
    mine = case.file().json["id"]
    theirs = case.file(location=OTHER_STREET).json["id"]
    assert ids(queue(case, "demo-community-admin", tab="accept")) == [mine]
    assert theirs in ids(queue(case, "demo-district-admin", tab="accept"))
    assert mine in ids(queue(case, "demo-district-admin", tab="accept"))


def test_a_department_sees_only_what_was_transferred_to_it(case, app):
    """Nothing until the grid member transfers a case; then that case alone, awaiting its acceptance."""
    with app.app_context():
        dept = db.session.scalar(select(Department.id).where(Department.code == "DEMO-CG"))
    kept, passed = case.file().json["id"], case.file().json["id"]
    assert ids(queue(case, "demo-department", tab="accept")) == []
    resp = case.step("demo-grid-member", passed, "transfer", department_id=dept, note="占道经营")
    assert resp.status_code == 200, resp.json
    assert ids(queue(case, "demo-department", tab="accept")) == [passed]
    counts = case.client.get(f"{QUEUE}/counts", headers=case.h("demo-department")).json
    assert counts["accept"] == 1 and counts["in_progress"] == 0
    assert kept in ids(queue(case, "demo-community-admin", tab="accept"))


def test_filters_narrow_the_queue(case, app):
    """Category, status, grid, department, assignee, lateness, satisfaction, time and text each narrow
    the queue to the cases they name."""
    plain = case.file().json["id"]
    other = case.file(category="noise", description="人行道地砖松动").json["id"]
    overdue_by(app, other, 10)
    admin = "demo-community-admin"

    def found(**filters):
        """The accept tab with these filters."""
        return ids(queue(case, admin, tab="accept", **filters))

    assert found(category="noise") == [other]
    assert found(lateness="late") == [other] and found(lateness="on_time") == [plain]
    assert found(lateness="late3") == [other]  # 10 h over a 2 h allowance: 6× late
    assert found(q="地砖") == [other] and found(q="%") == []
    assert found(status="assigned") == [other, plain]
    assert found(satisfaction="unrated") == [other, plain] and found(satisfaction="satisfied") == []
    assert found(**{"from": (utcnow() + timedelta(hours=1)).isoformat()}) == []
    with app.app_context():
        report = db.session.get(Report, plain)
        grid, assignee = report.grid_id, report.assignee_id
    assert set(found(grid_id=grid)) == {plain, other} and set(found(assignee_id=assignee)) == {plain, other}
    assert found(assignee_id=assignee + 1000) == []


@pytest.mark.parametrize(("args", "field"), [
    ({"tab": "bogus"}, "tab"), ({}, "tab"), ({"tab": "accept", "lateness": "soon"}, "lateness"),
    ({"tab": "accept", "category": "nope"}, "category"), ({"tab": "accept", "status": "done"}, "status"),
    ({"tab": "accept", "unit_id": "x"}, "unit_id"), ({"tab": "accept", "unit_id": 999999}, "unit_id"),
    ({"tab": "accept", "department_id": 999999}, "department_id"),
    ({"tab": "accept", "colour": "red"}, "colour"),
    ({"tab": "accept", "satisfaction": "meh"}, "satisfaction"), ({"tab": "accept", "limit": 500}, "limit"),
])
def test_unknown_filter_values_are_refused_in_chinese(case, args, field):
    """Every filter value the queue cannot use is a 422 naming the field, in Chinese."""
    resp = queue(case, "demo-community-admin", **args)
    assert resp.status_code == 422, resp.json
    error = resp.json["error"]
    assert field in str(error["details"]) and any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])


def test_a_unit_outside_the_reach_is_refused(case, app):
    """The community admin cannot filter by a unit of the other street."""
    theirs = case.file(location=OTHER_STREET).json["id"]
    with app.app_context():
        community = db.session.get(Report, theirs).community_id
    resp = queue(case, "demo-community-admin", tab="accept", unit_id=community)
    assert resp.status_code == 422 and "unit_id" in resp.json["error"]["details"]["fields"]
    assert ids(queue(case, "demo-district-admin", tab="accept", unit_id=community)) == [theirs]


def test_admin_tabs_are_refused_to_others(case):
    """A grid member has no 待核查 or 待审核 tab; their counts are 0."""
    resp = queue(case, "demo-grid-member", tab="flagged")
    assert resp.status_code == 403 and resp.json["error"]["code"] == "console.tab_forbidden"
    counts = case.client.get(f"{QUEUE}/counts", headers=case.h("demo-grid-member")).json
    assert counts["flagged"] == 0 and counts["moderation"] == 0


def test_residents_have_no_queue(case):
    """The queue and its counts are staff-only."""
    assert queue(case, "demo-resident", tab="accept").status_code == 403
    assert case.client.get(f"{QUEUE}/counts", headers=case.h("demo-resident")).status_code == 403


def test_moderation_tab_lists_cases_in_review(case, app):
    """A case whose content waits for a person is in 待审核."""
    rid = case.file().json["id"]
    with app.app_context():
        db.session.execute(update(Report).where(Report.id == rid).values(moderation="review"))
        db.session.commit()
    assert ids(queue(case, "demo-community-admin", tab="moderation")) == [rid]
    assert case.client.get(f"{QUEUE}/counts", headers=case.h("demo-community-admin")).json["moderation"] == 1


def test_saved_filters_are_kept_per_user(case):
    """A filter saved by one admin is listed for them only, checked as the queue checks, deleted once."""
    admin, other = case.h("demo-community-admin"), case.h("demo-street-admin")
    since = "2026-01-01T00:00:00+08:00"
    body = {"name": "超时的垃圾", "tab": "overdue",
            "filters": {"category": "garbage", "lateness": "late", "from": since}}
    resp = case.client.post("/api/v1/me/saved-filters", json=body, headers=admin)
    assert resp.status_code == 201, resp.json
    saved = resp.json
    assert saved["filters"] == {"category": "garbage", "lateness": "late", "from": since}
    assert saved["tab"] == "overdue"
    assert [f["id"] for f in case.client.get("/api/v1/me/saved-filters", headers=admin).json["items"]] \
        == [saved["id"]]
    assert case.client.get("/api/v1/me/saved-filters", headers=other).json["items"] == []
    assert case.client.delete(f"/api/v1/me/saved-filters/{saved['id']}", headers=other).status_code == 404
    assert case.client.delete(f"/api/v1/me/saved-filters/{saved['id']}", headers=admin).status_code == 204
    assert case.client.delete(f"/api/v1/me/saved-filters/{saved['id']}", headers=admin).status_code == 404
    bad = case.client.post("/api/v1/me/saved-filters", headers=admin,
                           json=body | {"filters": {"lateness": "soon"}})
    assert bad.status_code == 422 and "lateness" in str(bad.json["error"]["details"])
    assert case.client.post("/api/v1/me/saved-filters", json=body,
                            headers=case.h("demo-resident")).status_code == 403


def test_flagged_tab_lists_cases_with_unreviewed_flags(case, app):
    """A case whose after-photo raised a flag nobody reviewed is in 待核查, counted once."""
    rid = case.file().json["id"]
    with app.app_context():
        event = db.session.scalar(select(ReportEvent.id).where(ReportEvent.report_id == rid))
        media = db.session.scalar(select(ReportPhoto.media_id).where(ReportPhoto.report_id == rid))
        for kind in ("reused_photo", "far_from_report"):
            db.session.add(ReportFlag(report_id=rid, event_id=event, media_id=media, kind=kind, distance=1.0))
        db.session.commit()
    assert ids(queue(case, "demo-community-admin", tab="flagged")) == [rid]
    assert case.client.get(f"{QUEUE}/counts", headers=case.h("demo-community-admin")).json["flagged"] == 1
    assert ids(queue(case, "demo-street-admin", tab="flagged")) == [rid]


def _kept_and_read(app, report_id: int) -> tuple[tuple, tuple]:
    """What the report keeps (holder_accepted, due_at) against what its stints and deadlines say."""
    with app.app_context():
        report = db.session.get(Report, report_id)
        stint = db.session.scalar(select(holder_accepted(Report.id)).where(Report.id == report_id))
        accepted = bool(stint)
        due = report.resolve_due_at if accepted else report.accept_due_at
        return (report.holder_accepted, report.due_at), (accepted, due)


def test_the_report_keeps_its_holders_acceptance_and_deadline_through_the_steps(case, app):
    """The queue orders and splits tabs by columns the steps keep: after filing, accepting, a transfer,
    the department's acceptance, a reopen and a rejection they agree with the stints."""
    with app.app_context():
        dept = db.session.scalar(select(Department.id).where(Department.code == "DEMO-CG"))
    rid, other = case.file().json["id"], case.file().json["id"]
    seen = []
    for who, step, body in (("demo-grid-member", "accept", {}),
                            ("demo-grid-member", "transfer", {"department_id": dept, "note": "占道经营"}),
                            ("demo-department", "accept", {}),
                            ("demo-department", "resolve", {"note": "已清理", "media_ids": None}),
                            ("demo-resident", "reopen", {"note": "又堆上了"})):
        kept, read = _kept_and_read(app, rid)
        assert kept == read
        seen.append(kept[0])
        if "media_ids" in body:
            body["media_ids"] = [case.photo(who)]
        resp = case.step(who, rid, step, **body)
        assert resp.status_code == 200, resp.json
    assert seen == [False, True, False, True, True]
    assert _kept_and_read(app, rid)[0] == _kept_and_read(app, rid)[1] and not _kept_and_read(app, rid)[0][0]
    assert case.step("demo-grid-member", other, "reject", reason="不属于受理范围").status_code == 200
    assert _kept_and_read(app, other)[0][0] is False


def test_a_case_without_a_deadline_comes_last_and_paging_reaches_it(case, app):
    """No deadline sorts after every deadline; the cursor walks past it once."""
    first, undated, last = (case.file().json["id"] for _ in range(3))
    with app.app_context():
        db.session.get(Report, undated).accept_due_at = None
        db.session.commit()
    seen, cursor = [], None
    while True:
        args = {"tab": "accept", "limit": 1} | ({"cursor": cursor} if cursor else {})
        resp = queue(case, "demo-community-admin", **args)
        seen += ids(resp)
        cursor = resp.json["next_cursor"]
        if cursor is None:
            break
    assert seen == [first, last, undated]
    assert resp.json["items"][0]["due_at"] is None
