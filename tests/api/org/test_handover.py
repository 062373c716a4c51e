"""Handing a grid's duty over in one step: the new member on duty, the old one backup or gone; a
refused handover changes nothing."""

import pytest
from sqlalchemy import select

from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.org.models import GridMember
from tests.helpers.org import make_staff, unit_id


def _members(app, grid):
    """The grid's members as {user_id: duty}, read from the database."""
    with app.app_context():
        return dict(db.session.execute(select(GridMember.user_id, GridMember.duty)
                                       .where(GridMember.grid_id == grid)).all())


def _role(app, user_id):
    """A user's role, read from the database."""
    with app.app_context():
        return db.session.get(User, user_id).role


@pytest.fixture
def town_grid(client, auth, app, imported):
    """Grid B of the test town with one member on duty and one backup, and the admin's headers."""
    make_staff(app, "ca", "community_admin", "T-C")
    admin = auth.headers("ca")
    grid = unit_id(app, "T-B")
    duty = auth.login("gm-duty")["user"]["id"]
    backup = auth.login("gm-backup")["user"]["id"]
    client.post(f"/api/v1/admin/grids/{grid}/members", json={"user_id": duty}, headers=admin)
    client.post(f"/api/v1/admin/grids/{grid}/members", json={"user_id": backup, "duty": "backup"},
                headers=admin)
    return {"grid": grid, "duty": duty, "backup": backup, "admin": admin}


def _hand(client, t, **body):
    """POST a handover of the fixture's grid as its admin."""
    return client.post(f"/api/v1/admin/grids/{t['grid']}/handover", json=body, headers=t["admin"])


def test_handover_to_the_backup_keeps_the_old_one_as_backup(client, app, town_grid):
    """The backup goes on duty, the old holder becomes backup, in one call."""
    t = town_grid
    resp = _hand(client, t, from_user_id=t["duty"], to_user_id=t["backup"])
    assert resp.status_code == 200, resp.json
    assert resp.json["code"] == "T-B"
    assert {m["user_id"]: m["duty"] for m in resp.json["members"]} == {
        t["duty"]: "backup", t["backup"]: "on_duty"}
    assert _members(app, t["grid"]) == {t["duty"]: "backup", t["backup"]: "on_duty"}


def test_handover_to_a_newcomer_who_leaves_the_old_one_a_resident(client, auth, app, town_grid):
    """A resident taking over becomes a grid member; the leaver, on no grid now, a resident."""
    t = town_grid
    newcomer = auth.login("newcomer")["user"]["id"]
    resp = _hand(client, t, from_user_id=t["duty"], to_user_id=newcomer, old="remove")
    assert resp.status_code == 200, resp.json
    assert _members(app, t["grid"]) == {t["backup"]: "backup", newcomer: "on_duty"}
    assert _role(app, newcomer) == "grid_member"
    assert _role(app, t["duty"]) == "resident"


@pytest.mark.parametrize(("case", "status", "code"), [
    ("same", 422, "org.handover_same_member"),
    ("giver_not_member", 404, "org.member_not_found"),
    ("giver_not_on_duty", 409, "org.handover_not_on_duty"),
    ("taker_unknown", 404, "org.user_not_found"),
    ("taker_out_of_reach", 404, "org.user_not_found"),
    ("taker_staff", 409, "org.member_role_conflict"),
    ("bad_old", 422, "validation_error"),
])
def test_refused_handover_changes_nothing(client, auth, app, town_grid, case, status, code):
    """Each bad input is its own Chinese 4xx with a stable code, and the grid stays as it was."""
    t = town_grid
    outsider = auth.login("outsider")["user"]["id"]
    make_staff(app, "other-admin", "community_admin", "T-C")
    with app.app_context():
        staff = db.session.scalar(select(User.id).where(User.openid == "other-admin"))
    # placed at the street, above the community admin's reach
    make_staff(app, "street-staff", "resident", "T-S")
    with app.app_context():
        far = db.session.scalar(select(User.id).where(User.openid == "street-staff"))
    body = {
        "same": {"from_user_id": t["duty"], "to_user_id": t["duty"]},
        "giver_not_member": {"from_user_id": outsider, "to_user_id": t["backup"]},
        "giver_not_on_duty": {"from_user_id": t["backup"], "to_user_id": outsider},
        "taker_unknown": {"from_user_id": t["duty"], "to_user_id": 999999},
        "taker_out_of_reach": {"from_user_id": t["duty"], "to_user_id": far},
        "taker_staff": {"from_user_id": t["duty"], "to_user_id": staff},
        "bad_old": {"from_user_id": t["duty"], "to_user_id": t["backup"], "old": "fire"},
    }[case]
    before = _members(app, t["grid"])
    resp = _hand(client, t, **body)
    assert resp.status_code == status, resp.json
    assert resp.json["error"]["code"] == code
    assert resp.json["error"]["message"] and not resp.json["error"]["message"].isascii()
    assert _members(app, t["grid"]) == before
    assert _role(app, outsider) == "resident" and _role(app, t["duty"]) == "grid_member"


def test_handover_outside_scope_and_by_a_resident(client, auth, app, town_grid):
    """Callers who are not admins (a resident, a grid member) get 403; nothing changes."""
    t = town_grid
    before = _members(app, t["grid"])
    body = {"from_user_id": t["duty"], "to_user_id": t["backup"]}
    resp = client.post(f"/api/v1/admin/grids/{t['grid']}/handover", json=body,
                       headers=auth.headers("gm-backup"))
    assert resp.status_code == 403 and resp.json["error"]["code"] == "auth.forbidden"
    make_staff(app, "grid-a-admin", "grid_member", "T-A")
    resp = client.post(f"/api/v1/admin/grids/{t['grid']}/handover", json=body,
                       headers=auth.headers("grid-a-admin"))
    assert resp.status_code == 403
    assert _members(app, t["grid"]) == before
