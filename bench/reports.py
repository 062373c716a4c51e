"""Report lists and filing with 1,000,000 reports, on SQLite and on PostgreSQL, through the HTTP layer.

For each database: migrate a fresh one (a temporary SQLite file; a PostgreSQL schema of its own, reached
through search_path), run the demo seed (50 grids, their members, the categories, the demo accounts), add
3,000 residents and bulk-load N reports straight into the table (executemany on SQLite, COPY on
PostgreSQL, the report indexes dropped during the load and rebuilt after it, then ANALYZE). The reports get
no photos, timeline events or handling rows: the lists read none of them. Then gunicorn serves it with the
shipped config (config/gunicorn.conf.py, 2 workers) and the bench times:

* list p50/p95 over one keep-alive HTTP connection: scope=grid page 1 (grid member), page 1000 of the
  same via the cursor, scope=community&status=open (community admin), scope=mine (demo-resident);
* page 1000 as direct SQLAlchemy queries in this process, since the API has no OFFSET: the keyset page
  (queries.list_reports with the cursor) against OFFSET 19,980 with the same WHERE and ORDER BY;
* filing: concurrent clients POST /api/v1/reports, each filing with a photo uploaded beforehand by
  its filer (16 residents' photos in one queue the clients draw from).

Floors measured in the same run put the figures in context: GET /healthz and GET /api/v1/me next to the
lists, and the filing clients' GET /api/v1/me throughput next to the filing rate. The SQL statements each
request sends are counted on one in-process run of it; --explain prints the plans of the direct queries.
The variants being compared are sampled in interleaved rounds, so noise on this shared machine hits them
alike; compare the ratios, absolute times vary with the machine.

Run: .venv/bin/python bench/reports.py [--rows 1000000] [--db sqlite|postgres|both] [--skip-filing]
"""

from __future__ import annotations

import argparse
import http.client
import io
import itertools
import json
import math
import os
import queue
import random
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
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the app, however the venv installed it

import psycopg  # noqa: E402
from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from PIL import Image  # noqa: E402
from shapely.geometry import shape  # noqa: E402
from sqlalchemy import event, func, insert, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from suishoupai import create_app  # noqa: E402
from suishoupai.auth.models import Role, User  # noqa: E402
from suishoupai.database import sqlite_begin_mode  # noqa: E402
from suishoupai.demo.seed import CELL_LAT, CELL_LNG, COLS, ORIGIN_LAT, ORIGIN_LNG, ROWS, seed  # noqa: E402
from suishoupai.extensions import db  # noqa: E402
from suishoupai.org.actor import Actor  # noqa: E402
from suishoupai.org.models import Department, Duty, GridMember, OrgUnit  # noqa: E402
from suishoupai.reports import catalog, queries  # noqa: E402
from suishoupai.reports.models import Report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
CONFIG = "config/gunicorn.conf.py"
WORKERS = 2
PG_URL = os.environ.get("SUISHOUPAI_TEST_DATABASE_URL", "postgresql+psycopg://127.0.0.1:5432/test")
SECRET = "bench-reports-secret-key-long-enough-for-hs256"
PAGE, TARGET_PAGE = 20, 1000
WARM_UP = 30
# the data set
REPORTERS = 3000
CATEGORIES = 12
DAYS = 730
RESIDENT_SHARE = 0.025  # filed by demo-resident: 25,000 of 1,000,000, so scope=mine has 1,000+ pages
CENTRE_SHARE = 0.03  # the demo grid member's grid: 30,000 of 1,000,000, so page 1000 is not the last
RECENT_DAYS, RECENT_OPEN, OLD_OPEN = 90, 0.35, 0.0075  # ~5 % open overall, mostly the recent ones
OPEN_STATUSES = {"assigned": 35, "accepted": 45, "transferred": 10, "escalated": 5, "submitted": 5}
ISSUES = ("垃圾满溢", "路面坑洼", "路灯不亮", "占道经营", "车辆乱停", "井盖松动", "树枝倒伏", "噪音扰民")
ROADS = ("体育场路", "武林路", "延安路", "环城北路", "中山北路", "凤起路", "建国北路", "庆春路")
# the targets: list p95, page 1000 against page 1, filings per second
LIST_P95_MS = 10.0
PAGE_RATIO = 1.5
FILING_RATE = 200.0
# filing: photos are uploaded for at most this rate over the whole run
MAX_FILING_RATE = 300
UPLOAD_THREADS = 8
BASELINE_SECONDS = 5
WARM_FILING_SECONDS, WARM_PHOTOS = 3, 20
ACCOUNTS = {"grid": "demo-grid-member", "community": "demo-community-admin", "mine": "demo-resident"}
REPORT_COLUMNS = (
    "reporter_id", "category_id", "description", "lat", "lng", "address", "public", "status", "is_open",
    "grid_id", "community_id", "street_id", "district_id", "assignee_id", "department_id",
    "escalation_level", "accept_due_at", "resolve_due_at", "overdue", "accepted_at", "resolved_at",
    "closed_at", "rating", "reopen_count", "reject_reason", "created_at", "updated_at",
)


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


