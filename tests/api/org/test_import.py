"""Boundary imports: the CLI and the endpoint, bad files, overlaps, idempotency keys, scope."""

import pytest
from sqlalchemy import func, select

from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.idempotency import IdempotencyKey
from suishoupai.org.models import OrgUnit
from tests.helpers.org import MID, E, N, S, W, feature, make_staff, run_import, square, town, unit_id


def unit_count(app):
    """How many org units exist."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OrgUnit))


def test_cli_import_summarises(imported):
    """The CLI prints what it created."""
    assert "新建 6" in imported.output


@pytest.mark.parametrize("doc", [
    {"type": "Feature"},
    {"type": "FeatureCollection", "features": [feature("X", "grid", "T-C", square(1, 1, 2, 2)),
                                               {"type": "Feature", "properties": {"name": "无编码"}}]},
    {"type": "FeatureCollection", "features": [feature("X", "grid", "NOPE", square(1, 1, 2, 2))]},
    {"type": "FeatureCollection", "features": [feature("X", "grid", "T-C", square(1, 1, 200, 2))]},
    {"type": "FeatureCollection", "features": [feature("X", "grid", "T-C",
                                                       {"type": "Point", "coordinates": [1, 2]})]},
    {"type": "FeatureCollection", "features": [feature("X", "grid", "T-C", None)]},
    {"type": "FeatureCollection", "features": [feature("X", "grid", "T-S", square(1, 1, 2, 2))]},
    {"type": "FeatureCollection", "features": [
        feature("X", "grid", "T-C", {"type": "Polygon", "coordinates": [[["a", "b"]]]})]},
    {"type": "FeatureCollection", "features": [feature("X", "grid", "T-C", square(1, 1, 2, 2)),
                                               feature("X", "grid", "T-C", square(3, 3, 4, 4))]},
])
def test_malformed_geojson_imports_nothing(client, auth, app, imported, doc):
    """Every malformed file → clear 422 listing problems; not one unit is written."""
    make_staff(app, "da", "district_admin", "T-D")
    before = unit_count(app)
    resp = client.post("/api/v1/admin/org/import?coord_type=gcj02", json=doc,
                       headers=auth.headers("da"))
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["code"] in ("org.import_invalid", "validation_error")
    assert unit_count(app) == before


def test_cli_refuses_bad_file_and_writes_nothing(app, tmp_path, imported):
    """The CLI exits non-zero, names the problem, and imports nothing."""
    before = unit_count(app)
    doc = town()
    doc["features"].append(feature("T-X", "grid", "MISSING", square(W, S, E, N)))
    result = run_import(app, doc, tmp_path=tmp_path)
    assert result.exit_code != 0
    assert "MISSING" in result.output
    assert unit_count(app) == before


def test_overlaps_and_gaps_are_reported(client, auth, app, imported):
    """Sibling grids that overlap, or leave part of the community uncovered, are named."""
    make_staff(app, "da", "district_admin", "T-D")
    doc = {"type": "FeatureCollection", "features": [
        # B is redrawn to overlap A by 0.001° and to stop short of the community's east edge
        feature("T-B", "grid", "T-C", square(MID - 0.001, S, E - 0.002, N), name="B网格"),
    ]}
    resp = client.post("/api/v1/admin/org/import?coord_type=gcj02", json=doc,
                       headers=auth.headers("da"))
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["updated"] == 1 and body["created"] == 0
    (overlap,) = body["overlaps"]
    assert {overlap["a"], overlap["b"]} == {"T-A", "T-B"}
    assert overlap["area_m2"] == pytest.approx(96 * 2220, rel=0.1)
    assert body["gaps"][0]["parent"] == "T-C" and body["gaps"][0]["area_m2"] > 100_000


def test_import_outside_scope_is_404(client, auth, app, demo):
    """A street admin cannot hang units under another street."""
    doc = {"type": "FeatureCollection", "features": [
        feature("Z-C", "community", "DEMO-S1", square(120.10, 30.20, 120.11, 30.21))]}
    resp = client.post("/api/v1/admin/org/import?coord_type=gcj02", json=doc,
                       headers=auth.headers("demo-street-admin"))
    assert resp.status_code == 404
    assert unit_id(app, "Z-C") is None


def test_import_is_idempotent(client, auth, app, imported):
    """A retry with the same key replays; another body under the key → 422; a running key → 409."""
    make_staff(app, "da", "district_admin", "T-D")
    headers = auth.headers("da") | {"Idempotency-Key": "import-1"}
    doc = {"type": "FeatureCollection", "features": [
        feature("T-N", "grid", "T-C", square(MID, N, E, N + 0.02), name="北网格")]}
    url = "/api/v1/admin/org/import?coord_type=gcj02"
    first = client.post(url, json=doc, headers=headers)
    assert first.status_code == 200 and first.json["created"] == 1
    count = unit_count(app)
    again = client.post(url, json=doc, headers=headers)
    assert again.status_code == 200 and again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert unit_count(app) == count
    doc["features"][0]["properties"]["name"] = "改过的名字"
    other = client.post(url, json=doc, headers=headers)
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency.key_reused"
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.openid == "da"))
        db.session.add(IdempotencyKey(user_id=user_id, key="import-2", fingerprint="x" * 64))
        db.session.commit()
    running = client.post(url, json=doc, headers=headers | {"Idempotency-Key": "import-2"})
    assert running.status_code == 422  # fingerprint differs: refused before "in progress"
    with app.app_context():
        from suishoupai.idempotency import request_fingerprint
        with app.test_request_context(url, method="POST", json=doc):
            fingerprint = request_fingerprint()
        db.session.add(IdempotencyKey(user_id=user_id, key="import-3", fingerprint=fingerprint))
        db.session.commit()
    running = client.post(url, json=doc, headers=headers | {"Idempotency-Key": "import-3"})
    assert running.status_code == 409 and running.json["error"]["code"] == "idempotency.in_progress"


def test_failed_request_frees_its_key(client, auth, app, imported):
    """A request that fails leaves no key behind, so the corrected retry runs."""
    make_staff(app, "da", "district_admin", "T-D")
    headers = auth.headers("da") | {"Idempotency-Key": "k"}
    bad = {"type": "FeatureCollection", "features": [feature("Q", "grid", "NOPE", square(1, 1, 2, 2))]}
    assert client.post("/api/v1/admin/org/import?coord_type=gcj02", json=bad,
                       headers=headers).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def test_import_cannot_take_over_units_elsewhere(client, auth, app, demo):
    """Re-using another street's grid code → 404 and the grid is untouched."""
    target = unit_id(app, "DEMO-S1-C1-G01")
    with app.app_context():
        before = db.session.get(OrgUnit, target).geometry
    doc = {"type": "FeatureCollection", "features": [
        feature("DEMO-S1-C1-G01", "grid", "DEMO-S2-C1", square(120.10, 30.20, 120.11, 30.21))]}
    resp = client.post("/api/v1/admin/org/import?coord_type=gcj02", json=doc,
                       headers=auth.headers("demo-street-admin"))
    assert resp.status_code == 404 and resp.json["error"]["code"] == "org.unit_not_found"
    with app.app_context():
        unit = db.session.get(OrgUnit, target)
        assert unit.geometry == before and unit.name == "竹竿巷社区第1网格"


