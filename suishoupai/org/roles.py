"""Granting a role at a place of the tree, as the grant table allows, inside the granter's reach."""

from __future__ import annotations

from sqlalchemy import select

from suishoupai.auth import grants
from suishoupai.auth.grants import Place, Way
from suishoupai.auth.models import ROLE_LABELS, Role, User
from suishoupai.auth.service import profile
from suishoupai.errors import Forbidden, InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.models import Department, OrgUnit
from suishoupai.org.scope import reaches

#: the kind of org unit each place is
UNIT_KIND = {Place.COMMUNITY: "community", Place.STREET: "street", Place.DISTRICT: "district"}


def _not_found_user() -> NotFound:
    """The one answer for a user outside the granter's reach."""
    return NotFound("用户不存在", code="auth.user_not_found")


def _place(actor: Actor, role: Role, org_unit_id: int | None,
           department_id: int | None) -> tuple[int | None, int | None]:
    """The unit and department a role is granted at, checked against the table's place and the
    granter's reach: a place outside it is "not found"."""
    place = grants.PLACE[role]
    if department_id and place != Place.DEPARTMENT:
        raise InvalidInput("只有部门人员可以指定部门", code="auth.department_not_allowed",
                           details={"fields": {"department_id": ["仅限 department 角色"]}})
    if place == Place.DEPARTMENT:
        dept = db.session.get(Department, department_id) if department_id else None
        district = db.session.get(OrgUnit, dept.district_id) if dept else None
        if district is None or not actor.covers(district.path):
            raise NotFound("部门不存在", code="org.department_not_found")
        if org_unit_id:
            raise InvalidInput("部门人员不指定组织单位", code="auth.unit_not_allowed",
                               details={"fields": {"org_unit_id": ["部门人员不指定组织单位"]}})
        return None, dept.id
    unit = db.session.get(OrgUnit, org_unit_id) if org_unit_id else None
    if org_unit_id and (unit is None or not actor.covers(unit.path)):
        raise NotFound("组织单位不存在", code="org.unit_not_found")
    kind = UNIT_KIND.get(place, "community")
    if (place in UNIT_KIND and unit is None) or (unit is not None and unit.kind != kind):
        raise InvalidInput(f"{role.value} 须指定一个{kind}级单位", code="auth.unit_kind_mismatch",
                           details={"fields": {"org_unit_id": ["单位层级不符"]}})
    return org_unit_id, None


def assign_role(actor: Actor, user_id: int, role: str, org_unit_id: int | None,
                department_id: int | None) -> dict:
    """Grant a role at a place, as the grant table allows the granter, inside their reach; the user's
    present role must be one the granter holds over (else they are "not found")."""
    user = db.session.get(User, user_id)
    if user is None or not grants.may_hold_over(actor.role, Role(user.role)) or not reaches(actor, user):
        raise _not_found_user()
    role = Role(role)
    how = grants.way(actor.role, role)
    if how is None:
        raise Forbidden("您无权授予该角色", code="auth.role_not_grantable", details={"role": role.value})
    if Way.GRID in (how, grants.way(actor.role, Role(user.role))):
        # grid duty lives in the grid's member list; changing it there keeps routing right
        raise Forbidden("网格员的设置与撤销请在网格成员管理中操作", code="auth.use_grid_members")
    if how == Way.REVIEW:
        raise Forbidden("骑手与志愿者身份由其登记经社区审核后获得", code="auth.use_review",
                        details={"role": role.value})
    unit_id, dept_id = _place(actor, role, org_unit_id, department_id)
    if (user.role, user.org_unit_id, user.department_id) != (role, unit_id, dept_id):
        user.role, user.org_unit_id, user.department_id = role, unit_id, dept_id
        user.token_version += 1  # the old token carries the old scope: it must go
    db.session.flush()
    return profile(user)


#: the demo staff the dev-login page lists, in the order of the org tree
DEV_ACCOUNTS = ("demo-district-admin", "demo-street-admin", "demo-community-admin", "demo-grid-member",
                "demo-department")


def dev_accounts() -> list[dict]:
    """The demo staff accounts that exist (development sign-in)."""
    users = {u.openid: u for u in db.session.scalars(select(User).where(User.openid.in_(DEV_ACCOUNTS)))}
    items = []
    for openid in DEV_ACCOUNTS:
        user = users.get(openid)
        if user is None:
            continue
        unit = db.session.get(OrgUnit, user.org_unit_id) if user.org_unit_id else None
        dept = db.session.get(Department, user.department_id) if user.department_id else None
        items.append({"openid": openid, "nickname": user.display_name, "role": user.role,
                      "role_label": ROLE_LABELS.get(user.role, user.role),
                      "unit": dept.name if dept else unit.name if unit else None})
    return items