# --- the data set -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """A demo grid with its place in the org tree, its on-duty member and its centre (WGS-84)."""

    id: int
    path: str
    community_id: int
    street_id: int | None
    district_id: int | None
    member_id: int | None
    lat: float
    lng: float


@dataclass
class World:
    """What the seed made, as the loader and the timings need it."""

    grids: list[Grid]
    categories: list[tuple[int, str]]
    departments: list[int]
    users: dict[str, int]
    reporters: list[int]

    @property
    def centre(self) -> Grid:
        """The demo grid member's grid."""
        return next(g for g in self.grids if g.member_id == self.users[ACCOUNTS["grid"]])


def migrate_and_seed(app: Flask) -> None:
    """Run the migrations and the demo seed, then add the residents who file the bulk of reports."""
    rng = random.Random(3)
    with app.app_context():
        upgrade()
        seed()
        communities = list(db.session.scalars(select(OrgUnit.id).where(OrgUnit.kind == "community")))
        db.session.execute(insert(User), [
            {"openid": f"bench-reporter-{i:04d}", "role": Role.RESIDENT, "nickname": f"居民{i:04d}",
             "org_unit_id": rng.choice(communities)} for i in range(REPORTERS)])
        db.session.commit()


def read_world() -> World:
    """The seeded org tree, members, categories and users (in an app context)."""
    units = {u.id: u for u in db.session.scalars(select(OrgUnit))}
    members = dict(db.session.execute(
        select(GridMember.grid_id, GridMember.user_id).where(GridMember.duty == Duty.ON_DUTY)).all())
    grids = []
    for unit in sorted(units.values(), key=lambda u: u.code):
        if unit.kind != "grid" or not unit.code.startswith("DEMO-"):
            continue
        street = units[unit.community_id].parent_id
        district = units[street].parent_id if street else None
        centre = shape(json.loads(unit.geometry)).centroid
        grids.append(Grid(unit.id, unit.path, unit.community_id, street, district,
                          members.get(unit.id), centre.y, centre.x))
    users = dict(db.session.execute(select(User.openid, User.id)).all())
    return World(grids=grids,
                 categories=[(c.id, c.code) for c in catalog.active_categories()][:CATEGORIES],
                 departments=list(db.session.scalars(select(Department.id))), users=users,
                 reporters=sorted(i for o, i in users.items() if o.startswith("bench-reporter-")))


