"""Logging in and keeping one's own profile."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from suishoupai import crypto, wechat
from suishoupai.auth import grants, tokens
from suishoupai.auth.actor import Actor
from suishoupai.auth.grants import Place, Way
from suishoupai.auth.models import Role, User
from suishoupai.auth.scope import reaches
from suishoupai.database import utcnow
from suishoupai.errors import (
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyRequests,
    UpstreamError,
    UpstreamUnavailable,
)
from suishoupai.extensions import db
from suishoupai.org.models import Department, OrgUnit
from suishoupai.wechat.client import WeChatBadAnswer, WeChatError, WeChatUnavailable

#: WeChat login errcodes → (error class, status, code, what the user is told)
LOGIN_ERRORS: dict[int, tuple[type[DomainError], int, str, str]] = {
    40029: (InvalidInput, 400, "auth.invalid_code", "登录凭证无效，请重新登录"),
    40163: (InvalidInput, 400, "auth.code_used", "登录凭证已被使用，请重新登录"),
    45011: (TooManyRequests, 429, "auth.wechat_rate_limited", "登录过于频繁，请稍后再试"),
    40226: (Forbidden, 403, "auth.risky_user", "该微信账号存在风险，暂时无法登录"),
}


def _user_for_openid(openid: str, role: Role = Role.RESIDENT) -> User:
    """The user with this openid, created on first login (safe against a concurrent first login)."""
    user = db.session.scalars(select(User).where(User.openid == openid)).first()
    if user is not None and user.erased_at is not None:
        raise Forbidden("该账号已注销", code="auth.account_erased")
    if user is not None:
        return user
    try:
        with db.session.begin_nested():
            user = User(openid=openid, role=role)
            db.session.add(user)
    except IntegrityError:
        user = db.session.scalars(select(User).where(User.openid == openid)).one()
    return user


def _issue(user: User) -> dict:
    """A signed token for the user, with its expiry and the profile."""
    user.last_login_at = utcnow()
    db.session.flush()
    token, expires = tokens.issue(user.id, user.token_version, current_app.config["SECRET_KEY"],
                                  current_app.config["TOKEN_TTL_SECONDS"])
    return {"token": token, "expires_at": expires, "user": profile(user)}


def login_with_wechat(code: str) -> dict:
    """Exchange a wx.login code via auth.code2Session and sign the user in."""
    try:
        session = wechat.client().code2session(code)
    except WeChatError as exc:
        known = LOGIN_ERRORS.get(exc.errcode)
        if known is None:
            raise UpstreamError("微信登录服务异常，请稍后重试", code="auth.wechat_error",
                                details={"errcode": exc.errcode}) from exc
        cls, status, code, message = known
        raise cls(message, code=code, status=status, details={"errcode": exc.errcode}) from exc
    except WeChatUnavailable as exc:
        raise UpstreamUnavailable("微信服务暂时无法连接，请稍后重试",
                                  code="auth.wechat_unavailable") from exc
    except WeChatBadAnswer as exc:
        raise UpstreamError("微信登录服务异常，请稍后重试", code="auth.wechat_error") from exc
    user = _user_for_openid(session.openid)
    user.session_key_enc = crypto.encrypt(session.session_key)
    if session.unionid:
        user.unionid = session.unionid
    return _issue(user)


def dev_login(openid: str, role: str | None = None) -> dict:
    """Sign in by openid alone (development only); a role given here is applied."""
    user = _user_for_openid(openid)
    if role and user.role != role:
        user.role = role
        user.token_version += 1
    return _issue(user)


def profile(user: User) -> dict:
    """The user as they see themselves."""
    phone = crypto.decrypt(user.phone_enc) if user.phone_enc else None
    unit = db.session.get(OrgUnit, user.org_unit_id) if user.org_unit_id else None
    dept = db.session.get(Department, user.department_id) if user.department_id else None
    return {
        "id": user.id, "nickname": user.nickname, "real_name": user.real_name,
        "avatar_url": user.avatar_url, "phone": crypto.mask_phone(phone), "role": user.role,
        "org_unit": unit, "department": dept, "created_at": user.created_at,
    }


def update_profile(user: User, changes: dict) -> dict:
    """Apply a user's own changes; the phone is stored encrypted."""
    for key in ("nickname", "real_name", "avatar_url"):
        if key in changes:
            setattr(user, key, changes[key])
    if "phone" in changes:
        user.phone_enc = crypto.encrypt(changes["phone"]) if changes["phone"] else None
    db.session.flush()
    return profile(user)


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


def sign_in(user: User) -> dict:
    """A token for a user another way has vouched for (the console's approved sign-in ticket)."""
    if user.erased_at is not None:
        raise Forbidden("该账号已注销", code="auth.account_erased")
    return _issue(user)


def logout(user: User) -> None:
    """Revoke the caller's tokens: every token carries the version it was issued under."""
    user.token_version += 1
    db.session.flush()


#: the demo staff the dev-login page lists, in the order of the org tree
DEV_ACCOUNTS = ("demo-district-admin", "demo-street-admin", "demo-community-admin", "demo-grid-member",
                "demo-department")
ROLE_LABELS = {Role.GRID_MEMBER: "网格员", Role.DEPARTMENT: "职能部门", Role.COMMUNITY_ADMIN: "社区管理员",
               Role.STREET_ADMIN: "街道管理员", Role.DISTRICT_ADMIN: "区级管理员"}


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
                      "role_label": ROLE_LABELS.get(Role(user.role), user.role),
                      "unit": dept.name if dept else unit.name if unit else None})
    return items
