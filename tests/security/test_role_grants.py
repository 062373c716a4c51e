"""Role grants stay inside the granter's reach: every granter role × every role × a place inside and outside
their reach, over HTTP, with what each refusal leaves unchanged and what each grant records."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from suishoupai.auth.models import Role, RoleChange, User
from suishoupai.extensions import db
from suishoupai.org.models import Department, GridMember, OrgUnit

#: the README's grant table, written out as the expected answers (not read from the code)
GRANTABLE = {
    "community_admin": {"resident"},
    "street_admin": {"resident", "community_admin"},
    "district_admin": {"resident", "community_admin", "street_admin", "department"},
}
#: roles given by their own step: grid duty by the grid member list, riders and volunteers by review
GRID_WAY, REVIEW_WAY = {"grid_member"}, {"rider", "volunteer"}
DEMO = {"resident": "demo-resident", "rider": "demo-rider", "volunteer": "demo-volunteer",
        "grid_member": "demo-grid-member", "department": "demo-department",
        "community_admin": "demo-community-admin", "street_admin": "demo-street-admin",
        "district_admin": "demo-district-admin"}
#: where each role is held, to pick a place inside or outside the granter's reach
PLACE = {"resident": "community", "rider": "community", "volunteer": "community", "grid_member": "grid",
         "department": "department", "community_admin": "community", "street_admin": "street",
         "district_admin": "district"}


def _unit(parent: OrgUnit | None, kind: str, code: str) -> OrgUnit:
    """A bare org unit under a parent, with its materialised path."""
    unit = OrgUnit(kind=kind, code=code, name=code, parent_id=parent.id if parent else None)
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    unit.community_id = unit.id if kind == "community" else (parent.community_id if parent else None)
    return unit


@pytest.fixture
def places(app, demo):
    """For each granter role: a place of every kind inside their reach and one outside it."""
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.openid == "demo-community-admin"))
        community = db.session.get(OrgUnit, admin.org_unit_id)
        street = db.session.get(OrgUnit, community.parent_id)
        district = db.session.get(OrgUnit, street.parent_id)
        grid = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id == community.id,
                                                       OrgUnit.kind == "grid"))
        sibling = db.session.scalar(select(OrgUnit).where(
            OrgUnit.parent_id == street.id, OrgUnit.id != community.id, OrgUnit.kind == "community"))
        sibling_grid = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id == sibling.id))
        other_street = db.session.scalar(select(OrgUnit).where(
            OrgUnit.parent_id == district.id, OrgUnit.id != street.id))
        far_community = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id == other_street.id))
        far_grid = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id == far_community.id))
        # a second district, with a department of its own
        other_district = _unit(None, "district", "OTHER-D")
        o_street = _unit(other_district, "street", "OTHER-S")
        o_community = _unit(o_street, "community", "OTHER-C")
        o_grid = _unit(o_community, "grid", "OTHER-G")
        own_dept = db.session.scalar(select(Department).where(Department.district_id == district.id))
        other_dept = Department(code="OTHER-DEPT", name="外区城管", district_id=other_district.id)
        db.session.add(other_dept)
        db.session.commit()
        inside_all = {"community": community.id, "grid": grid.id, "street": street.id,
                      "district": district.id, "department": own_dept.id}
        result = {
            "community_admin": (inside_all, {"community": sibling.id, "grid": sibling_grid.id,
                                             "street": other_street.id, "district": other_district.id,
                                             "department": own_dept.id}),
            "street_admin": (inside_all, {"community": far_community.id, "grid": far_grid.id,
                                          "street": other_street.id, "district": other_district.id,
                                          "department": own_dept.id}),
            "district_admin": (inside_all, {"community": o_community.id, "grid": o_grid.id,
                                            "street": o_street.id, "district": other_district.id,
                                            "department": other_dept.id}),
        }
    for role in ("resident", "rider", "volunteer", "grid_member", "department"):
        result[role] = result["community_admin"]
    return result


def _body(role: str, place_id: int) -> dict:
    """The PUT body granting a role at a place."""
    if PLACE[role] == "department":
        return {"role": role, "department_id": place_id}
    return {"role": role, "org_unit_id": place_id}


def _expected(granter: str, role: str, inside: bool) -> tuple[int, str | None]:
    """What the grant table promises for this cell: (status, error code)."""
    if granter not in GRANTABLE:
        return 403, "auth.forbidden"
    if role in GRID_WAY:
        if not inside:
            return 404, "org.grid_not_found"
        return 200, None
    if role in REVIEW_WAY:
        return 403, "auth.use_review"
    if role not in GRANTABLE[granter]:
        return 403, "auth.role_not_grantable"
    if not inside:
        return 404, "org.department_not_found" if role == "department" else "org.unit_not_found"
    return 200, None


def _state(app, user_id: int) -> tuple:
    """A user's role, unit, department, grids and recorded changes."""
    with app.app_context():
        user = db.session.get(User, user_id)
        grids = sorted(db.session.scalars(select(GridMember.grid_id).where(GridMember.user_id == user_id)))
        changes = db.session.scalars(select(RoleChange).where(RoleChange.user_id == user_id)).all()
        return (user.role, user.org_unit_id, user.department_id, grids,
                [(c.actor_id, c.role_before, c.role_after, c.unit_after_id, c.department_after_id, c.grid_id)
                 for c in changes])


