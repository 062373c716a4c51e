"""The built console at /console/: its files as they are, any other path its index (history mode)."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, request, send_from_directory
from werkzeug.security import safe_join

files = Blueprint("console_files", __name__)

#: the console's page: scripts and styles from this service only (Element Plus styles elements inline);
#: photos may come from the object store's signed URLs, so any http(s) image source
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data: blob: http: https:; font-src 'self' data:; connect-src 'self'; "
               "worker-src 'self' blob:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
#: Vite names what it builds into assets/ by content hash: such a file never changes
HASHED = "public, max-age=31536000, immutable"

NOT_BUILT = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>指挥中心尚未构建</title></head>
<body><h1>指挥中心尚未构建</h1>
<p>管理端网页尚未生成。请在安装了 Node.js 的机器上运行 <code>make run</code>，它会构建并启动指挥中心。</p>
</body></html>
"""


def dist() -> Path:
    """Where the built console lies: CONSOLE_DIST, else console/dist beside the package."""
    configured = current_app.config["CONSOLE_DIST"]
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "console" / "dist"


@files.get("/console")
def bare():
    """The console's address without its slash."""
    return redirect("/console/", code=308)


@files.get("/console/", defaults={"path": ""})
@files.get("/console/<path:path>")
def page(path: str):
    """A built file, or the index for a route of the console; 503 with a Chinese page when not built."""
    root = dist()
    index = root / "index.html"
    if not index.is_file():
        return Response(NOT_BUILT, status=503, mimetype="text/html",
                        headers={"Cache-Control": "no-store", "Retry-After": "60"})
    found = safe_join(str(root), path) if path else None
    if found and Path(found).is_file() and path != "index.html":
        response = _compressed(root, path) or send_from_directory(root, path, max_age=0)
        response.headers["Cache-Control"] = HASHED if path.startswith("assets/") else "no-cache"
        return response
    if path.startswith("assets/"):
        # a missing script answered with the index would fail as a confusing syntax error
        return Response("未找到", status=404, mimetype="text/plain")
    response = send_from_directory(root, "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    return response


def _compressed(root: Path, path: str) -> Response | None:
    """The build's gzip twin of a file (``<file>.gz``, written beside it by the build) when the
    browser takes gzip: a third of the bytes over an office line, and nothing to compress per request."""
    twin = f"{path}.gz"
    if not (root / twin).is_file():
        return None
    if "gzip" not in request.accept_encodings:
        response = send_from_directory(root, path, max_age=0)
    else:
        response = send_from_directory(root, twin, max_age=0,
                                       mimetype=mimetypes.guess_type(path)[0] or "application/octet-stream")
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