class ReportMaker:
    """Seeded report rows over the demo district, ids rising with created_at as a real table's do."""

    def __init__(self, world: World, n: int, seed_value: int = 7):
        self.world, self.n = world, n
        self.rng = random.Random(seed_value)
        self.now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        centre = world.centre
        others = [self.rng.uniform(0.4, 1.6) for g in world.grids if g is not centre]
        scale = (1 - CENTRE_SHARE) / sum(others)
        weights = iter(others)
        self.weights = [CENTRE_SHARE if g is centre else next(weights) * scale for g in world.grids]
        self.open_statuses, self.open_weights = zip(*OPEN_STATUSES.items(), strict=True)
        self.resident = world.users[ACCOUNTS["mine"]]

    def rows(self) -> Iterator[tuple]:
        """All N rows, oldest first, in REPORT_COLUMNS order (datetimes timezone-aware UTC)."""
        rng, span = self.rng, DAYS * 86400
        start = self.now - timedelta(days=DAYS)
        offsets = sorted(rng.random() * span for _ in range(self.n))
        grids = rng.choices(self.world.grids, weights=self.weights, k=self.n)
        for i, (offset, grid) in enumerate(zip(offsets, grids, strict=True)):
            yield self.row(i, start + timedelta(seconds=offset), grid)

    def row(self, i: int, created: datetime, grid: Grid) -> tuple:
        """One report: who, what, where, then how far it has got."""
        rng = self.rng
        if rng.random() < RESIDENT_SHARE:
            reporter = self.resident
        else:  # a few residents file much more than most
            reporter = self.world.reporters[int(len(self.world.reporters) * rng.random() ** 2)]
        category = self.world.categories[int(len(self.world.categories) * rng.random() ** 1.5)][0]
        road = rng.choice(ROADS)
        description = f"{road}{rng.choice(ISSUES)}，请尽快处理（{i}）"
        lat = grid.lat + rng.uniform(-0.0008, 0.0008)
        lng = grid.lng + rng.uniform(-0.0008, 0.0008)
        state = self.state(created, grid)
        return (reporter, category, description, lat, lng, f"{road}{rng.randint(1, 400)}号",
                rng.random() < 0.85, state["status"], state["is_open"], grid.id, grid.community_id,
                grid.street_id, grid.district_id, state["assignee"], state["department"],
                state["level"], created + timedelta(hours=4), created + timedelta(days=3),
                state["overdue"], state["accepted"], state["resolved"], state["closed"], state["rating"],
                0, state["reason"], created, state["updated"])

    def state(self, created: datetime, grid: Grid) -> dict:
        """Status, holder and lifecycle times, consistent with each other and with the age."""
        rng, now = self.rng, self.now
        age_days = (now - created).total_seconds() / 86400
        is_open = rng.random() < (RECENT_OPEN if age_days < RECENT_DAYS else OLD_OPEN)
        s = {"is_open": is_open, "assignee": grid.member_id, "department": None, "level": 0,
             "overdue": False, "accepted": None, "resolved": None, "closed": None, "rating": None,
             "reason": None}
        if is_open:
            s["status"] = rng.choices(self.open_statuses, weights=self.open_weights)[0]
            if s["status"] == "submitted":
                s["assignee"] = None
            elif s["status"] != "assigned":
                s["accepted"] = min(now, created + timedelta(minutes=rng.uniform(10, 360)))
            if s["status"] == "transferred":
                s["department"] = rng.choice(self.world.departments)
            s["level"] = rng.choice((1, 2)) if s["status"] == "escalated" else 0
            s["overdue"] = now > created + (timedelta(days=3) if s["accepted"] else timedelta(hours=4))
        elif rng.random() < 0.12:
            s["status"], s["reason"] = "rejected", "不属于受理范围"
            s["closed"] = min(now, created + timedelta(hours=rng.uniform(1, 24)))
        else:
            self.closed_times(s, created, age_days)
        s["updated"] = max(t for t in (created, s["accepted"], s["resolved"], s["closed"]) if t)
        return s

    def closed_times(self, s: dict, created: datetime, age_days: float) -> None:
        """Accepted, resolved and (unless awaiting the reporter's confirmation) closed, with a rating."""
        rng, now = self.rng, self.now
        s["accepted"] = min(now, created + timedelta(minutes=rng.uniform(10, 360)))
        s["resolved"] = min(now, s["accepted"] + timedelta(hours=rng.uniform(1, 96)))
        if rng.random() < 0.1:
            s["department"] = rng.choice(self.world.departments)
        if age_days < 14 and rng.random() < 0.5:
            s["status"] = "resolved"
            return
        s["status"] = "closed"
        s["closed"] = min(now, s["resolved"] + timedelta(days=rng.uniform(0, 7)))
        if rng.random() < 0.6:
            s["rating"] = rng.choices((1, 2, 3, 4, 5), weights=(2, 3, 10, 35, 50))[0]


