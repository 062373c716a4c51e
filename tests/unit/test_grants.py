"""The grant table: who may grant which role, where (pure)."""

import re
from pathlib import Path

from suishoupai.auth import grants
from suishoupai.auth.grants import Place, Way
from suishoupai.auth.models import ADMIN_ROLES, ROLE_LABELS, Role

#: the order of authority the table must respect
RANK = [Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN]


def test_no_one_grants_their_own_role_or_a_higher_one():
    """An administrator grants only roles below their own (no self-replication, no climbing)."""
    for granter, roles in grants.GRANTS.items():
        for role in roles:
            assert role not in RANK or RANK.index(role) < RANK.index(granter), (granter, role)


def test_department_staff_are_made_only_by_the_district():
    """There is no department-admin role: only district admins hold the department role."""
    assert [g for g in grants.GRANTS if grants.way(g, Role.DEPARTMENT)] == [Role.DISTRICT_ADMIN]
    assert grants.PLACE[Role.DEPARTMENT] == Place.DEPARTMENT


def test_only_administrators_grant_and_every_role_has_a_place():
    """Residents, riders, volunteers, grid members and department staff grant nothing."""
    assert set(grants.GRANTS) == set(RANK)
    assert set(grants.PLACE) == set(Role)
    for role in (Role.RESIDENT, Role.RIDER, Role.VOLUNTEER, Role.GRID_MEMBER, Role.DEPARTMENT):
        assert not grants.may_hold_over(role, Role.RESIDENT)


def test_roles_with_their_own_step_are_not_granted_by_role_change():
    """Grid duty through the grid member list; riders and volunteers through their registration's review."""
    for granter in grants.GRANTS:
        assert grants.way(granter, Role.GRID_MEMBER) == Way.GRID
        assert grants.way(granter, Role.RIDER) == grants.way(granter, Role.VOLUNTEER) == Way.REVIEW


def test_the_readme_shows_the_same_table():
    """The README's grant table lists exactly the rows of the code's."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)` \| (\w+) \| `(\w+)` \|", readme, re.MULTILINE)
    assert sorted(rows) == sorted((r["granter"], r["role"], r["place"], r["way"]) for r in grants.table())


def test_every_role_has_one_label_and_admins_are_the_tree_roles():
    """Each role is named once, in the product's words; the admin roles are those that run a unit."""
    assert set(ROLE_LABELS) == {*Role, "system"}
    assert ROLE_LABELS[Role.RIDER] == "新就业群体" and ROLE_LABELS[Role.DEPARTMENT] == "职能部门"
    assert {grants.PLACE[r] for r in ADMIN_ROLES} == {Place.COMMUNITY, Place.STREET, Place.DISTRICT}