@pytest.mark.parametrize("granter", list(DEMO))
def test_every_role_at_every_place_is_granted_only_as_the_table_says(client, auth, app, places, granter):
    """Each granter tries every role at a place inside and one outside their reach, on a fresh account:
    grants the table allows inside their reach succeed and are recorded; everything else is a 403/404 in
    the envelope that changes nothing and records nothing."""
    login = auth.login(DEMO[granter])
    headers, granter_id = {"Authorization": "Bearer " + login["token"]}, login["user"]["id"]
    inside, outside = places[granter]
    for role in DEMO:
        for where, place in (("inside", inside), ("outside", outside)):
            target = auth.login(f"target-{granter}-{role}-{where}")["user"]["id"]
            before = _state(app, target)
            place_id = place[PLACE[role]]
            if role in GRID_WAY:
                resp = client.post(f"/api/v1/admin/grids/{place_id}/members",
                                   json={"user_id": target, "duty": "on_duty"}, headers=headers)
            else:
                resp = client.put(f"/api/v1/admin/users/{target}/role", json=_body(role, place_id),
                                  headers=headers)
            status, code = _expected(granter, role, where == "inside")
            cell = f"{granter} grants {role} {where}"
            assert resp.status_code == status, (cell, resp.json)
            if code is not None:
                assert resp.json["error"]["code"] == code, cell
                assert resp.json["error"]["message"], cell
                assert _state(app, target) == before, cell
                continue
            role_now, unit, dept, grids, changes = _state(app, target)
            assert role_now == role, cell
            if role in GRID_WAY:
                assert grids == [place_id] and changes[-1][0] == granter_id, cell
                assert changes[-1][5] == place_id, cell
            else:
                assert (unit, dept) == ((None, place_id) if role == "department" else (place_id, None)), cell
                assert changes == [(granter_id, "resident", role, unit, dept, None)], cell


def test_a_community_admin_cannot_make_department_staff(client, auth, app, places):
    """The reported attack: a community admin making an unattached account department staff of the district
    is refused, and the account sees no transferred case."""
    target = auth.login("would-be-inspector")
    with app.app_context():
        dept = db.session.scalar(select(Department.id).where(Department.code == "DEMO-CG"))
    resp = client.put(f"/api/v1/admin/users/{target['user']['id']}/role",
                      json={"role": "department", "department_id": dept},
                      headers=auth.headers("demo-community-admin"))
    assert resp.status_code == 403 and resp.json["error"]["code"] == "auth.role_not_grantable"
    me = client.get("/api/v1/me", headers={"Authorization": "Bearer " + target["token"]}).json
    assert me["role"] == "resident" and me["department"] is None


@pytest.mark.parametrize("granter", ["community_admin", "street_admin"])
def test_users_placed_outside_the_reach_cannot_be_changed(client, auth, app, places, granter):
    """Staff placed outside a granter's reach are "not found" to them, whatever role is asked."""
    _, outside = places[granter]
    with app.app_context():
        elsewhere = User(openid=f"elsewhere-{granter}", role=Role.COMMUNITY_ADMIN,
                         org_unit_id=outside["community"])
        db.session.add(elsewhere)
        db.session.commit()
        target = elsewhere.id
    before = _state(app, target)
    headers = auth.headers(DEMO[granter])
    for body in ({"role": "resident"}, {"role": "community_admin", "org_unit_id": outside["community"]}):
        resp = client.put(f"/api/v1/admin/users/{target}/role", json=body, headers=headers)
        assert resp.status_code == 404 and resp.json["error"]["code"] == "auth.user_not_found"
    assert _state(app, target) == before


