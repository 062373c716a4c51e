"""The harness every bench shares: a scratch database per run, gunicorn serving it, keep-alive HTTP,
interleaved timing and the small printing helpers.

Benches run as modules from the repository root (``python -m bench.reports``), so they import each other
as ``bench.*`` and the app as ``suishoupai`` from the checkout they sit in.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import make_url

from suishoupai import create_app
from suishoupai.extensions import db

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # gunicorn and flask from the venv running the bench
CONFIG = "config/gunicorn.conf.py"
WORKERS = 2
PG_URL = os.environ.get("SUISHOUPAI_TEST_DATABASE_URL", "postgresql+psycopg://127.0.0.1:5432/test")
SECRET = "bench-reports-secret-key-long-enough-for-hs256"
WARM_UP = 30


def say(text: str) -> None:
    """Progress on stderr, so the figures on stdout stay a clean table."""
    print(text, file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def mark(ok: bool) -> str:
    """✓ or ✗."""
    return "✓" if ok else "✗"


@dataclass
class Stats:
    """Latency samples of one variant, in ms."""

    samples: list[float]

    @property
    def p50(self) -> float:
        """Median."""
        return percentile(self.samples, 50)

    @property
    def p95(self) -> float:
        """95th percentile."""
        return percentile(self.samples, 95)

    def line(self) -> str:
        """p50 and p95 as a fixed-width cell."""
        return f"p50 {self.p50:7.2f} ms  p95 {self.p95:7.2f} ms"


# --- databases ----------------------------------------------------------------------------------


@dataclass
class Target:
    """One database under test: its SQLAlchemy URL and where its scratch files go."""

    kind: str  # sqlite | postgres
    url: str
    tmp: Path
    schema: str | None = None
    version: str = ""

    @property
    def label(self) -> str:
        """Name and version for the tables."""
        return f"{'SQLite' if self.kind == 'sqlite' else 'PostgreSQL'} {self.version}"


def pg_conninfo(url: str) -> str:
    """A libpq URL from a SQLAlchemy one."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def open_target(kind: str, tmp: Path, pg_url: str) -> Target:
    """A fresh database: a SQLite file, or a PostgreSQL schema reached through search_path."""
    if kind == "sqlite":
        return Target(kind, f"sqlite:///{tmp}/bench.db", tmp, version=sqlite3.sqlite_version)
    schema = f"bench_reports_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_conninfo(pg_url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        version = conn.execute("SHOW server_version").fetchone()[0].split()[0]
    url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return Target(kind, url.render_as_string(hide_password=False), tmp, schema, version)


def close_target(target: Target, pg_url: str) -> None:
    """Drop the PostgreSQL schema (the SQLite file goes with the temporary directory)."""
    if target.schema:
        with psycopg.connect(pg_conninfo(pg_url), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{target.schema}" CASCADE')


def app_settings(target: Target) -> dict[str, str]:
    """The settings the in-process app and gunicorn share (one secret: phones are encrypted with it)."""
    return {"ENV": "development", "DATABASE_URL": target.url, "DEV_LOGIN": "1", "SECRET_KEY": SECRET,
            "MEDIA_ROOT": str(target.tmp / "media"), "LOG_LEVEL": "WARNING", "RATELIMIT_ENABLED": "0",
            # each filer files hundreds of reports at random spots: now and then two would be a repeat
            "REPORT_REPEAT_MINUTES": "0"}


def make_app(target: Target) -> Flask:
    """The app in this process, on the target database."""
    overrides = app_settings(target) | {"DEV_LOGIN": True, "RATELIMIT_ENABLED": False,
                                        "REPORT_REPEAT_MINUTES": 0}
    return create_app(overrides)


# --- HTTP ---------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with the shipped config (plus any command-line flags) and WORKERS workers on the target."""

    def __init__(self, target: Target, flags: Sequence[str] = (), name: str = "gunicorn"):
        self.port = free_port()
        env = {f"SUISHOUPAI_{k}": v for k, v in app_settings(target).items()}
        self.env = {**os.environ, **env, "FLASK_APP": "wsgi.py",
                    "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": str(WORKERS)}
        # the config disables gunicorn 27's per-user control socket already; the flag says it twice
        self.cmd = [str(BIN / "gunicorn"), "-c", CONFIG, "--no-control-socket", *flags, "wsgi:app"]
        self.log_path = target.tmp / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        """Launch gunicorn in its own session and wait until /healthz answers."""
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=log, stderr=log,
                                         start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log_path.read_text()}")
            try:
                status, _ = Http(self.port, timeout=2).call("GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz in 60 s:\n{self.log_path.read_text()}")

    def boots(self) -> int:
        """Workers started so far: 2 at start, one more per recycle (the config's max_requests)."""
        return self.log_path.read_text().count("Booting worker")

    def stop(self) -> None:
        """SIGTERM the master; kill its whole session if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@dataclass
class Run:
    """One bench's scratch: a temporary directory, its database and the gunicorns serving it."""

    tmp: Path
    target: Target | None = None
    servers: list[Server] = field(default_factory=list)

    def serve(self, env: dict[str, str] | None = None, flags: Sequence[str] = (), name: str = "") -> Server:
        """Start a gunicorn on the target (``env`` on top of the bench's settings, ``flags`` after the
        config file's); stopped at the end."""
        server = Server(self.target, flags, name or f"gunicorn-{len(self.servers) + 1}")
        server.env.update(env or {})
        self.servers.append(server)
        server.start()
        return server


