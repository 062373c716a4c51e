"""A local HTTP server playing the WeChat server API, for tests of the real client."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

#: js_code → WeChat's documented error answer
ERRORS = {
    "bad-code": (40029, "invalid code"),
    "used-code": (40163, "code been used"),
    "limited": (45011, "api minute-quota reach limit"),
    "risky": (40226, "high risk user"),
    "weird": (-1, "system error"),
}


class FakeWeChat:
    """Answers /sns/jscode2session the way WeChat does; records what it was asked."""

    def __init__(self):
        self.calls: list[dict] = []
        self.delay = 0.0
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
                if code == "server-error":
                    return self._send(502, b"<html>Bad Gateway</html>", "text/html")
                if code == "not-json":
                    return self._send(200, b"<html>maintenance</html>", "text/html")
                if code in ERRORS:
                    errcode, errmsg = ERRORS[code]
                    body = {"errcode": errcode, "errmsg": errmsg}
                else:
                    # WeChat labels this JSON text/plain
                    body = {"openid": f"o-{code}", "session_key": f"sk-{code}-secret"}
                    if code.startswith("union-"):
                        body["unionid"] = f"u-{code}"
                return self._send(200, json.dumps(body).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

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