def batches(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    """Rows in lists of `size`."""
    it = iter(rows)
    while batch := list(itertools.islice(it, size)):
        yield batch


def load_sqlite(path: Path, rows: Iterable[tuple]) -> dict[str, float]:
    """executemany in 100,000-row transactions, no journal, indexes dropped and rebuilt, ANALYZE."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-524288", "temp_store=MEMORY"):
        conn.execute(f"PRAGMA {pragma}")
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                           "AND tbl_name = 'reports' AND sql IS NOT NULL").fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    sql = f"INSERT INTO reports ({', '.join(REPORT_COLUMNS)}) VALUES ({', '.join('?' * len(REPORT_COLUMNS))})"
    times, started = {}, time.perf_counter()
    for batch in batches(rows, 100_000):
        conn.execute("BEGIN")
        # stored as SQLAlchemy's DateTime stores them on SQLite: naive UTC, always with microseconds
        conn.executemany(sql, ([v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v
                                for v in row] for row in batch))
        conn.execute("COMMIT")
    times["insert"] = time.perf_counter() - started
    for _, ddl in indexes:
        conn.execute(ddl)
    times["indexes"] = time.perf_counter() - started - times["insert"]
    conn.execute("ANALYZE")
    conn.execute("PRAGMA optimize")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    times["analyze"] = time.perf_counter() - started - times["insert"] - times["indexes"]
    return times


def load_postgres(target: Target, rows: Iterable[tuple]) -> dict[str, float]:
    """COPY with the FK triggers off (the rows are consistent by construction), indexes rebuilt after,
    VACUUM ANALYZE and a CHECKPOINT (as a superuser)."""
    with psycopg.connect(pg_conninfo(target.url), autocommit=True) as conn:
        indexes = conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s "
                               "AND tablename = 'reports' AND indexname <> 'pk_reports'",
                               (target.schema,)).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{target.schema}"."{name}"')
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
        times, started = {}, time.perf_counter()
        with conn.transaction():
            if superuser:  # otherwise every row runs seven FK lookups; slower, same result
                conn.execute("SET LOCAL session_replication_role = replica")
            with conn.cursor().copy(f"COPY reports ({', '.join(REPORT_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        times["insert"] = time.perf_counter() - started
        conn.execute("SET maintenance_work_mem = '256MB'")
        for _, ddl in indexes:
            conn.execute(ddl)
        times["indexes"] = time.perf_counter() - started - times["insert"]
        conn.execute("VACUUM (ANALYZE) reports")
        if superuser:  # write the load's dirty pages now, not while the lists are timed
            conn.execute("CHECKPOINT")
        times["analyze"] = time.perf_counter() - started - times["insert"] - times["indexes"]
    return times


def data_facts(world: World) -> dict[str, int]:
    """Counts the timings depend on, read back from the loaded table."""
    def count(*where) -> int:
        return db.session.scalar(select(func.count()).select_from(Report).where(*where))

    centre = world.centre
    community = db.session.get(User, world.users[ACCOUNTS["community"]]).org_unit_id
    return {"total": count(), "open": count(Report.is_open.is_(True)),
            "centre grid": count(Report.grid_id == centre.id),
            "community open": count(Report.community_id == community, Report.is_open.is_(True)),
            "mine": count(Report.reporter_id == world.users[ACCOUNTS["mine"]])}


def prepare(target: Target, rows_n: int) -> tuple[Flask, World, dict[str, float], dict[str, int]]:
    """Migrate, seed, bulk-load and analyse; returns the app, the world, load times and counts."""
    started = time.perf_counter()
    app = make_app(target)
    migrate_and_seed(app)
    with app.app_context():
        world = read_world()
        db.session.remove()
        db.engine.dispose()  # the loader wants the database to itself
    times = {"migrate+seed": time.perf_counter() - started}
    say(f"[{target.label}] migrated and seeded in {times['migrate+seed']:.1f} s; loading {rows_n:,} reports")
    rows = ReportMaker(world, rows_n).rows()
    if target.kind == "sqlite":
        times |= load_sqlite(Path(make_url(target.url).database), rows)
    else:
        times |= load_postgres(target, rows)
    with app.app_context():
        facts = data_facts(world)
        db.session.remove()
    return app, world, times, facts


# --- HTTP ---------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with the shipped config and WORKERS workers on the target database."""

    def __init__(self, target: Target):
        self.port = free_port()
        env = {f"SUISHOUPAI_{k}": v for k, v in app_settings(target).items()}
        self.env = {**os.environ, **env, "FLASK_APP": "wsgi.py",
                    "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": str(WORKERS)}
        # the config disables gunicorn 27's per-user control socket already; the flag says it twice
        self.cmd = [str(BIN / "gunicorn"), "-c", CONFIG, "--no-control-socket", "wsgi:app"]
        self.log_path = target.tmp / "gunicorn.log"
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

    def serve(self, env: dict[str, str] | None = None) -> Server:
        """Start a gunicorn on the target (settings in ``env`` on top of the bench's); stopped at the end."""
        server = Server(self.target)
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


LIST = "/api/v1/reports?limit=20&scope="
BASELINES = ("baseline /healthz", "baseline /api/v1/me")


def walk(http_: Http, token: str, page: int) -> tuple[str, int, list[int]]:
    """Follow next_cursor from page 1 to `page` (or the last page); returns its cursor, number, ids."""
    cursor, number = None, 1
    while True:
        path = LIST + "grid" + (f"&cursor={cursor}" if cursor else "")
        body = http_.json("GET", path, token)
        if number == page or body["next_cursor"] is None:
            return cursor, number, [item["id"] for item in body["items"]]
        cursor, number = body["next_cursor"], number + 1


def list_requests(tokens: dict[str, str], cursor: str, page_no: int) -> dict[str, tuple[str, str]]:
    """The timed GETs by name: path and bearer token (none for /healthz)."""
    return {
        "scope=grid page 1": (LIST + "grid", tokens["grid"]),
        f"scope=grid page {page_no} (cursor)": (LIST + f"grid&cursor={cursor}", tokens["grid"]),
        "scope=community&status=open": (LIST + "community&status=open", tokens["community"]),
        "scope=mine": (LIST + "mine", tokens["mine"]),
        # floors in the same run: the server alone, then sign-in plus one small read
        BASELINES[0]: ("/healthz", ""),
        BASELINES[1]: ("/api/v1/me", tokens["grid"]),
    }


def http_lists(port: int, tokens: dict[str, str], n: int) -> tuple[dict[str, Stats], dict, tuple]:
    """Walk to page 1000, then time the lists and two floors over one keep-alive connection;
    returns the timings, the requests and the page walked to (cursor, number, ids)."""
    conn = Http(port)
    say(f"  walking {TARGET_PAGE - 1} pages of scope=grid for the page-{TARGET_PAGE} cursor")
    cursor, page_no, page_ids = walk(conn, tokens["grid"], TARGET_PAGE)
    requests = list_requests(tokens, cursor, page_no)

    def get(path: str, token: str) -> Callable[[], None]:
        def run() -> None:
            status, body = conn.call("GET", path, token)
            if status != 200:
                raise RuntimeError(f"GET {path}: HTTP {status} {body[:300]!r}")
        return run

    say(f"  timing the lists over HTTP: {WARM_UP} warm-up + {n} interleaved rounds")
    stats = interleaved({name: get(path, token) for name, (path, token) in requests.items()}, n)
    return stats, requests, (cursor, page_no, page_ids)


def statements_per_request(app: Flask, requests: dict[str, tuple[str, str]]) -> dict[str, int]:
    """SQL statements each GET sends (BEGIN aside), counted on one in-process run (test client)."""
    client, counts = app.test_client(), {}
    for name, (path, token) in requests.items():
        with captured_sql(app) as seen:
            client.get(path, headers={"Authorization": f"Bearer {token}"} if token else {})
        counts[name] = sum(1 for statement, _ in seen if not statement.startswith("BEGIN"))
    return counts


# --- direct queries -----------------------------------------------------------------------------


def grid_actor(world: World) -> Actor:
    """The demo grid member as the request layer would build them."""
    return Actor(user_id=world.users[ACCOUNTS["grid"]], role=Role.GRID_MEMBER,
                 scope_paths=(world.centre.path,))


def offset_select(actor: Actor, page_no: int):
    """scope=grid exactly as queries.list_reports builds it, paged with OFFSET instead of the cursor."""
    # queries._scoped is the WHERE of list_reports; the ORDER BY and limit+1 are keyset_page's
    stmt = queries._scoped(actor, "grid").order_by(Report.created_at.desc(), Report.id.desc())
    return stmt.offset((page_no - 1) * PAGE).limit(PAGE + 1)


def direct_variants(world: World, cursor: str, page_no: int) -> dict[str, Callable[[], list]]:
    """Keyset page 1, keyset page N and OFFSET page N; each sample ends its session like a request."""
    actor = grid_actor(world)
    first = {"scope": "grid", "limit": PAGE}
    nth = first | {"cursor": cursor}
    offset_stmt = offset_select(actor, page_no)

    def sample(fn: Callable[[], list]) -> Callable[[], list]:
        def run() -> list:
            try:
                return [r.id for r in fn()[:PAGE]]
            finally:
                db.session.remove()
        return run

    return {"keyset page 1": sample(lambda: queries.list_reports(actor, first)["items"]),
            f"keyset page {page_no}": sample(lambda: queries.list_reports(actor, nth)["items"]),
            f"OFFSET page {page_no}": sample(lambda: db.session.scalars(offset_stmt).all())}


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


def direct_queries(app: Flask, world: World, page: tuple[str, int, list[int]], n: int,
                   want_plans: bool) -> tuple[dict[str, Stats], bool, dict[str, list[str]]]:
    """Time the three variants in this process for page (cursor, number, ids seen over HTTP);
    check that keyset, OFFSET and the HTTP walk all give the same rows."""
    cursor, page_no, http_ids = page
    token = sqlite_begin_mode.set("DEFERRED")  # reads, as the request layer begins them
    try:
        with app.app_context():
            variants = direct_variants(world, cursor, page_no)
            ids = [fn() for fn in variants.values()]
            same_page = ids[1] == ids[2] == http_ids and len(http_ids) > 0
            say(f"  timing the direct queries: {WARM_UP} warm-up + {n} interleaved rounds")
            stats = interleaved(variants, n)
            plans = explain(app, variants) if want_plans else {}
            db.session.remove()
            db.engine.dispose()
    finally:
        sqlite_begin_mode.reset(token)
    return stats, same_page, plans


# --- filing -------------------------------------------------------------------------------------


def tiny_jpeg(i: int) -> bytes:
    """A distinct 64×48 JPEG (seeded noise), so every upload is its own media row."""
    noise = random.Random(i).randbytes(64 * 48 * 3)
    buf = io.BytesIO()
    Image.frombytes("RGB", (64, 48), noise).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def multipart(photo: bytes) -> tuple[bytes, str]:
    """The body wx.uploadFile sends: field `file` plus formData purpose=report."""
    boundary = "----benchreports7MA4YWxkTrZu0gW"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nreport\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n").encode() + photo + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def upload_photos(port: int, tokens: list[str], per_filer: int, first: int = 0) -> list[list[int]]:
    """POST /api/v1/media per_filer photos for each filer (photos first, first+1, …), 8 at a time."""
    jobs = [(k, first + k * per_filer + j) for k in range(len(tokens)) for j in range(per_filer)]
    owned: list[list[int]] = [[] for _ in tokens]

    def work(chunk: list[tuple[int, int]]) -> None:
        conn = Http(port)
        for k, i in chunk:
            body, content_type = multipart(tiny_jpeg(i))
            status, answer = conn.call("POST", "/api/v1/media", tokens[k], body, content_type)
            if status != 201:
                raise RuntimeError(f"upload: HTTP {status} {answer[:300]!r}")
            owned[k].append(json.loads(answer)["id"])

    with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
        list(pool.map(work, [jobs[t::UPLOAD_THREADS] for t in range(UPLOAD_THREADS)]))
    return owned


def report_body(rng: random.Random, media_id: int, codes: list[str]) -> bytes:
    """A new report at a random spot inside the demo district (GCJ-02, as the phone sends it)."""
    return json.dumps({
        "category": rng.choice(codes), "description": f"{rng.choice(ROADS)}{rng.choice(ISSUES)}，请处理",
        "location": {"lat": ORIGIN_LAT + rng.uniform(0.05, ROWS - 0.05) * CELL_LAT,
                     "lng": ORIGIN_LNG + rng.uniform(0.05, COLS - 0.05) * CELL_LNG, "coord_type": "gcj02"},
        "address": f"{rng.choice(ROADS)}{rng.randint(1, 400)}号", "media_ids": [media_id], "public": True,
    }, ensure_ascii=False).encode()


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


def timed_call(conn: Http, method: str, path: str, token: str, body: bytes | None = None
               ) -> tuple[int, bytes, float]:
    """One request; a broken connection counts as status 0."""
    started = time.perf_counter()
    try:
        status, answer = conn.call(method, path, token, body)
    except (OSError, http.client.HTTPException) as exc:
        status, answer = 0, repr(exc).encode()
    return status, answer, (time.perf_counter() - started) * 1000


def filer(port: int, jobs: queue.SimpleQueue, codes: list[str], deadline: float, out: Burst,
          seed_value: int) -> None:
    """File reports one after another until the deadline or the photos run out. Every client takes
    the next (filer's token, photo) from one queue: gunicorn does not serve its connections alike,
    and a client with photos of its own would stop early while others still had many."""
    conn, rng = Http(port), random.Random(seed_value)
    while time.perf_counter() < deadline:
        try:
            token, media_id = jobs.get_nowait()
        except queue.Empty:
            with out.lock:
                out.ran_out = True
            return
        status, answer, took = timed_call(conn, "POST", "/api/v1/reports", token,
                                          report_body(rng, media_id, codes))
        out.add(status, 201, took, answer)


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


@dataclass
class FilingRun:
    """The filing burst, its warm-up, the same clients' GET /api/v1/me burst, and worker recycles."""

    uploaded: int
    upload_seconds: float
    warm: Burst
    baseline: Burst
    filed: Burst
    recycles: int
    statements: int


def statements_per_filing(app: Flask, token: str, codes: list[str]) -> int:
    """SQL statements (BEGIN aside) of one POST /api/v1/reports, run in-process with a fresh photo,
    after one filing that fills this process's per-process copies (as a serving worker has them)."""
    client, auth = app.test_client(), {"Authorization": f"Bearer {token}"}
    counts = []
    for i in range(2):
        body, content_type = multipart(tiny_jpeg(10**9 + i))
        media = client.post("/api/v1/media", data=body, headers=auth | {"Content-Type": content_type})
        with captured_sql(app) as seen:
            answer = client.post("/api/v1/reports",
                                 data=report_body(random.Random(i), media.json["id"], codes),
                                 headers=auth | {"Content-Type": "application/json"})
        if answer.status_code != 201:
            raise RuntimeError(f"in-process filing: HTTP {answer.status_code} {answer.get_data()[:300]!r}")
        counts.append(sum(1 for statement, _ in seen if not statement.startswith("BEGIN")))
    return counts[-1]


def filing(server: Server, app: Flask, world: World, args: argparse.Namespace) -> FilingRun:
    """Warm up (which also sizes the uploads), upload the photos, time a read burst, then file."""
    clients, seconds = args.clients, args.filing_seconds
    port, conn = server.port, Http(server.port)
    tokens = [login(conn, f"bench-filer-{k:02d}") for k in range(clients)]
    codes = [code for _, code in world.categories]

    def file(owned: list[list[int]], seed_base: int) -> Callable[[int, float, Burst], None]:
        jobs: queue.SimpleQueue = queue.SimpleQueue()
        for photos in itertools.zip_longest(*owned):  # each filer's first photo, then the second, …
            for k, media_id in enumerate(photos):
                if media_id is not None:
                    jobs.put((tokens[k], media_id))
        return lambda k, end, out: filer(port, jobs, codes, end, out, seed_base + k)

    say(f"  filing warm-up: {clients} clients for {WARM_FILING_SECONDS:g} s")
    warm = burst(clients, WARM_FILING_SECONDS, file(upload_photos(port, tokens, WARM_PHOTOS), 0))
    # photos for 2.5x the warm-up rate: the run may speed up, and clients are not served alike
    starved = len(warm.latencies) + len(warm.errors) >= 0.8 * clients * WARM_PHOTOS
    rate = MAX_FILING_RATE if starved else min(MAX_FILING_RATE, 2.5 * warm.rate + 20)
    per_filer = math.ceil(rate * seconds / clients)
    say(f"  uploading {per_filer * clients:,} photos ({per_filer} for each of {clients} filers)")
    started = time.perf_counter()
    owned = upload_photos(port, tokens, per_filer, first=clients * WARM_PHOTOS)
    upload_seconds = time.perf_counter() - started
    say(f"  uploaded in {upload_seconds:.1f} s; {clients} clients: GET /api/v1/me for "
        f"{BASELINE_SECONDS:g} s, then filing for {seconds:g} s")
    baseline = burst(clients, BASELINE_SECONDS, lambda k, end, out: reader(port, tokens[k], end, out))
    boots = server.boots()
    filed = burst(clients, seconds, file(owned, 1000))
    recycles = server.boots() - boots
    return FilingRun(per_filer * clients, upload_seconds, warm, baseline, filed, recycles,
                     statements_per_filing(app, tokens[0], codes))


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Result:
    """Everything measured on one database."""

    target: Target
    rows: int
    times: dict[str, float]
    facts: dict[str, int]
    lists: dict[str, Stats]
    sql: dict[str, int]
    page_no: int
    direct: dict[str, Stats]
    same_page: bool
    plans: dict[str, list[str]]
    filed: FilingRun | None
    checks: list[tuple[str, bool]] = field(default_factory=list)


def bench(kind: str, args: argparse.Namespace) -> Result:
    """Prepare one database, serve it, time lists, direct queries and filing; always clean up."""
    with scratch("reports", kind, args.pg_url) as run:
        app, world, times, facts = prepare(run.target, args.rows)
        say(f"[{run.target.label}] loaded: " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items()))
        server = run.serve()
        conn = Http(server.port)
        tokens = {scope: login(conn, openid) for scope, openid in ACCOUNTS.items()}
        lists, requests, page = http_lists(server.port, tokens, args.samples)
        direct, same_page, plans = direct_queries(app, world, page, args.samples, args.explain)
        sql, page_no = statements_per_request(app, requests), page[1]
        filed = None if args.skip_filing else filing(server, app, world, args)
        return Result(run.target, args.rows, times, facts, lists, sql, page_no, direct, same_page, plans,
                      filed)