@contextmanager
def scratch(name: str, kind: str, pg_url: str) -> Iterator[Run]:
    """A fresh database for one bench; on failure gunicorn's log is shown; always cleaned up."""
    run = Run(Path(tempfile.mkdtemp(prefix=f"suishoupai-bench-{name}-{kind}-")))
    try:
        run.target = open_target(kind, run.tmp, pg_url)
        yield run
    except BaseException:
        for server in run.servers:
            if server.log_path.exists():
                say(f"gunicorn log (last 4,000 characters):\n{server.log_path.read_text()[-4000:]}")
                break
        raise
    finally:
        for server in run.servers:
            server.stop()
        if run.target is not None:
            close_target(run.target, pg_url)
        shutil.rmtree(run.tmp, ignore_errors=True)


class Http:
    """One keep-alive connection; a GET the server dropped while idle is sent again once."""

    def __init__(self, port: int, timeout: float = 60):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def call(self, method: str, path: str, token: str | None = None, body: bytes | None = None,
             content_type: str = "application/json") -> tuple[int, bytes]:
        """Send a request, return status and body."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if body is not None:
            headers["Content-Type"] = content_type
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if method != "GET" or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, token: str | None = None, payload: dict | None = None,
             expect: int = 200) -> dict:
        """A JSON request whose answer must have the expected status."""
        body = json.dumps(payload).encode() if payload is not None else None
        status, answer = self.call(method, path, token, body)
        if status != expect:
            raise RuntimeError(f"{method} {path}: HTTP {status} {answer[:300]!r}")
        return json.loads(answer)


def login(http_: Http, openid: str) -> str:
    """A bearer token from dev-login."""
    return http_.json("POST", "/api/v1/auth/dev-login", payload={"openid": openid})["token"]


def interleaved(variants: dict[str, Callable[[], object] | tuple[Callable[[], object], Callable[[], object]]],
                n: int, warm: int = WARM_UP) -> dict[str, Stats]:
    """Warm up, then n rounds that each time every variant once, in turn. A variant given as
    (before, fn) has `before` run untimed ahead of each call."""
    steps = {name: v if isinstance(v, tuple) else (None, v) for name, v in variants.items()}
    for _ in range(warm):
        for before, fn in steps.values():
            if before:
                before()
            fn()
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(n):
        for name, (before, fn) in steps.items():
            if before:
                before()
            started = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: Stats(values) for name, values in samples.items()}


@contextmanager
def captured_sql(app: Flask) -> Iterator[list[tuple[str, object]]]:
    """The statements the app's engine sends meanwhile, with their parameters."""
    seen: list[tuple[str, object]] = []
    with app.app_context():
        engine = db.engine

    def listen(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def explain(app: Flask, variants: dict[str, Callable[[], list]]) -> dict[str, list[str]]:
    """The plan of each variant's reports query (EXPLAIN ANALYZE on PostgreSQL)."""
    plans = {}
    for name, fn in variants.items():
        with captured_sql(app) as seen:
            fn()
        statement, params = next((s, p) for s, p in seen if "FROM reports" in s)
        sqlite = db.engine.dialect.name == "sqlite"
        prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql(prefix + statement, params).all()
        plans[name] = [" ".join(str(c) for c in row[-1:]) for row in rows]
    return plans


# --- concurrent clients ---------------------------------------------------------------------------


@dataclass
class Burst:
    """What concurrent clients achieved in one timed run."""

    clients: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    ran_out: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def rate(self) -> float:
        """Successful requests per second."""
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def add(self, status: int, expect: int, took_ms: float, answer: bytes) -> None:
        """Count one answer."""
        with self.lock:
            if status == expect:
                self.latencies.append(took_ms)
            else:
                self.errors.append(f"HTTP {status} {answer[:200]!r}")


def timed_call(conn: Http, method: str, path: str, token: str, body: bytes | None = None,
               content_type: str = "application/json") -> tuple[int, bytes, float]:
    """One request; a broken connection counts as status 0."""
    started = time.perf_counter()
    try:
        status, answer = conn.call(method, path, token, body, content_type)
    except (OSError, http.client.HTTPException) as exc:
        status, answer = 0, repr(exc).encode()
    return status, answer, (time.perf_counter() - started) * 1000


def reader(port: int, token: str, deadline: float, out: Burst) -> None:
    """GET /api/v1/me one after another until the deadline: the capacity floor of this run."""
    conn = Http(port)
    while time.perf_counter() < deadline:
        status, answer, took = timed_call(conn, "GET", "/api/v1/me", token)
        out.add(status, 200, took, answer)


def burst(clients: int, seconds: float, work: Callable[[int, float, Burst], None]) -> Burst:
    """Run work(k, deadline, out) in `clients` threads at once; time until the last one ends."""
    out = Burst(clients)
    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(k, started + seconds, out), daemon=True)
               for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.seconds = time.perf_counter() - started
    return out

