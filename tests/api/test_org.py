"""Importing boundaries, routing points to grids, scope of the admin views."""

import json

import pytest
from sqlalchemy import func, select

from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.idempotency import IdempotencyKey
from suishoupai.org import geo
from suishoupai.org.models import OrgUnit

# a small town drawn in GCJ-02 around (30.27, 120.16): two grids side by side, a micro-grid in A
W, S, E, N, MID = 120.150, 30.260, 120.170, 30.280, 120.160


def square(w, s, e, n):
    """A GeoJSON polygon ring in [lng, lat]."""
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def feature(code, kind, parent=None, geometry=None, name=None):
    """One import feature."""
    props = {"code": code, "name": name or code, "kind": kind}
    if parent:
        props["parent"] = parent
    return {"type": "Feature", "properties": props, "geometry": geometry}


def town():
    """District → street → community → grids A, B and micro-grid A1 (GCJ-02)."""
    return {"type": "FeatureCollection", "features": [
        feature("T-D", "district", name="测试区"),
        feature("T-S", "street", "T-D", name="测试街道"),
        feature("T-C", "community", "T-S", square(W, S, E, N), name="测试社区"),
        feature("T-A", "grid", "T-C", square(W, S, MID, N), name="A网格"),
        feature("T-B", "grid", "T-C", square(MID, S, E, N), name="B网格"),
        feature("T-A1", "microgrid", "T-A", square(120.152, 30.262, 120.155, 30.265), name="A1微网格"),
    ]}


def run_import(app, doc, coord_type="gcj02", tmp_path=None):
    """Import through the CLI, as an operator would."""
    path = tmp_path / "units.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return app.test_cli_runner().invoke(args=["org", "import", str(path), "--coord-type", coord_type])


def unit_id(app, code):
    """The id of a unit by its code."""
    with app.app_context():
        return db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))


def make_staff(app, openid, role, unit_code=None):
    """Create a staff account scoped to a unit."""
    with app.app_context():
        user = User(openid=openid, role=role, real_name=openid,
                    org_unit_id=db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == unit_code))
                    if unit_code else None)
        db.session.add(user)
        db.session.commit()
        return user.id


def unit_count(app):
    """How many org units exist."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OrgUnit))


@pytest.fixture
def imported(app, tmp_path):
    """The test town, imported through the CLI."""
    result = run_import(app, town(), tmp_path=tmp_path)
    assert result.exit_code == 0, result.output
    return result


def locate(client, headers, lat, lng, coord_type="gcj02"):
    """Ask who handles a spot."""
    resp = client.get("/api/v1/grids/locate",
                      query_string={"lat": lat, "lng": lng, "coord_type": coord_type},
                      headers=headers)
    assert resp.status_code == 200, resp.json
    return resp.json


def test_cli_import_summarises(imported):
    """The CLI prints what it created."""
    assert "新建 6" in imported.output


def test_gcj02_file_routes_known_points(client, auth, imported):
    """Points given in GCJ-02 land in the grid drawn around them, micro-grids innermost."""
    headers = auth.headers("r1")
    assert locate(client, headers, 30.270, 120.155)["grid"]["code"] == "T-A"
    assert locate(client, headers, 30.270, 120.165)["grid"]["code"] == "T-B"
    assert locate(client, headers, 30.2635, 120.1535)["grid"]["code"] == "T-A1"
    # the same spot given in WGS-84 is a few hundred metres away: converted before routing
    wlat, wlng = geo.gcj02_to_wgs84(30.270, 120.1655)
    found = locate(client, headers, wlat, wlng, "wgs84")
    assert found["grid"]["code"] == "T-B" and found["community"]["code"] == "T-C"
    assert found["street"]["name"] == "测试街道"


def test_point_outside_every_grid_reaches_community_queue(client, auth, imported):
    """A spot in no grid goes to the nearest grid's community, never dropped."""
    found = locate(client, auth.headers("r1"), 30.300, 120.190)
    assert found["inside"] is False and found["grid"] is None
    assert found["community"]["code"] == "T-C" and found["member"] is None


