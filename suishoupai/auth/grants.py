"""Who may grant which role, where: the one table every role change asks (pure, no database)."""

from __future__ import annotations

from enum import StrEnum

from suishoupai.auth.models import Role


class Way(StrEnum):
    """The step through which a role is granted and taken away."""

    #: PUT /admin/users/{id}/role
    ROLE = "role"
    #: POST/DELETE /admin/grids/{id}/members
    GRID = "grid_members"
    #: the registration's own review (riders: POST /riders/{id}/verify; 双报到 volunteers)
    REVIEW = "review"


class Place(StrEnum):
    """What a role is held at: the org unit or department named with it."""

    NONE = "none"
    COMMUNITY = "community"
    STREET = "street"
    DISTRICT = "district"
    GRID = "grid"
    DEPARTMENT = "department"


#: where each role is held; the place must lie inside the granter's reach (a department: in their district)
PLACE: dict[Role, Place] = {
    Role.RESIDENT: Place.NONE,
    Role.RIDER: Place.COMMUNITY,
    Role.VOLUNTEER: Place.COMMUNITY,
    Role.GRID_MEMBER: Place.GRID,
    Role.DEPARTMENT: Place.DEPARTMENT,
    Role.COMMUNITY_ADMIN: Place.COMMUNITY,
    Role.STREET_ADMIN: Place.STREET,
    Role.DISTRICT_ADMIN: Place.DISTRICT,
}

_BASE = {Role.RESIDENT: Way.ROLE, Role.RIDER: Way.REVIEW, Role.VOLUNTEER: Way.REVIEW,
         Role.GRID_MEMBER: Way.GRID}
#: granter's role → the roles they may grant and take away (inside their reach), and through which step.
#: Department staff are made only by their district's admins: there is no department-admin role.
#: District admins are made by the deployment (`flask demo seed`, the database), never through the API.
GRANTS: dict[Role, dict[Role, Way]] = {
    Role.COMMUNITY_ADMIN: dict(_BASE),
    Role.STREET_ADMIN: {**_BASE, Role.COMMUNITY_ADMIN: Way.ROLE},
    Role.DISTRICT_ADMIN: {**_BASE, Role.COMMUNITY_ADMIN: Way.ROLE, Role.STREET_ADMIN: Way.ROLE,
                          Role.DEPARTMENT: Way.ROLE},
}


def way(granter: Role, role: Role) -> Way | None:
    """The step through which the granter may give (or take away) this role; None if they may not."""
    return GRANTS.get(granter, {}).get(role)


def may_hold_over(granter: Role, role: Role) -> bool:
    """Whether the granter may change anything about a user now holding this role."""
    return way(granter, role) is not None


def table() -> list[dict]:
    """The table as rows (granter, role, place, way), for the README and tests."""
    return [{"granter": g.value, "role": r.value, "place": PLACE[r].value, "way": w.value}
            for g, roles in GRANTS.items() for r, w in roles.items()]