def print_load(r: Result) -> None:
    """How the data set was made and what it holds."""
    t, f = r.times, r.facts
    total = t["insert"] + t["indexes"] + t["analyze"]
    how = "executemany" if r.target.kind == "sqlite" else "COPY"
    print(f"\n== {r.target.label}: {f['total']:,} reports ==")
    print(f"load: migrate+seed {t['migrate+seed']:.1f} s; reports generated+{how} {t['insert']:.1f} s, "
          f"indexes rebuilt {t['indexes']:.1f} s, ANALYZE {t['analyze']:.1f} s (bulk load {total:.1f} s)")
    print(f"data: {f['open'] / f['total']:.1%} open; centre grid {f['centre grid']:,} reports; "
          f"community open {f['community open']:,}; demo-resident (mine) {f['mine']:,}")


def print_lists(r: Result) -> None:
    """HTTP list timings with the p95 target and the page-1000 / page-1 ratio."""
    n = len(next(iter(r.lists.values())).samples)
    print(f"HTTP via gunicorn ({WORKERS} gthread workers, shipped config), one keep-alive connection, "
          f"{n} samples each after {WARM_UP} warm-up, interleaved (SQL: statements per request):")
    for name, stats in r.lists.items():
        sql = f"{r.sql[name]:3d} SQL"
        if name in BASELINES:
            print(f"  GET {name:<34} {stats.line()}  {sql}  (floor, no target)")
            continue
        ok = stats.p95 <= LIST_P95_MS
        r.checks.append((f"{name} p95 ≤ {LIST_P95_MS:g} ms", ok))
        print(f"  GET {name:<34} {stats.line()}  {sql}  {mark(ok)} p95 ≤ {LIST_P95_MS:g} ms")
    first, nth = list(r.lists.values())[:2]
    ratio = nth.p50 / first.p50
    ok = ratio <= PAGE_RATIO and r.page_no == TARGET_PAGE
    r.checks.append((f"HTTP page {r.page_no} / page 1 p50 ≤ {PAGE_RATIO:g}×", ok))
    short = "" if r.page_no == TARGET_PAGE else f", not the target: page {TARGET_PAGE} needs more rows"
    print(f"  page {r.page_no} / page 1: p50 {ratio:.2f}×  p95 {nth.p95 / first.p95:.2f}×  "
          f"{mark(ok)} ≤ {PAGE_RATIO:g}× (p50){short}")