def test_revocations_are_recorded_and_listed_within_reach(client, auth, app, places):
    """A grant and its revocation are both recorded with who, whom, what and when; admins list the changes
    inside their reach and not those outside it; others may not list."""
    inside, _ = places["street_admin"]
    street = auth.headers("demo-street-admin")
    street_id = auth.login("demo-street-admin")["user"]["id"]
    target = auth.login("short-lived-admin")["user"]["id"]
    url = f"/api/v1/admin/users/{target}/role"
    assert client.put(url, json={"role": "community_admin", "org_unit_id": inside["community"]},
                      headers=street).status_code == 200
    assert client.put(url, json={"role": "resident"}, headers=street).status_code == 200
    listed = client.get(f"/api/v1/admin/role-changes?user_id={target}", headers=street)
    assert listed.status_code == 200
    rows = [(r["actor_id"], r["role_before"], r["role_after"], r["unit_before_id"], r["unit_after_id"],
             r["via"]) for r in listed.json["items"]]
    assert rows == [(street_id, "community_admin", "resident", inside["community"], None, "auth.grant_role"),
                    (street_id, "resident", "community_admin", None, inside["community"], "auth.grant_role")]
    assert all(r["created_at"] for r in listed.json["items"])
    # the district sees them too; another street's community admin does not
    district = client.get(f"/api/v1/admin/role-changes?user_id={target}",
                          headers=auth.headers("demo-district-admin")).json["items"]
    assert len(district) == 2
    with app.app_context():
        far = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "OTHER-C"))
        db.session.add(User(openid="far-admin", role=Role.COMMUNITY_ADMIN, org_unit_id=far))
        db.session.commit()
    assert client.get(f"/api/v1/admin/role-changes?user_id={target}",
                      headers=auth.headers("far-admin")).json["items"] == []
    resp = client.get("/api/v1/admin/role-changes", headers=auth.headers("demo-resident"))
    assert resp.status_code == 403 and resp.json["error"]["code"] == "auth.forbidden"


def test_grid_duty_and_rider_verification_are_recorded_too(client, auth, app, places):
    """Changes made by other steps (grid members, rider verification) land in the same record."""
    inside, _ = places["community_admin"]
    admin = auth.headers("demo-community-admin")
    admin_id = auth.login("demo-community-admin")["user"]["id"]
    member = auth.login("new-member")["user"]["id"]
    assert client.post(f"/api/v1/admin/grids/{inside['grid']}/members",
                       json={"user_id": member, "duty": "on_duty"}, headers=admin).status_code == 200
    assert client.delete(f"/api/v1/admin/grids/{inside['grid']}/members/{member}",
                         headers=admin).status_code == 200
    items = client.get(f"/api/v1/admin/role-changes?user_id={member}", headers=admin).json["items"]
    assert {(i["actor_id"], i["role_before"], i["role_after"], i["grid_id"]) for i in items} == {
        (admin_id, None, "grid_member", inside["grid"]), (admin_id, "resident", "grid_member", None),
        (admin_id, "grid_member", None, inside["grid"]), (admin_id, "grid_member", "resident", None)}
    rider = auth.headers("rider-to-be")
    rider_id = auth.login("rider-to-be")["user"]["id"]
    reg = client.post("/api/v1/riders", json={"platform": "美团", "courier_id": "MT-1",
                                              "phone": "13912340000",
                                              "home_community_id": inside["community"]}, headers=rider)
    assert reg.status_code == 201, reg.json
    assert client.post(f"/api/v1/riders/{reg.json['id']}/verify", json={"decision": "approve"},
                       headers=admin).status_code == 200
    items = client.get(f"/api/v1/admin/role-changes?user_id={rider_id}", headers=admin).json["items"]
    assert [(i["actor_id"], i["role_before"], i["role_after"], i["via"]) for i in items] == [
        (admin_id, "resident", "rider", "points.verify_rider")]


def test_a_rider_is_placed_by_their_registration(client, auth, app, places):
    """A rider (or volunteer) registered in one community is out of reach of another community's admin,
    and inside their own community admin's reach."""
    inside, outside = places["community_admin"]
    rider = auth.headers("registered-rider")
    rider_id = auth.login("registered-rider")["user"]["id"]
    reg = client.post("/api/v1/riders", json={"platform": "饿了么", "courier_id": "ELM-9",
                                              "phone": "13912349999",
                                              "home_community_id": outside["community"]}, headers=rider)
    assert reg.status_code == 201, reg.json
    with app.app_context():
        db.session.get(User, rider_id).role = Role.RIDER
        db.session.commit()
    url = f"/api/v1/admin/users/{rider_id}/role"
    resp = client.put(url, json={"role": "resident"}, headers=auth.headers("demo-community-admin"))
    assert resp.status_code == 404 and resp.json["error"]["code"] == "auth.user_not_found"
    assert _state(app, rider_id)[0] == "rider"
    # the street over both communities reaches them
    resp = client.put(url, json={"role": "resident"}, headers=auth.headers("demo-street-admin"))
    assert resp.status_code == 200 and resp.json["role"] == "resident"
