"""A thin client for the WeChat server API (only the calls the service makes).

wechatpy's mini-program client fetches an access_token before every call, including
jscode2session which needs none, and has no per-call timeout; a few lines of requests are
clearer than working around it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import requests


@dataclass(frozen=True)
class WxSession:
    """What auth.code2Session answers."""

    openid: str
    session_key: str
    unionid: str | None = None


class WeChatError(Exception):
    """WeChat answered with a non-zero errcode."""

    def __init__(self, errcode: int, errmsg: str):
        """Keep WeChat's code and message."""
        self.errcode = errcode
        self.errmsg = errmsg
        super().__init__(f"{errcode}: {errmsg}")


class WeChatUnavailable(Exception):
    """WeChat could not be reached in time."""


class WeChatBadAnswer(Exception):
    """WeChat answered, but not with the JSON it documents (5xx, HTML, truncated)."""


class WeChatClient:
    """Calls WeChat's server API at a configurable base URL."""

    def __init__(self, base_url: str, appid: str, secret: str, timeout: float = 5.0):
        """One pooled HTTP session per app."""
        self.base_url = base_url.rstrip("/")
        self.appid = appid
        self.secret = secret
        self.timeout = timeout
        self.http = requests.Session()

    def _get(self, path: str, params: dict) -> dict:
        """GET a WeChat endpoint and return its JSON, raising on errcode."""
        try:
            resp = self.http.get(self.base_url + path, params=params, timeout=self.timeout,
                                 allow_redirects=False)
            body = resp.content
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise WeChatUnavailable(str(exc)) from exc
        except requests.RequestException as exc:  # truncated body, bad chunking, …
            raise WeChatBadAnswer(str(exc)) from exc
        if resp.status_code != 200:
            raise WeChatBadAnswer(f"HTTP {resp.status_code}")
        try:
            # WeChat often labels its JSON text/plain, so parse the text ourselves
            data = json.loads(body)
        except ValueError as exc:
            raise WeChatBadAnswer("not JSON") from exc
        if not isinstance(data, dict):
            raise WeChatBadAnswer("JSON is not an object")
        errcode = data.get("errcode", 0)
        if not isinstance(errcode, int) or isinstance(errcode, bool):
            raise WeChatBadAnswer(f"errcode {errcode!r}")
        if errcode != 0:
            raise WeChatError(errcode, str(data.get("errmsg", "")))
        return data

    def code2session(self, code: str) -> WxSession:
        """Exchange a wx.login code for the user's openid and session_key."""
        data = self._get("/sns/jscode2session", {
            "appid": self.appid, "secret": self.secret,
            "js_code": code, "grant_type": "authorization_code",
        })
        openid, session_key, unionid = (data.get(k) for k in ("openid", "session_key", "unionid"))
        if not _text(openid, 64) or not _text(session_key, 256) or not (
                unionid is None or _text(unionid, 64)):
            raise WeChatBadAnswer("openid, session_key or unionid missing or malformed")
        return WxSession(openid=openid, session_key=session_key, unionid=unionid)


def _text(value, limit: int) -> bool:
    """A non-empty string within our column size."""
    return isinstance(value, str) and 0 < len(value) <= limit
