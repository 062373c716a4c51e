"""Who sees which part of the org tree: grid members, admins, members, filters and cursors."""

import json

from sqlalchemy import func, select

from suishoupai.auth.models import User
from suishoupai.extensions import db
from tests.helpers.org import make_staff, unit_id


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