def test_geometry_stored_wgs84_answered_in_requested_datum(client, auth, app, imported):
    """Canonical storage is WGS-84; answers come in GCJ-02 by default or WGS-84 on request."""
    make_staff(app, "da", "district_admin", "T-D")
    headers = auth.headers("da")
    grid = unit_id(app, "T-A")
    gcj = client.get(f"/api/v1/admin/grids/{grid}", headers=headers).json
    wgs = client.get(f"/api/v1/admin/grids/{grid}?coord_type=wgs84", headers=headers).json
    corner_gcj = gcj["geometry"]["coordinates"][0][0]
    corner_wgs = wgs["geometry"]["coordinates"][0][0]
    assert corner_gcj == pytest.approx([W, S], abs=1e-7)
    assert geo.distance_m(corner_wgs[1], corner_wgs[0], S, W) > 100  # the GCJ-02 offset
    with app.app_context():
        stored = json.loads(db.session.get(OrgUnit, grid).geometry)
    assert stored["coordinates"][0][0] == pytest.approx(corner_wgs, abs=1e-9)


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


def test_new_boundaries_route_without_restart(client, auth, app, imported):
    """An import moves the spatial index of the running app (revision check)."""
    make_staff(app, "da", "district_admin", "T-D")
    headers = auth.headers("da")
    assert locate(client, headers, 30.290, 120.165)["inside"] is False
    doc = {"type": "FeatureCollection", "features": [
        feature("T-N", "grid", "T-C", square(MID, N, E, N + 0.02), name="北网格")]}
    assert client.post("/api/v1/admin/org/import?coord_type=gcj02", json=doc,
                       headers=headers).status_code == 200
    assert locate(client, headers, 30.290, 120.165)["grid"]["code"] == "T-N"


def test_on_duty_member_least_loaded_and_backup(client, auth, app, imported):
    """The locate answer names the on-duty member; a backup only when nobody is on duty."""
    make_staff(app, "ca", "community_admin", "T-C")
    admin = auth.headers("ca")
    grid = unit_id(app, "T-B")
    duty_id = auth.login("gm-duty")["user"]["id"]
    backup_id = auth.login("gm-backup")["user"]["id"]
    client.patch("/api/v1/me", json={"real_name": "值班员", "phone": "13811112222"},
                 headers=auth.headers("gm-duty"))
    client.patch("/api/v1/me", json={"real_name": "备班员"}, headers=auth.headers("gm-backup"))
    resp = client.post(f"/api/v1/admin/grids/{grid}/members",
                       json={"user_id": backup_id, "duty": "backup"}, headers=admin)
    assert resp.status_code == 200
    assert locate(client, admin, 30.270, 120.165)["member"]["name"] == "备班员"
    client.post(f"/api/v1/admin/grids/{grid}/members", json={"user_id": duty_id}, headers=admin)
    member = locate(client, admin, 30.270, 120.165)["member"]
    assert member == {"name": "值班员", "phone": "138****2222"}
    resp = client.delete(f"/api/v1/admin/grids/{grid}/members/{duty_id}", headers=admin)
    assert [m["user_id"] for m in resp.json["members"]] == [backup_id]


def test_grid_member_cannot_see_another_grid(client, auth, app, imported):
    """Grid A's member asking for grid B → 404; their list holds only their grid."""
    make_staff(app, "ca", "community_admin", "T-C")
    gm = auth.login("gm-a")["user"]["id"]
    client.post(f"/api/v1/admin/grids/{unit_id(app, 'T-A')}/members", json={"user_id": gm},
                headers=auth.headers("ca"))
    headers = auth.headers("gm-a")
    assert client.get(f"/api/v1/admin/grids/{unit_id(app, 'T-A')}", headers=headers).status_code == 200
    resp = client.get(f"/api/v1/admin/grids/{unit_id(app, 'T-B')}", headers=headers)
    assert resp.status_code == 404 and resp.json["error"]["code"] == "org.grid_not_found"
    codes = {g["code"] for g in client.get("/api/v1/admin/grids", headers=headers).json["items"]}
    assert codes == {"T-A", "T-A1"}


