"""A thin client for the WeChat server API (only the calls the service makes).

wechatpy's mini-program client fetches an access_token before every call, including
jscode2session which needs none, and has no per-call timeout; a few lines of requests are
clearer than working around it.

Subscribe messages need an access_token. The stable one (POST /cgi-bin/stable_token) is used:
every web worker and `flask notify run` process caches its own copy, and with /cgi-bin/token each
fetch would invalidate the others' copies (40001 storms), while stable_token hands all of them
the same token until WeChat rotates it, keeping the old one valid for five minutes.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass

import requests
from urllib3.exceptions import NewConnectionError

#: errcodes saying the access_token is invalid or expired: fetch it again and call once more
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
#: refresh this long before WeChat's expiry (the platform keeps an old token valid 5 more minutes)
TOKEN_MARGIN = 120
#: the shortest timeout a call is given when its caller's time has (almost) run out
MIN_TIMEOUT = 0.01
#: credentials travel in query strings; they must not reach logs or stored error text
_SECRETS = re.compile(r"((?:access_token|secret|js_code)=)[^&\s'\"]+")


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


class WeChatNoAnswer(WeChatUnavailable):
    """The request may have reached WeChat but no answer came back (read timeout, dropped line)."""


class WeChatBadAnswer(Exception):
    """WeChat answered, but not with the JSON it documents (5xx, HTML, truncated)."""

    def __init__(self, message: str, status: int | None = None):
        """``status`` is the HTTP status when it was not 200 (a gateway answered, not the API)."""
        self.status = status
        super().__init__(message)


class WeChatClient:
    """Calls WeChat's server API at a configurable base URL."""

    def __init__(self, base_url: str, appid: str, secret: str, timeout: float = 5.0):
        """One pooled HTTP session per app."""
        self.base_url = base_url.rstrip("/")
        self.appid = appid
        self.secret = secret
        self.timeout = timeout
        self.http = requests.Session()
        #: (token, time.monotonic() after which it is fetched again)
        self._token: tuple[str, float] | None = None
        self._token_lock = threading.Lock()

    def _call(self, method: str, path: str, params: dict | None, body: dict | None = None,
              timeout: float | None = None, image: bool = False) -> dict | bytes:
        """Call a WeChat endpoint and return its JSON, raising on errcode; with ``image``, an answer
        labelled as an image is returned as its bytes (errors still come as JSON)."""
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        try:
            resp = self.http.request(
                method, self.base_url + path, params=params, data=data, timeout=timeout or self.timeout,
                headers={"Content-Type": "application/json; charset=utf-8"} if data else None,
                allow_redirects=False)
            content = resp.content
        except requests.ConnectTimeout as exc:
            raise WeChatUnavailable(_redact(exc)) from exc
        except requests.ConnectionError as exc:
            # refused or unresolvable: nothing was sent; anything else may have arrived
            if isinstance(getattr(exc.args[0] if exc.args else None, "reason", None), NewConnectionError):
                raise WeChatUnavailable(_redact(exc)) from exc
            raise WeChatNoAnswer(_redact(exc)) from exc
        except requests.Timeout as exc:
            raise WeChatNoAnswer(_redact(exc)) from exc
        except requests.RequestException as exc:  # truncated body, bad chunking, …
            raise WeChatBadAnswer(_redact(exc)) from exc
        if resp.status_code != 200:
            raise WeChatBadAnswer(f"HTTP {resp.status_code}", status=resp.status_code)
        if image and resp.headers.get("Content-Type", "").startswith("image/"):
            return content
        try:
            # WeChat often labels its JSON text/plain, so parse the text ourselves
            answer = json.loads(content)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested past the parser's depth
            raise WeChatBadAnswer("not JSON") from exc
        if not isinstance(answer, dict):
            raise WeChatBadAnswer("JSON is not an object")
        errcode = answer.get("errcode", 0)
        if not isinstance(errcode, int) or isinstance(errcode, bool):
            raise WeChatBadAnswer(f"errcode {errcode!r}")
        if errcode != 0:
            raise WeChatError(errcode, str(answer.get("errmsg", ""))[:200])
        return answer

    def code2session(self, code: str) -> WxSession:
        """Exchange a wx.login code for the user's openid and session_key."""
        data = self._call("GET", "/sns/jscode2session", {
            "appid": self.appid, "secret": self.secret,
            "js_code": code, "grant_type": "authorization_code",
        })
        openid, session_key, unionid = (data.get(k) for k in ("openid", "session_key", "unionid"))
        if not _text(openid, 64) or not _text(session_key, 256) or not (
                unionid is None or _text(unionid, 64)):
            raise WeChatBadAnswer("openid, session_key or unionid missing or malformed")
        return WxSession(openid=openid, session_key=session_key, unionid=unionid)

    def access_token(self, refused: str | None = None, timeout: float | None = None) -> str:
        """The stable access_token, cached until shortly before it expires.

        ``refused`` is a token WeChat just called invalid: fetch again unless another thread has.
        ``timeout``: the caller's time for a fetch, instead of the client's default.
        """
        with self._token_lock:  # held over the fetch: concurrent callers wait instead of stampeding
            if self._token and self._token[0] != refused and time.monotonic() < self._token[1]:
                return self._token[0]
            data = self._call("POST", "/cgi-bin/stable_token", None, {
                "grant_type": "client_credential", "appid": self.appid, "secret": self.secret}, timeout)
            token, expires_in = data.get("access_token"), data.get("expires_in")
            if not _text(token, 1024) or not isinstance(expires_in, int) or expires_in <= 0:
                raise WeChatBadAnswer("access_token or expires_in missing or malformed")
            self._token = (token, time.monotonic() + max(expires_in - TOKEN_MARGIN, expires_in / 2))
            return token

    def send_subscribe(self, openid: str, template_id: str, page: str | None, data: dict,
                       miniprogram_state: str = "formal") -> None:
        """Send a subscribe message; a refused token is replaced once and the send repeated."""
        body = {"touser": openid, "template_id": template_id, "data": data,
                "miniprogram_state": miniprogram_state, "lang": "zh_CN"}
        if page:
            body["page"] = page
        self._with_token("/cgi-bin/message/subscribe/send", body)

    def msg_sec_check(self, content: str, openid: str, scene: int, timeout: float | None = None) -> dict:
        """Text content security, version 2: {result: {suggest, label}, detail, trace_id}."""
        return self._with_token("/wxa/msg_sec_check", {
            "content": content, "version": 2, "scene": scene, "openid": openid}, timeout)

    def media_check_async(self, media_url: str, openid: str, scene: int,
                          timeout: float | None = None) -> str:
        """Submit a photo for the asynchronous check (version 2); returns the trace_id its verdict carries."""
        answer = self._with_token("/wxa/media_check_async", {
            "media_url": media_url, "media_type": 2, "version": 2, "scene": scene, "openid": openid}, timeout)
        trace_id = answer.get("trace_id")
        if not _text(trace_id, 64):
            raise WeChatBadAnswer("trace_id missing or malformed")
        return trace_id

    def unlimited_qrcode(self, scene: str, page: str, env_version: str = "release") -> bytes:
        """A mini-program code (wxacode.getUnlimited) opening ``page`` with ``scene``: image bytes."""
        body = {"scene": scene, "page": page, "env_version": env_version,
                # an unreleased page cannot be checked against the released build
                "check_path": env_version == "release", "width": 430}
        answer = self._with_token("/wxa/getwxacodeunlimit", body, image=True)
        if not isinstance(answer, bytes):
            raise WeChatBadAnswer("no image in the answer")
        return answer

    def _with_token(self, path: str, body: dict, timeout: float | None = None,
                    image: bool = False) -> dict | bytes:
        """POST with the access_token; a refused token is replaced once and the call repeated.

        ``timeout`` bounds the whole call, the token's fetch included: a caller with a time budget
        (a content check within a submission) neither gives up on a slow token answer sooner than
        on the call itself, nor waits past its budget for one.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        token = self._token_for_send(timeout=timeout)
        try:
            return self._call("POST", path, {"access_token": token}, body, _left(deadline), image)
        except WeChatError as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            # WeChat refused the call itself, so nothing happened: repeating it is safe
            fresh = self._token_for_send(refused=token, timeout=_left(deadline))
            return self._call("POST", path, {"access_token": fresh}, body, _left(deadline), image)

    def _token_for_send(self, refused: str | None = None, timeout: float | None = None) -> str:
        """A token for a send; failing to get one means no message left, whatever the failure."""
        try:
            return self.access_token(refused, timeout)
        except (WeChatUnavailable, WeChatBadAnswer) as exc:
            raise WeChatUnavailable(f"access_token: {exc}") from exc


def _left(deadline: float | None) -> float | None:
    """Seconds until ``deadline`` (None: the client's default), never quite zero: requests refuses that."""
    return None if deadline is None else max(deadline - time.monotonic(), MIN_TIMEOUT)


def _redact(exc: Exception) -> str:
    """An exception's text without the credentials of the URL it may quote."""
    return _SECRETS.sub(r"\1***", str(exc))


def _text(value, limit: int) -> bool:
    """A non-empty string within our column size, printable (no NUL or lone surrogate a database refuses)."""
    return isinstance(value, str) and 0 < len(value) <= limit and value.isprintable()
