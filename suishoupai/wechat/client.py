"""A thin client for the WeChat server API (only the calls the service makes).

wechatpy's mini-program client fetches an access_token before every call, including
jscode2session which needs none, and has no per-call timeout; a few lines of requests are
clearer than working around it.
"""

from __future__ import annotations

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
        self.base_url = base_url.rstrip("/")
        self.appid = appid
        self.secret = secret
        self.timeout = timeout
        self.http = requests.Session()

    def _get(self, path: str, params: dict) -> dict:
        """GET a WeChat endpoint and return its JSON, raising on errcode."""
        try:
            resp = self.http.get(self.base_url + path, params=params, timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise WeChatUnavailable(str(exc)) from exc
        if resp.status_code >= 500:
            raise WeChatBadAnswer(f"HTTP {resp.status_code}")
        try:
            # WeChat often labels its JSON text/plain, so parse the text ourselves
            data = resp.json()
        except ValueError as exc:
            raise WeChatBadAnswer(f"HTTP {resp.status_code}, not JSON") from exc
        if not isinstance(data, dict):
            raise WeChatBadAnswer("JSON is not an object")
        errcode = data.get("errcode") or 0
        if errcode != 0:
            raise WeChatError(int(errcode), str(data.get("errmsg", "")))
        return data

    def code2session(self, code: str) -> WxSession:
        """Exchange a wx.login code for the user's openid and session_key."""
        data = self._get("/sns/jscode2session", {
            "appid": self.appid, "secret": self.secret,
            "js_code": code, "grant_type": "authorization_code",
        })
        if not data.get("openid") or not data.get("session_key"):
            raise WeChatBadAnswer("openid or session_key missing")
        return WxSession(openid=data["openid"], session_key=data["session_key"],
                         unionid=data.get("unionid"))
