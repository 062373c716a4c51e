"""The performance mechanisms keep behaviour: per-process copies follow changes made by any worker,
a rolled-back change is never cached, and the list answer written without the schema equals its dump."""

import io
import json
import random
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import event, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from suishoupai import versioned
from suishoupai.extensions import db
from suishoupai.org import index as org_index
from suishoupai.org import service as org_service
from suishoupai.org.actor import current_actor
from suishoupai.org.index import BOUNDARIES, grid_index
from suishoupai.org.models import Department, OrgUnit
from suishoupai.pagination import page_of
from suishoupai.reports import present, queries, schemas
from suishoupai.reports.catalog import CALENDAR, calendar
from suishoupai.reports.models import Report
from tests.helpers.concurrency import at_once

CENTRE = {"lat": 30.272869, "lng": 120.16498, "coord_type": "gcj02"}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _photo(client, headers: dict, seed: int) -> int:
    """Upload a distinct photo; returns its media id."""
    out = io.BytesIO()
    Image.frombytes("RGB", (64, 48), random.Random(seed).randbytes(64 * 48 * 3)).save(out, "JPEG")
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(out.getvalue()), filename="p.jpg")})
    resp = client.post("/api/v1/media", data=body, headers=headers,
                       content_type=f"multipart/form-data; boundary={boundary}")
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def _file(client, headers: dict, seed: int, category: str = "greenery", public: bool = True) -> dict:
    """File a report at the demo centre; returns the answer."""
    resp = client.post("/api/v1/reports", headers=headers, json={
        "category": category, "description": "绿化带树枝折断挡路", "location": CENTRE, "public": public,
        "media_ids": [_photo(client, headers, seed)]})
    assert resp.status_code == 201, resp.json
    return resp.json


def _local_day(iso: str) -> str:
    """The Shanghai date of an ISO instant."""
    return datetime.fromisoformat(iso).astimezone(SHANGHAI).date().isoformat()


def test_calendar_change_reaches_a_worker_that_cached_it(app_factory, demo, auth):
    """Worker B has the calendar cached; a holiday set through worker A moves B's next deadline."""
    worker_a, worker_b = app_factory(), app_factory()
    client_a, client_b = worker_a.test_client(), worker_b.test_client()
    resident = auth.headers("demo-resident")  # tokens are signed with the shared secret
    admin = auth.headers("demo-district-admin")
    first = _file(client_b, resident, 1)  # greenery: accept within 1 working day
    assert first["status"] == "assigned"
    due_day = _local_day(first["accept_due_at"])
    resp = client_a.put(f"/api/v1/admin/calendar/{due_day}", json={"is_workday": False, "note": "调休"},
                        headers=admin)
    assert resp.status_code == 200 and resp.json[0]["day"] == due_day
    second = _file(client_b, resident, 2)
    assert _local_day(second["accept_due_at"]) > due_day
    # taking the holiday away again is seen as well
    assert client_a.put(f"/api/v1/admin/calendar/{due_day}", json={"is_workday": None},
                        headers=admin).status_code == 200
    third = _file(client_b, resident, 3)
    assert _local_day(third["accept_due_at"]) == due_day


def _file_as(client, headers: dict, seed: int, category: str):
    """File a report at the demo centre; returns the response, whatever it is."""
    return client.post("/api/v1/reports", headers=headers, json={
        "category": category, "description": "绿化带树枝折断挡路", "location": CENTRE,
        "media_ids": [_photo(client, headers, seed)]})


def test_category_change_reaches_a_worker_that_cached_it(app_factory, demo, auth):
    """Worker B files from its copy of the catalog; a deadline changed, a category switched off or
    one added through worker A is seen by B's next filing."""
    worker_a, worker_b = app_factory(), app_factory()
    client_a, client_b = worker_a.test_client(), worker_b.test_client()
    resident, admin = auth.headers("demo-resident"), auth.headers("demo-district-admin")
    first = _file(client_b, resident, 1, "noise")  # accept within 2 hours
    hours = (datetime.fromisoformat(first["accept_due_at"]) - datetime.fromisoformat(first["created_at"]))
    assert round(hours.total_seconds() / 3600) == 2
    assert client_a.patch("/api/v1/admin/categories/noise", json={"accept_amount": 5},
                          headers=admin).status_code == 200
    second = _file(client_b, resident, 2, "noise")
    hours = (datetime.fromisoformat(second["accept_due_at"]) - datetime.fromisoformat(second["created_at"]))
    assert round(hours.total_seconds() / 3600) == 5
    assert client_a.patch("/api/v1/admin/categories/noise", json={"active": False},
                          headers=admin).status_code == 200
    resp = _file_as(client_b, resident, 3, "noise")
    assert resp.status_code == 422 and resp.json["error"]["code"] == "report.unknown_category", resp.json
    assert _file_as(client_b, resident, 4, "pets").status_code == 422
    assert client_a.post("/api/v1/admin/categories", json={
        "code": "pets", "name": "宠物扰民", "accept_amount": 4, "accept_unit": "hours",
        "resolve_amount": 2, "resolve_unit": "workdays"}, headers=admin).status_code == 201
    assert _file(client_b, resident, 5, "pets")["category"] == {"code": "pets", "name": "宠物扰民"}