def print_direct(r: Result) -> None:
    """Direct-query timings: keyset page 1 and N, OFFSET page N, and their ratios."""
    print("direct SQLAlchemy queries in this process (scope=grid, same WHERE/ORDER BY/limit+1), "
          "interleaved:")
    for name, stats in r.direct.items():
        print(f"  {name:<38} {stats.line()}")
    first, keyset, offset = r.direct.values()
    ratio, slower = keyset.p50 / first.p50, offset.p50 / keyset.p50
    ok = slower > 1.0 and r.same_page
    r.checks.append((f"OFFSET page {r.page_no} slower than keyset", ok))
    print(f"  keyset page {r.page_no} / page 1: p50 {ratio:.2f}×; OFFSET / keyset page {r.page_no}: "
          f"p50 {slower:.2f}× p95 {offset.p95 / keyset.p95:.2f}×  {mark(ok)} OFFSET slower; "
          f"same rows: {mark(r.same_page)}")
    for name, lines in r.plans.items():
        print(f"  plan, {name}:")
        for line in lines:
            print(f"    {line}")


def print_filing(r: Result) -> None:
    """Filing throughput and latency against the read floor; the rate target applies to PostgreSQL."""
    run = r.filed
    if run is None:
        return
    f, base = run.filed, run.baseline
    ok = f.rate >= FILING_RATE
    if r.target.kind == "postgres":
        r.checks.append((f"filing ≥ {FILING_RATE:g} reports/s", ok))
        r.checks.append(("filing: every answer 201", not f.errors))
    verdict = f"{mark(ok)} ≥ {FILING_RATE:g}/s" + ("" if r.target.kind == "postgres" else " (no target)")
    note = " (photos ran out before the end)" if f.ran_out else ""
    print(f"filing via gunicorn, {f.clients} concurrent clients, 1 photo each uploaded beforehand "
          f"({run.uploaded:,} uploads took {run.upload_seconds:.1f} s):")
    print(f"  POST /api/v1/reports  {len(f.latencies):,} × 201 in {f.seconds:.1f} s{note}: "
          f"{f.rate:6.1f} reports/s {verdict}; {Stats(f.latencies or [0.0]).line()}; "
          f"{len(f.errors)} errors {mark(not f.errors)}; worker recycles meanwhile: {run.recycles}; "
          f"{run.statements} SQL statements per filing")
    print(f"  GET /api/v1/me floor  {len(base.latencies):,} × 200 in {base.seconds:.1f} s: "
          f"{base.rate:6.1f} req/s; {Stats(base.latencies or [0.0]).line()}; "
          f"filing / floor rate {f.rate / base.rate if base.rate else 0:.2f}")
    print(f"  (warm-up before it: {len(run.warm.latencies):,} × 201 in {run.warm.seconds:.1f} s, "
          f"{run.warm.rate:.1f} reports/s, {len(run.warm.errors)} errors)")
    for error in (f.errors + base.errors + run.warm.errors)[:3]:
        print(f"    error: {error}")


def main() -> None:
    """Parse options, bench each database, print the tables and the target checks."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="reports to load (default 1,000,000)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--skip-filing", action="store_true", help="only the lists")
    parser.add_argument("--samples", type=int, default=300, help="timed requests per list (default 300)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent filing clients (default 16)")
    parser.add_argument("--filing-seconds", type=float, default=20, help="filing run length (default 20)")
    parser.add_argument("--explain", action="store_true", help="print the plans of the direct queries")
    parser.add_argument("--pg-url", default=PG_URL, help=f"PostgreSQL (default {PG_URL})")
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    print(f"{os.cpu_count()} CPUs; {args.rows:,} reports over 50 grids and {CATEGORIES} categories; "
          f"photos/events per report not created (lists do not read them)")
    results = []
    for kind in kinds:
        result = bench(kind, args)
        results.append(result)
        for part in (print_load, print_lists, print_direct, print_filing):
            part(result)
        sys.stdout.flush()
    print("\n== targets ==")
    for result in results:
        for name, ok in result.checks:
            print(f"  {mark(ok)} {result.target.label}: {name}")


if __name__ == "__main__":
    main()