def test_odd_property_types_and_degenerate_shapes_are_problems(client, auth, app, imported):
    """A list as kind, or a zero-area polygon → 422 naming the feature, nothing imported."""
    make_staff(app, "da", "district_admin", "T-D")
    before = unit_count(app)
    for bad in (
        {"type": "Feature", "properties": {"code": "Q1", "name": "q", "kind": [1], "parent": "T-C"},
         "geometry": square(1, 1, 2, 2)},
        feature("Q2", "grid", "T-C", {"type": "Polygon", "coordinates": [
            [[120.1, 30.1], [120.2, 30.1], [120.1, 30.1], [120.2, 30.1]]]}),
    ):
        doc = {"type": "FeatureCollection", "features": [bad]}
        resp = client.post("/api/v1/admin/org/import?coord_type=gcj02", json=doc,
                           headers=auth.headers("da"))
        assert resp.status_code == 422 and resp.json["error"]["details"]["problems"][0]["feature"] == 0
    assert unit_count(app) == before


def test_self_intersecting_polygon_is_repaired_and_reported(client, auth, app, imported):
    """A bow-tie drawn by mistake is repaired, imported, and named in the summary."""
    make_staff(app, "da", "district_admin", "T-D")
    bowtie = {"type": "Polygon", "coordinates": [[[W, N + 0.01], [MID, N + 0.02], [MID, N + 0.01],
                                                  [W, N + 0.02], [W, N + 0.01]]]}
    doc = {"type": "FeatureCollection", "features": [feature("T-BOW", "grid", "T-C", bowtie)]}
    resp = client.post("/api/v1/admin/org/import?coord_type=gcj02", json=doc,
                       headers=auth.headers("da"))
    assert resp.status_code == 200 and resp.json["repaired"] == ["T-BOW"]


def test_same_key_for_two_users_is_two_keys(client, auth, app, imported):
    """Keys are scoped per user: another user's identical key runs its own request."""
    make_staff(app, "da", "district_admin", "T-D")
    make_staff(app, "da2", "district_admin", "T-D")
    url = "/api/v1/admin/org/import?coord_type=gcj02"
    first = client.post(url, json={"type": "FeatureCollection", "features": [
        feature("K1", "grid", "T-C", square(MID, N, E, N + 0.01))]},
        headers=auth.headers("da") | {"Idempotency-Key": "same"})
    second = client.post(url, json={"type": "FeatureCollection", "features": [
        feature("K2", "grid", "T-C", square(W, N, MID, N + 0.01))]},
        headers=auth.headers("da2") | {"Idempotency-Key": "same"})
    assert first.status_code == second.status_code == 200
    assert "Idempotent-Replayed" not in second.headers
    assert unit_id(app, "K1") and unit_id(app, "K2")


def test_stale_key_taken_over_and_the_slow_first_request_does_not_land(app, auth, client, imported):
    """After the lock time a retry takes the key; the first request, finishing late, gets 409."""
    from datetime import timedelta

    from sqlalchemy import update

    from suishoupai import idempotency
    from suishoupai.database import utcnow
    from suishoupai.errors import Conflict

    make_staff(app, "da", "district_admin", "T-D")
    user_id = auth.login("da")["user"]["id"]
    doc = {"type": "FeatureCollection", "features": [feature("L1", "grid", "T-C", square(1, 1, 2, 2))]}
    url = "/api/v1/admin/org/import?coord_type=gcj02"
    with app.test_request_context(url, method="POST", json=doc, headers={"Idempotency-Key": "slow"}):
        first = idempotency.claim(user_id)
        db.session.execute(update(idempotency.IdempotencyKey).values(
            updated_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
        retry = idempotency.claim(user_id)
        assert retry.record_id == first.record_id and retry.lease != first.lease
        from flask import Response

        with pytest.raises(Conflict):
            first.complete(Response("{}", status=200))
        db.session.rollback()
        first.release()  # the late first request cannot free the retry's key either
        retry.complete(Response('{"ok": 1}', status=200))
        db.session.commit()
        row = db.session.get(idempotency.IdempotencyKey, retry.record_id)
        assert row.state == "done" and row.body == '{"ok": 1}'