def test_scopes_of_admins(client, auth, app, demo):
    """A street admin sees only their street; a community admin edits only their grids; residents get 403."""
    street_admin = auth.headers("demo-street-admin")
    tree = client.get("/api/v1/admin/org", headers=street_admin).json
    assert len(tree) == 1 and tree[0]["kind"] == "street"
    other_street_grid = unit_id(app, "DEMO-S1-C1-G01")
    own_street_grid = unit_id(app, "DEMO-S2-C1-G01")
    assert client.get(f"/api/v1/admin/grids/{other_street_grid}", headers=street_admin).status_code == 404
    assert client.get(f"/api/v1/admin/grids/{own_street_grid}", headers=street_admin).status_code == 200
    resident = auth.login("demo-resident")["user"]["id"]
    resp = client.post(f"/api/v1/admin/grids/{other_street_grid}/members",
                       json={"user_id": resident}, headers=auth.headers("demo-community-admin"))
    assert resp.status_code == 404
    resp = client.get("/api/v1/admin/org", headers=auth.headers("demo-resident"))
    assert resp.status_code == 403 and resp.json["error"]["code"] == "auth.forbidden"
    listed = client.get("/api/v1/admin/grids?limit=100", headers=auth.headers("demo-district-admin"))
    assert len(listed.json["items"]) == demo["grids"] == 50


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


def test_members_from_another_scope_cannot_be_borrowed(client, auth, app, demo):
    """A community admin cannot put another street's grid member on their grid; nothing changes."""
    from suishoupai.org.models import GridMember

    with app.app_context():
        s1_member = db.session.scalar(select(User.id).where(User.openid.like("demo-gm-demo-s1-%")))
        before = db.session.scalar(select(func.count()).select_from(GridMember))
    own_grid = unit_id(app, "DEMO-S2-C2-G02")
    resp = client.post(f"/api/v1/admin/grids/{own_grid}/members", json={"user_id": s1_member},
                       headers=auth.headers("demo-community-admin"))
    assert resp.status_code == 404 and resp.json["error"]["code"] == "org.user_not_found"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(GridMember)) == before


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


def test_community_filter_and_its_scope(client, auth, app, demo):
    """?community= filters to that community; another street's community → 404."""
    headers = auth.headers("demo-street-admin")
    own = unit_id(app, "DEMO-S2-C2")
    page = client.get(f"/api/v1/admin/grids?community={own}&limit=100", headers=headers).json
    assert len(page["items"]) == 10 and {g["community_id"] for g in page["items"]} == {own}
    other = unit_id(app, "DEMO-S1-C1")
    resp = client.get(f"/api/v1/admin/grids?community={other}", headers=headers)
    assert resp.status_code == 404 and resp.json["error"]["code"] == "org.community_not_found"
    # a grid member reaches the community of their own grid
    gm = auth.headers("demo-grid-member")
    page = client.get(f"/api/v1/admin/grids?community={own}", headers=gm).json
    assert [g["code"] for g in page["items"]] == ["DEMO-S2-C2-G01"]


def test_cursor_walks_every_grid_once_and_refuses_forgeries(client, auth, demo):
    """Pages of 7 cover all 50 grids exactly once; a forged cursor is a 422, never a 500."""
    import base64

    headers = auth.headers("demo-district-admin")
    seen, cursor = [], None
    while True:
        query = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/admin/grids", query_string=query, headers=headers).json
        seen += [g["id"] for g in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 50 and seen == sorted(seen, reverse=True)
    for forged in ([2**63], ["x"], [1, 2], {"a": 1}, [True]):
        token = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode()
        resp = client.get(f"/api/v1/admin/grids?cursor={token}", headers=headers)
        assert resp.status_code == 422 and resp.json["error"]["code"] == "pagination.bad_cursor"


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
