"""Through gunicorn with the shipped config: a body refused unread is not read on after the answer."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(migrated, tmp_path):
    """gunicorn -c config/gunicorn.conf.py on a free loopback port, one worker, on the run's database."""
    port = free_port()
    env = {**os.environ, "SUISHOUPAI_ENV": "testing", "SUISHOUPAI_DATABASE_URL": migrated,
           "SUISHOUPAI_SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
           "SUISHOUPAI_RATELIMIT_ENABLED": "0", "SUISHOUPAI_LOG_LEVEL": "WARNING",
           "SUISHOUPAI_MEDIA_ROOT": str(tmp_path / "media"),
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"}
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - the child writes to it for its life
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "config/gunicorn.conf.py",
                             "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                    if sock.recv(64).startswith(b"HTTP/1.1 200"):
                        break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not answer /healthz:\n" + (tmp_path / "gunicorn.log").read_text())
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def read_answer(sock: socket.socket) -> bytes:
    """One HTTP answer (headers and its Content-Length of body), or what came before the peer closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(
        b"content-length:"))
    while len(body) < length:
        body += sock.recv(65536)
    return head


def test_a_refused_body_closes_the_connection_instead_of_being_drained(gunicorn):
    """401 to a write whose body is still arriving: the connection is closed, so a client trickling the
    rest holds no thread (gunicorn would otherwise read it on to serve the next request on the same
    connection, as it does after an error that read its body)."""
    half = b'{"description":'
    head = (b"POST /api/v1/reports HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % (2 * len(half)))
    with socket.create_connection(("127.0.0.1", gunicorn), timeout=30) as sock:
        sock.sendall(head + half)
        assert read_answer(sock).startswith(b"HTTP/1.1 401")
        after = b""
        try:
            sock.sendall(half + b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            after = read_answer(sock)
        except (ConnectionResetError, BrokenPipeError):
            pass
        assert after == b""
    # a body that was read (a public login refusing it as broken JSON) keeps the connection
    login = head.replace(b"/api/v1/reports", b"/api/v1/auth/wechat-login")
    with socket.create_connection(("127.0.0.1", gunicorn), timeout=30) as sock:
        sock.sendall(login + half + half)
        assert read_answer(sock).startswith(b"HTTP/1.1 400")
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        assert read_answer(sock).startswith(b"HTTP/1.1 200")
