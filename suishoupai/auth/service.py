"""Logging in and keeping one's own profile."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from suishoupai import crypto, wechat
from suishoupai.auth import tokens
from suishoupai.auth.models import Role, User
from suishoupai.database import utcnow
from suishoupai.errors import (
    DomainError,
    Forbidden,
    InvalidInput,
    TooManyRequests,
    UpstreamError,
    UpstreamUnavailable,
)
from suishoupai.extensions import db
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
    config = current_app.config
    if not config["WECHAT_APPID"] or not config["WECHAT_SECRET"]:
        # nothing to connect to: say so, rather than blame a network that was never tried
        raise UpstreamUnavailable(
            "本服务未配置微信登录（WECHAT_APPID / WECHAT_SECRET），开发环境请使用 dev-login",
            code="auth.wechat_not_configured")
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
    return {
        "id": user.id, "nickname": user.nickname, "real_name": user.real_name,
        "avatar_url": user.avatar_url, "phone": crypto.mask_phone(phone), "role": user.role,
        "org_unit": user.org_unit, "department": user.department, "created_at": user.created_at,
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


def sign_in(user: User) -> dict:
    """A token for a user another way has vouched for (the console's approved sign-in ticket)."""
    if user.erased_at is not None:
        raise Forbidden("该账号已注销", code="auth.account_erased")
    return _issue(user)


def logout(user: User) -> None:
    """Revoke the caller's tokens: every token carries the version it was issued under."""
    user.token_version += 1
    db.session.flush()
