"""The real entry point in a subprocess: `gunicorn -c config/gunicorn.conf.py wsgi:app`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).parents[2]
GUNICORN = [str(Path(sys.executable).parent / "gunicorn"), "-c", "config/gunicorn.conf.py", "wsgi:app"]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(settings: dict[str, str], port: int) -> dict[str, str]:
    """A clean environment: no SUISHOUPAI_* of the caller's, only the given settings, one worker."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUISHOUPAI_", "GUNICORN_"))}
    return env | {f"SUISHOUPAI_{k}": v for k, v in settings.items()} | {
        "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"}


def start_refused(settings: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    """Start gunicorn with settings it must refuse; its exit status and output."""
    env = environment(settings, free_port())
    return subprocess.run(GUNICORN, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


@contextmanager
def serving(settings: dict[str, str], log: Path):
    """gunicorn serving with these settings; yields its base URL, stops it at the end."""
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(GUNICORN, cwd=ROOT, env=environment(settings, port), stdout=out,
                                stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{log.read_text()}")
            try:
                requests.get(base + "/healthz", timeout=5).close()
                break
            except (requests.ConnectionError, requests.Timeout):  # not listening, or no worker yet
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer in 60 s:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
