"""Production-configured apps and rate-limit assertions shared by the security tests."""

from __future__ import annotations

import base64
import secrets

from cryptography.fernet import Fernet

from suishoupai.limits import ACTIONS


def production_app(app_factory, is_postgres, waive="", **overrides):
    """A production app on the test database, its secrets made for this run; on a SQLite run the
    embedded database is waived too."""
    config = {k.removeprefix("SUISHOUPAI_"): v for k, v in PRODUCTION.items()}
    del config["DATABASE_URL"]  # the test database
    waived = [name for name in (waive, "" if is_postgres else "sqlite") if name]
    return app_factory(**config | {"DEV_LOGIN": False, "RATELIMIT_ENABLED": True,
                                   "ALLOW_UNSAFE": ",".join(waived)} | overrides)


def token(client, openid: str) -> dict:
    """Authorization headers of an account (dev-login)."""
    resp = client.post("/api/v1/auth/dev-login", json={"openid": openid})
    assert resp.status_code == 200, resp.json
    return {"Authorization": "Bearer " + resp.json["token"]}


def assert_refused(resp, action: str, per: str, limit: str) -> None:
    """A 429 in the envelope, naming the action and what it is counted by, with Retry-After."""
    assert resp.status_code == 429, (resp.status_code, resp.json)
    assert resp.json == {"error": {
        "code": "rate_limited", "message": f"{ACTIONS[action]}过于频繁，请稍后再试",
        "details": {"action": action, "per": per, "limit": limit}}}
    assert 0 < int(resp.headers["Retry-After"]) <= 3600


#: a complete production configuration, its secrets made for this run (none is in the repository)
PRODUCTION = {
    "SUISHOUPAI_ENV": "production", "SUISHOUPAI_SECRET_KEY": secrets.token_urlsafe(48),
    "SUISHOUPAI_DATABASE_URL": "postgresql://ssp@db.internal/ssp",
    "SUISHOUPAI_FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "SUISHOUPAI_WECHAT_APPID": "wx" + secrets.token_hex(8), "SUISHOUPAI_WECHAT_SECRET": secrets.token_hex(16),
    "SUISHOUPAI_MODERATION_PROVIDER": "wechat", "SUISHOUPAI_MODERATION_CALLBACK_TOKEN": secrets.token_hex(8),
    "SUISHOUPAI_MODERATION_CALLBACK_AES_KEY": base64.b64encode(secrets.token_bytes(32)).decode().rstrip("="),
    "SUISHOUPAI_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/13",
    "SUISHOUPAI_PUBLIC_BASE_URL": "https://ssp.internal", "SUISHOUPAI_MODERATION_MEDIA_BASE_URL": "https://ssp.internal",
}