def test_rolled_back_change_is_never_cached(app):
    """A transaction that bumped a counter builds afresh and stores nothing; after its rollback the
    copy of the committed data is served again."""
    with app.app_context():
        built = iter(["committed", "uncommitted", "unexpected"])
        assert versioned.cached("test", lambda: next(built)) == "committed"
        db.session.commit()
        versioned.bump("test")
        assert versioned.cached("test", lambda: next(built)) == "uncommitted"
        db.session.rollback()
        assert versioned.cached("test", lambda: next(built)) == "committed"
        db.session.commit()
        versioned.bump("test")
        db.session.commit()
        assert versioned.cached("test", lambda: "after bump") == "after bump"
        assert versioned.versions()["test"] >= 1


def test_calendar_copy_is_reused_until_changed(app):
    """The calendar is read once per process, not per filing, until its counter moves."""
    with app.app_context():
        first = calendar()
        db.session.commit()
        assert calendar() is first
        db.session.commit()
        versioned.bump(CALENDAR)
        db.session.commit()
        assert calendar() is not first


def test_grid_index_follows_a_boundary_change_made_elsewhere(app_factory, demo):
    """Worker B rebuilds its grid index once worker A committed a boundary change."""
    worker_a, worker_b = app_factory(), app_factory()
    with worker_b.app_context():
        before = grid_index()
        db.session.commit()
        assert grid_index() is before
        db.session.commit()
    with worker_a.app_context():
        versioned.bump(BOUNDARIES)
        db.session.commit()
    with worker_b.app_context():
        after = grid_index()
        assert after is not before and len(after) == len(before)


def test_ancestry_follows_a_move_made_elsewhere(app_factory, demo):
    """A filing's street and district come from a per-process copy of the tree: worker B sees a
    community moved under another street once worker A committed the move with the boundaries'
    counter (as an import does)."""
    worker_a, worker_b = app_factory(), app_factory()
    with worker_b.app_context():
        community = db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "community")).first()
        streets = list(db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "street")))
        community_id, street_id = community.id, community.parent_id
        other = next((s.id, s.parent_id) for s in streets if s.id != street_id)
        assert org_service.ancestry(community_id) == (street_id, db.session.get(OrgUnit, street_id).parent_id)
        db.session.commit()
    with worker_a.app_context():
        db.session.get(OrgUnit, community_id).parent_id = other[0]
        versioned.bump(BOUNDARIES)
        db.session.commit()
    with worker_b.app_context():
        assert org_service.ancestry(community_id) == other


def test_list_names_follow_a_rename_made_elsewhere(app_factory, demo, auth):
    """Lists read unit and department names from a per-process copy; worker B shows a department's
    new name once worker A committed it with departments_changed()."""
    worker_a, worker_b = app_factory(), app_factory()
    client_b, resident = worker_b.test_client(), auth.headers("demo-resident")
    admin = auth.headers("demo-community-admin")
    report = _file(client_b, resident, 1)
    member = auth.headers("demo-grid-member")
    with worker_b.app_context():
        department_id = db.session.scalar(select(Department.id).where(Department.code == "DEMO-CG"))
    for step, body in (("accept", {}), ("transfer", {"department_id": department_id})):
        resp = client_b.post(f"/api/v1/reports/{report['id']}/{step}", json=body, headers=member)
        assert resp.status_code == 200, resp.json

    def department_names():
        items = client_b.get("/api/v1/reports?scope=community", headers=admin).json["items"]
        return {i["department"]["name"] for i in items if i["department"]}

    assert department_names() == {"区城管局"}
    with worker_a.app_context():
        db.session.get(Department, department_id).name = "区城市管理局"
        org_index.departments_changed()
        db.session.commit()
    assert department_names() == {"区城市管理局"}


@pytest.mark.parametrize("openid, scope", [
    ("demo-grid-member", "grid"), ("demo-community-admin", "community"), ("demo-resident", "mine"),
    ("demo-resident", "public"), ("demo-grid-member", "assigned")])
def test_list_answer_equals_the_schema_dump(app, client, demo, auth, openid, scope):
    """The list is written without marshmallow; it must be exactly what the documented schema dumps."""
    resident = auth.headers("demo-resident")
    for seed, category in enumerate(["greenery", "garbage", "illegal_building", "fire_lane"]):
        _file(client, resident, 10 + seed, category)
    headers = auth.headers(openid)
    resp = client.get(f"/api/v1/reports?scope={scope}&limit=3", headers=headers)
    assert resp.status_code == 200 and resp.json["items"], resp.json
    args = {"scope": scope, "limit": 3, "coord_type": "gcj02"}
    with app.test_request_context(headers=headers):
        page = queries.list_reports(current_actor(), args)
        page["items"] = present.list_items(page["items"], current_actor(), "gcj02",
                                           public_view=scope == "public")
        dumped = json.loads(json.dumps(page_of(schemas.ReportItem)().dump(page)))
    assert resp.json == dumped
    if scope in ("grid", "community"):
        assert all("reporter" in item for item in resp.json["items"])
    if scope == "public":
        assert all("reporter" not in item and item["address"] is None for item in resp.json["items"])


