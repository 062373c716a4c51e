"""A local HTTP server playing the WeChat server API, for tests of the real client."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import requests
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

#: scripted subscribe/send failures → WeChat's answer
SEND_ERRORS = {
    "43101": (43101, "user refuse to accept the msg"),
    "45009": (45009, "reach max api daily quota limit"),
    "-1": (-1, "system error"),
    "47003": (47003, "argument invalid! data.thing1.value invalid"),
    "40003": (40003, "invalid openid"),
}
#: subscribe message key type → most characters WeChat takes
LIMITS = {"thing": 20, "character_string": 32, "phrase": 5, "name": 10, "number": 32,
          "phone_number": 17, "time": 30, "date": 30}

#: words the fake's content check objects to → (suggest, label)
SENSITIVE = {"违禁词": ("risky", 20001), "可疑词": ("review", 21000)}
#: scripted content-check failures → WeChat's answer
SEC_ERRORS = {"-1": (-1, "system error"), "45009": (45009, "reach max api daily quota limit"),
              "40003": (40003, "invalid openid"), "61010": (61010, "user access expired")}

#: js_code → WeChat's documented error answer
ERRORS = {
    "bad-code": (40029, "invalid code"),
    "used-code": (40163, "code been used"),
    "limited": (45011, "api minute-quota reach limit"),
    "risky": (40226, "high risk user"),
    "weird": (-1, "system error"),
}


class FakeWeChat:
    """Answers jscode2session, stable_token and subscribe/send the way WeChat does; records calls.

    Subscribe sends can be scripted per openid: ``fake.script["o-1"] = ["45009", "500"]`` makes
    the next two sends to o-1 fail that way ("timeout": delivered, answered too late; "40001":
    the token is revoked and refused once; "500": a gateway error page), then they succeed.
    ``fake.delivered`` is what reached users; ``fake.send_calls`` every call, refused ones too.
    """

    def __init__(self):
        self.calls: list[dict] = []
        self.delay = 0.0
        self.lock = threading.Lock()
        self.reset_notify()
        self.reset_security()
        self.reset_qrcode()
        #: pages of the released mini-program (check_path is checked against them)
        self.released_pages = {"pages/console-login/index"}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):
                """Keep test output quiet."""

            def _send(self, status: int, body: bytes, ctype: str = "text/plain"):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout test)

            def do_GET(self):
                """Serve jscode2session."""
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.calls.append({"path": url.path, "params": params})
                code = params.get("js_code", "")
                if code == "slow":
                    time.sleep(fake.delay or 2)
                if url.path != "/sns/jscode2session":
                    return self._send(404, b"not found")
                if code == "truncated":
                    self.send_response(200)
                    self.send_header("Content-Length", "500")
                    self.end_headers()
                    self.wfile.write(b'{"openid": "o-tr')
                    return None
                if code == "redirect":
                    self.send_response(302)
                    self.send_header("Location", self.path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if code == "errcode-text":
                    return self._send(200, b'{"errcode": "x", "errmsg": "?"}')
                if code == "openid-number":
                    return self._send(200, b'{"openid": 123, "session_key": "k"}')
                if code == "openid-nul":
                    return self._send(200, b'{"openid": "o-\\u0000x", "session_key": "k"}')
                if code == "openid-surrogate":
                    return self._send(200, b'{"openid": "o-\\ud800", "session_key": "k"}')
                if code == "deep-json":
                    return self._send(200, b'{"openid": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
                if code == "server-error":
                    return self._send(502, b"<html>Bad Gateway</html>", "text/html")
                if code == "not-json":
                    return self._send(200, b"<html>maintenance</html>", "text/html")
                if code in ERRORS or not (code.isascii() and code.isprintable()):
                    # a wx.login code is ASCII: anything else is a code WeChat never issued
                    errcode, errmsg = ERRORS.get(code, ERRORS["bad-code"])
                    body = {"errcode": errcode, "errmsg": errmsg}
                else:
                    # WeChat labels this JSON text/plain
                    body = {"openid": f"o-{code}", "session_key": f"sk-{code}-secret"}
                    if code.startswith("union-"):
                        body["unionid"] = f"u-{code}"
                return self._send(200, json.dumps(body).encode())

            def do_POST(self):
                """Serve stable_token and subscribe/send."""
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                try:
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                except ValueError:
                    return self._send(200, b'{"errcode": 47001, "errmsg": "data format error"}')
                if url.path == "/cgi-bin/stable_token":
                    answer = fake.stable_token(body)
                    time.sleep(fake.token_delay)
                    return self._send(200, json.dumps(answer).encode())
                if url.path in ("/wxa/msg_sec_check", "/wxa/media_check_async"):
                    answer, status, wait = fake.security(url.path, params.get("access_token"), body)
                    if wait:
                        time.sleep(wait)
                    if status != 200:
                        return self._send(status, b"<html>502 Bad Gateway</html>", "text/html")
                    return self._send(200, json.dumps(answer, ensure_ascii=False).encode())
                if url.path == "/wxa/getwxacodeunlimit":
                    answer, image = fake.qrcode(params.get("access_token"), body)
                    if image is not None:
                        return self._send(200, image, "image/jpeg")
                    return self._send(200, json.dumps(answer).encode())
                if url.path != "/cgi-bin/message/subscribe/send":
                    return self._send(404, b"not found")
                answer, status, wait = fake.subscribe_send(params.get("access_token"), body)
                if wait:
                    time.sleep(wait)
                if status != 200:
                    return self._send(status, b"<html>500 Internal Server Error</html>", "text/html")
                return self._send(200, json.dumps(answer).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def reset_notify(self) -> None:
        """Forget tokens, sends and scripts (the server is shared by the whole run)."""
        self.tokens_issued = 0
        self.valid_tokens: set[str] = set()
        self.token: str | None = None
        self.token_expires_in = 7200
        #: seconds stable_token takes before its answer
        self.token_delay = 0.0
        #: every subscribe/send call, answered or not; ``delivered`` holds what reached the user
        self.send_calls: list[dict] = []
        self.delivered: list[dict] = []
        self.script: dict[str, list[str]] = {}

    def reset_qrcode(self) -> None:
        """Forget mini-program code calls and their script."""
        #: every getwxacodeunlimit call: token and body
        self.qr_calls: list[dict] = []
        #: the next calls answer these errcodes, in order (e.g. 40001 once: the token refused)
        self.qr_script: list[int] = []

    def qrcode(self, token: str | None, body: dict) -> tuple[dict, bytes | None]:
        """getUnlimitedQRCode: (error answer, None) or ({}, the picture's bytes, a JPEG as WeChat's)."""
        with self.lock:
            self.qr_calls.append({"token": token, **body})
            if token not in self.valid_tokens:
                return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}, None
            if self.qr_script:
                errcode = self.qr_script.pop(0)
                if errcode == 40001:
                    self.valid_tokens.clear()
                    self.token = None
                return {"errcode": errcode, "errmsg": "scripted"}, None
            scene = body.get("scene")
            # WeChat's rule: at most 32 visible characters of ASCII letters, digits and !#$&'()*+,/:;=?@-._~
            if not isinstance(scene, str) or not 0 < len(scene) <= 32 or not scene.isascii():
                return {"errcode": 40169, "errmsg": "invalid length for scene"}, None
            if body.get("check_path", True) and body.get("page") not in self.released_pages:
                return {"errcode": 41030, "errmsg": "invalid page"}, None
            return {}, b"\xff\xd8\xff\xe0fake-jpeg:" + scene.encode() + b"\xff\xd9"

    def reset_security(self) -> None:
        """Forget content checks and their script."""
        #: every msg_sec_check / media_check_async call: path, token and body
        self.sec_calls: list[dict] = []
        #: media checks accepted: trace_id → the body (media_url, openid, scene …)
        self.media_checks: dict[str, dict] = {}
        #: the next calls fail this way, in order: "-1", "45009", "40003", "61010", "timeout", "500"
        self.sec_script: list[str] = []
        #: seconds every content check takes before its (good) answer
        self.sec_delay = 0.0

    def security(self, path: str, token: str | None, body: dict) -> tuple[dict, int, float]:
        """(answer, HTTP status, wait) for msg_sec_check or media_check_async, version 2."""
        with self.lock:
            self.sec_calls.append({"path": path, "token": token, **body})
            if token not in self.valid_tokens:
                return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}, 200, 0
            step = self.sec_script.pop(0) if self.sec_script else None
            answer, status = self._security(path, body, step)
            return answer, status, 2.0 if step == "timeout" else self.sec_delay

    def _security(self, path: str, body: dict, step: str | None) -> tuple[dict, int]:
        """The answer to one content check (under the lock)."""
        if step == "timeout":
            return {"errcode": 0}, 200
        if step == "500":
            return {}, 502
        if step in SEC_ERRORS:
            errcode, errmsg = SEC_ERRORS[step]
            return {"errcode": errcode, "errmsg": errmsg}, 200
        if body.get("version") != 2 or body.get("scene") not in (1, 2, 3, 4) or not body.get("openid"):
            return {"errcode": 47001, "errmsg": "data format error"}, 200
        trace_id = f"trace-{secrets.token_hex(8)}"
        if path == "/wxa/media_check_async":
            if body.get("media_type") != 2 or not str(body.get("media_url", "")).startswith("http"):
                return {"errcode": 47001, "errmsg": "data format error"}, 200
            self.media_checks[trace_id] = body
            return {"errcode": 0, "errmsg": "ok", "trace_id": trace_id}, 200
        content = body.get("content")
        if not isinstance(content, str) or not content or len(content) > 2500:
            return {"errcode": 47001, "errmsg": "data format error"}, 200
        suggest, label = next(((v for word, v in SENSITIVE.items() if word in content)), ("pass", 100))
        return {"errcode": 0, "errmsg": "ok", "trace_id": trace_id,
                "result": {"suggest": suggest, "label": label},
                "detail": [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label,
                            "prob": 90}]}, 200

    @classmethod
    def push(cls, url: str, token: str, event: dict, sign: bool = True, **query) -> requests.Response:
        """POST a message push (plaintext JSON) to ``url``, signed with ``token`` as WeChat signs it."""
        timestamp = query.pop("timestamp", str(int(time.time())))
        nonce = query.pop("nonce", secrets.token_hex(5))
        signature = cls.sha1_signature(token, timestamp, nonce)
        params = {"signature": signature if sign else "0" * 40, "timestamp": timestamp, "nonce": nonce,
                  **query}
        return requests.post(url, params=params, data=json.dumps(event, ensure_ascii=False).encode(),
                             headers={"Content-Type": "application/json"}, timeout=10)

    @staticmethod
    def sha1_signature(*parts: str) -> str:
        """WeChat's push signature: sha1 of the parts sorted and joined."""
        return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()

    @staticmethod
    def encrypt(message: bytes, encoding_aes_key: str, appid: str) -> str:
        """Secure mode's ``Encrypt`` as WeChat builds it: 16 random bytes, the length (4 bytes,
        big-endian), the message and the appid, PKCS#7-padded to 32 bytes, AES-256-CBC with the
        key from the EncodingAESKey and its first 16 bytes as IV, base64."""
        key = base64.b64decode(encoding_aes_key + "=")
        framed = secrets.token_bytes(16) + struct.pack(">I", len(message)) + message + appid.encode()
        pad = 32 - len(framed) % 32
        framed += bytes([pad]) * pad
        encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
        return base64.b64encode(encryptor.update(framed) + encryptor.finalize()).decode()

    @classmethod
    def secure_push(cls, url: str, token: str, encoding_aes_key: str, event: dict, appid: str = "wx-test-app",
                    timestamp: str | None = None, nonce: str | None = None, encrypted: str | None = None,
                    alter: Callable[[str], str] | None = None) -> requests.Response:
        """POST a secure-mode push (JSON): ``event`` encrypted for ``appid`` (or ``encrypted`` as
        given), ``msg_signature`` over token, timestamp, nonce and the ciphertext; ``alter`` changes
        the ciphertext after signing, as someone on the way would."""
        timestamp, nonce = timestamp or str(int(time.time())), nonce or secrets.token_hex(5)
        if encrypted is None:
            encrypted = cls.encrypt(json.dumps(event, ensure_ascii=False).encode(), encoding_aes_key, appid)
        params = {"signature": cls.sha1_signature(token, timestamp, nonce), "timestamp": timestamp,
                  "nonce": nonce, "encrypt_type": "aes",
                  "msg_signature": cls.sha1_signature(token, timestamp, nonce, encrypted)}
        body = {"ToUserName": "gh_test", "Encrypt": alter(encrypted) if alter else encrypted}
        return requests.post(url, params=params, data=json.dumps(body).encode(),
                             headers={"Content-Type": "application/json"}, timeout=10)

    @staticmethod
    def media_event(trace_id: str, suggest: str, label: int = 100) -> dict:
        """The wxa_media_check event WeChat pushes when a photo's check is done."""
        return {"ToUserName": "gh_test", "FromUserName": "o-system", "CreateTime": int(time.time()),
                "MsgType": "event", "Event": "wxa_media_check", "appid": "wx-test-app", "trace_id": trace_id,
                "version": 2, "detail": [{"strategy": "content_model", "errcode": 0, "suggest": suggest,
                                          "label": label, "prob": 90}],
                "errcode": 0, "errmsg": "ok", "result": {"suggest": suggest, "label": label}}

    def stable_token(self, body: dict) -> dict:
        """Normal mode: the current token while it is valid, else a new one."""
        if body.get("grant_type") != "client_credential" or body.get("secret") != "wx-test-secret":
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        with self.lock:
            if self.token is None or body.get("force_refresh"):
                self.tokens_issued += 1
                self.token = f"token-{self.tokens_issued}"
                self.valid_tokens = {self.token}
            return {"access_token": self.token, "expires_in": self.token_expires_in}

    def subscribe_send(self, token: str | None, body: dict) -> tuple[dict, int, float]:
        """(answer, HTTP status, seconds to wait before answering) for one send."""
        with self.lock:
            self.send_calls.append({"token": token, **body})
            if token not in self.valid_tokens:
                return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}, 200, 0
            queue = self.script.get(body.get("touser")) or []
            step = queue.pop(0) if queue else None
            if step == "40001":
                self.valid_tokens.clear()
                self.token = None
                return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}, 200, 0
            if step == "500":
                return {}, 500, 0
            if step in SEND_ERRORS:
                errcode, errmsg = SEND_ERRORS[step]
                return {"errcode": errcode, "errmsg": errmsg}, 200, 0
            for key, item in (body.get("data") or {}).items():
                value = item.get("value") if isinstance(item, dict) else None
                limit = LIMITS.get(key.rstrip("0123456789"), 20)
                if not isinstance(value, str) or not value or len(value) > limit:
                    return {"errcode": 47003, "errmsg": f"argument invalid! data.{key}.value invalid"}, 200, 0
            self.delivered.append(body)
            # "timeout": WeChat took the message, the answer comes after the client gave up
            return {"errcode": 0, "errmsg": "ok", "msgid": len(self.delivered)}, 200, \
                (2.0 if step == "timeout" else 0)

    @property
    def url(self) -> str:
        """Base URL to configure as WECHAT_API_BASE."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.server.server_close()
