"""The app in the testing configuration, and logging in as a demo account."""

from __future__ import annotations

import os
from pathlib import Path

from suishoupai import create_app


def make_app(database_url: str, instance: os.PathLike, wechat_url: str, **overrides):
    """An app in the testing configuration."""
    config = {
        "ENV": "testing", "DATABASE_URL": database_url, "DEV_LOGIN": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
        "WECHAT_API_BASE": wechat_url, "WECHAT_APPID": "wx-test-app",
        "WECHAT_SECRET": "wx-test-secret", "WECHAT_TIMEOUT": 1.0,
        # tests file and log in far faster than anyone would; tests/security turn both back on
        "RATELIMIT_ENABLED": False, "REPORT_REPEAT_MINUTES": 0, "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(Path(instance) / "media"),
        # the thread races queue hundreds of requests on a few pooled connections and SQLite's one
        # write lock: on a busy machine they wait as long as it takes, never a fixed 30 s
        "DATABASE_WAIT_SECONDS": 3600.0,
    }
    config.update(overrides)
    return create_app(config)


class Auth:
    """Small login helper: `auth.headers("demo-resident", role="resident")`."""

    def __init__(self, client):
        self.client = client

    def login(self, openid: str, role: str | None = None) -> dict:
        """Dev-login and return the answer body."""
        body = {"openid": openid} | ({"role": role} if role else {})
        resp = self.client.post("/api/v1/auth/dev-login", json=body)
        assert resp.status_code == 200, resp.json
        return resp.json

    def headers(self, openid: str, role: str | None = None) -> dict:
        """Authorization headers for a user."""
        return {"Authorization": "Bearer " + self.login(openid, role)["token"]}