@pytest.mark.slow
@pytest.mark.postgres
def test_first_bumps_of_a_new_counter_at_once_both_count(app):
    """Eight transactions bumping a counter no row holds yet all commit, and it ends at eight."""

    def bump():
        versioned.bump("test_fresh_counter")
        db.session.commit()

    errors = [outcome for outcome in at_once(app, bump) if outcome is not None]
    assert errors == []
    with app.app_context():
        assert versioned.versions()["test_fresh_counter"] == 8


@pytest.mark.parametrize("openid, scope", [
    ("demo-grid-member", "grid"), ("demo-community-admin", "community"), ("demo-resident", "mine"),
    ("demo-resident-2", "public"), ("demo-grid-member", "assigned")])
def test_list_cards_equal_the_cards_of_entities(app, client, demo, auth, openid, scope):
    """The list reads its rows and names in two statements; each card must equal the one present()
    builds from the report entity (the path detail and duplicates take): names, people, thumbnail
    (public and signed), 附议 count and following, reporter for staff only."""
    resident, other = auth.headers("demo-resident"), auth.headers("demo-resident-2")
    filed = [_file(client, resident, 20 + seed, category, public=seed != 1)
             for seed, category in enumerate(["greenery", "garbage", "illegal_building"])]
    member = auth.headers("demo-grid-member")
    assert client.post(f"/api/v1/reports/{filed[0]['id']}/accept", json={}, headers=member).status_code == 200
    assert client.post(f"/api/v1/reports/{filed[2]['id']}/follow", headers=other).status_code == 200
    headers = auth.headers(openid)
    resp = client.get(f"/api/v1/reports?scope={scope}&limit=10", headers=headers)
    assert resp.status_code == 200 and resp.json["items"], resp.json
    with app.test_request_context(headers=headers):
        reports = [db.session.get(Report, item["id"]) for item in resp.json["items"]]
        cards = present.present(reports, current_actor(), "gcj02", public_view=scope == "public")
        expected = json.loads(json.dumps(cards, default=lambda v: v.isoformat()))
    got = [{k: v for k, v in item.items() if k != "thumb_url"} for item in resp.json["items"]]
    want = [{k: v for k, v in item.items() if k != "thumb_url"} for item in expected]
    assert got == want
    # signed URLs carry an expiry that may tick between the two reads: compare them without it
    assert [(i["thumb_url"] or "").split("?")[0] for i in resp.json["items"]] == \
        [(i["thumb_url"] or "").split("?")[0] for i in expected]
    assert all(i["thumb_url"] for i in resp.json["items"])
    if scope in ("grid", "community"):
        assert any(i["follower_count"] == 1 for i in resp.json["items"])


@pytest.mark.postgres  # SQLite keeps its transaction
def test_lists_read_outside_a_transaction_on_postgresql(app, client, demo, auth):
    """A list page's statements run in autocommit on PostgreSQL (no BEGIN, no ROLLBACK round trip);
    the pooled connection goes back to transactions for the next request, which writes."""
    seen: list[tuple[str, bool]] = []

    def note(conn, _cursor, statement, *_args):
        seen.append((statement.split()[0], conn.connection.driver_connection.autocommit))

    headers = auth.headers("demo-resident")
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get("/api/v1/reports?scope=mine", headers=headers).status_code == 200
        listed, seen[:] = list(seen), []
        _file(client, headers, 71)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert listed and all(autocommit for _, autocommit in listed)
    assert any(kind == "INSERT" for kind, _ in seen) and not any(autocommit for _, autocommit in seen)



def test_the_callers_row_brings_the_cache_counters(app, demo, auth):
    """The actor's statement reads every counter along: versions() then answers from it, equal to
    reading the table, without a statement of its own; a bump in the transaction still counts."""
    headers = auth.headers("demo-resident")
    with app.app_context():
        versioned.bump("test_along")
        versioned.bump("test_along")
        db.session.commit()
        table = versioned.CacheVersion.__table__
        stored = dict(db.session.execute(select(table.c.name, table.c.version)).all())
        db.session.commit()
    assert stored["test_along"] == 2 and len(stored) >= 2
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        if not statement.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE
            seen.append(statement)

    with app.test_request_context(headers=headers):
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            current_actor()
            assert versioned.versions() == stored
            assert len(seen) == 1 and "cache_versions" in seen[0]
            versioned.bump("test_along")
            assert versioned.versions()["test_along"] == 3
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
            db.session.rollback()
