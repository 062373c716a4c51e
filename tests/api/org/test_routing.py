"""Routing over imported boundaries: points to grids, datums, on-duty members, new boundaries."""

import json

import pytest

from suishoupai.extensions import db
from suishoupai.org import geo
from suishoupai.org.models import OrgUnit
from tests.helpers.org import MID, E, N, S, W, feature, make_staff, square, unit_id


def locate(client, headers, lat, lng, coord_type="gcj02"):
    """Ask who handles a spot."""
    resp = client.get("/api/v1/grids/locate",
                      query_string={"lat": lat, "lng": lng, "coord_type": coord_type},
                      headers=headers)
    assert resp.status_code == 200, resp.json
    return resp.json


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
