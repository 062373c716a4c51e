"""Rate limits on costly writes: one named limit per action, counted per signed-in user and per client
address in the shared counter store (Redis in production), so they hold across workers and machines."""

from __future__ import annotations

import logging
import math
import time
from functools import wraps

from flask import Flask, current_app, jsonify, request
from flask_limiter import RateLimitExceeded
from limits import parse_many
from limits.errors import StorageError

from suishoupai.errors import Unauthorized, UpstreamUnavailable, envelope
from suishoupai.extensions import errors, limiter
from suishoupai.settings import PREFIX, SettingsError
from suishoupai.web import caller_id

log = logging.getLogger("suishoupai.limits")

#: each limited action and what its 429 message calls it; settings LIMIT_<ACTION>_PER_USER/_PER_IP
ACTIONS = {
    "login": "登录",
    "upload": "上传照片",
    "report": "提交随手拍",
    "follow": "附议",
    "wish": "提交心愿",
    "claim": "认领或退出",
    "redeem": "兑换或取消兑换",
    "rider": "骑手登记",
}
#: actions taken before sign-in: there is no user to count, only the address
ANONYMOUS = {"login"}
STORAGE_ERROR_MODES = ("open", "refuse")


def setting(action: str, per: str) -> str:
    """The name of an action's limit setting, per "user" or "ip"."""
    return f"LIMIT_{action.upper()}_PER_{per.upper()}"


def _axes(action: str) -> tuple[str, ...]:
    """What an action is counted by."""
    return ("ip",) if action in ANONYMOUS else ("user", "ip")


def check(config: dict) -> None:
    """Refuse limit settings that cannot be read."""
    if config["RATELIMIT_ON_STORAGE_ERROR"] not in STORAGE_ERROR_MODES:
        raise SettingsError(f"{PREFIX}RATELIMIT_ON_STORAGE_ERROR must be open or refuse")
    for action in ACTIONS:
        for per in _axes(action):
            name = setting(action, per)
            try:
                if not parse_many(config[name]):
                    raise ValueError("empty")
            except ValueError as exc:
                raise SettingsError(f"{PREFIX}{name} must read like '10 per hour;30 per day': {exc}") from exc


def _address_key() -> str:
    """The client's address, as the trusted proxies report it (ProxyFix, PROXY_HOPS)."""
    return "ip:" + (request.remote_addr or "unknown")


def _user_key() -> str:
    """The signed-in caller."""
    return f"user:{caller_id()}"


def _anonymous() -> bool:
    """No valid token: the view answers 401, so only the address is counted."""
    try:
        caller_id()
    except Unauthorized:
        return True
    return False


KEYS = {"user": _user_key, "ip": _address_key}


def limited(action: str):
    """Count a view under the action's limits (placed above @blp.arguments: before its body is read);
    over a limit → 429, added to the view's OpenAPI doc. The counter store down: the view runs
    unlimited with a warning, or 503, as RATELIMIT_ON_STORAGE_ERROR says."""

    def decorate(view):
        """Wrap one view."""
        counted = view
        for per in _axes(action):
            name = setting(action, per)
            # shared: one bucket per action, whichever of its views is called
            counted = limiter.shared_limit(lambda name=name: current_app.config[name], f"{action}:{per}",
                                           key_func=KEYS[per],
                                           exempt_when=_anonymous if per == "user" else None)(counted)

        @wraps(view)
        def guarded(*args, **kwargs):
            """Run the view through its limits; the store failing never becomes a 500."""
            try:
                return counted(*args, **kwargs)
            except StorageError as exc:
                if current_app.config["RATELIMIT_ON_STORAGE_ERROR"] == "refuse":
                    raise UpstreamUnavailable("服务繁忙，请稍后再试", code="ratelimit.unavailable") from exc
                log.warning("rate-limit store unreachable, %s not limited: %s", action, exc.storage_error)
                return view(*args, **kwargs)

        return errors(429)(guarded)

    return decorate


def quota_wait(rates: str, scope: str, caller: str) -> int | None:
    """Count one use of a quota read from data rather than settings (a partner key's own limit), in the
    same counter store: None while within every limit, else the seconds until the window hit ends.
    Off with RATELIMIT_ENABLED; the store down is answered as RATELIMIT_ON_STORAGE_ERROR says."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return None
    try:
        for item in parse_many(rates):
            if not limiter.limiter.hit(item, scope, caller):
                reset = limiter.limiter.get_window_stats(item, scope, caller).reset_time
                return max(1, math.ceil(reset - time.time()))
    except StorageError as exc:
        if current_app.config["RATELIMIT_ON_STORAGE_ERROR"] == "refuse":
            raise UpstreamUnavailable("服务繁忙，请稍后再试", code="ratelimit.unavailable") from exc
        log.warning("rate-limit store unreachable, %s not limited: %s", scope, exc.storage_error)
    return None


def _refused(exc: RateLimitExceeded):
    """429 in the envelope, naming the action and what it is counted by, with Retry-After: when the
    window that was hit ends (its whole length if the store cannot say)."""
    action, per = exc.limit.scope.split(":")
    details = {"action": action, "per": per, "limit": str(exc.limit.limit)}
    resp = jsonify(envelope("rate_limited", f"{ACTIONS[action]}过于频繁，请稍后再试", details))
    resp.status_code = 429
    try:
        retry = limiter.current_limit.window.reset_time - time.time()
    except StorageError:
        retry = exc.limit.limit.get_expiry()
    resp.headers["Retry-After"] = str(max(1, math.ceil(retry)))
    return resp


def init_app(app: Flask) -> None:
    """Check the settings, point the limiter at the counter store, answer refusals in the envelope."""
    check(app.config)
    config = app.config
    options = {"key_prefix": config["RATELIMIT_STORAGE_PREFIX"], "wrap_exceptions": True}
    if config["RATELIMIT_STORAGE_URI"].startswith(("redis", "valkey")):
        options |= {"socket_connect_timeout": config["RATELIMIT_STORAGE_TIMEOUT"],
                    "socket_timeout": config["RATELIMIT_STORAGE_TIMEOUT"]}
    config["RATELIMIT_STORAGE_OPTIONS"] = options
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, _refused)
