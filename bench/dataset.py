"""The reports data set the list, nearby, moderation and stats benches share.

A fresh database is migrated and gets the demo seed (50 grids, their members, the categories, the demo
accounts), 3,000 residents and N reports bulk-loaded straight into the table (executemany on SQLite, COPY on
PostgreSQL, the report indexes dropped during the load and rebuilt after it, then ANALYZE). The reports get
no photos, timeline events or handling rows. Each grid's reports lie within about ±90 m of its centre, over
two years, 12 categories with a skew, ~5 % open, mostly recent ones.
"""

from __future__ import annotations

import itertools
import json
import random
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from flask import Flask
from flask_migrate import upgrade
from shapely.geometry import shape
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from bench.harness import Target, make_app, pg_conninfo, say
from suishoupai.auth.models import Role, User
from suishoupai.demo.seed import seed
from suishoupai.extensions import db
from suishoupai.org.models import Department, Duty, GridMember, OrgUnit
from suishoupai.reports import catalog
from suishoupai.reports.models import Report

REPORTERS = 3000
CATEGORIES = 12
DAYS = 730
RESIDENT_SHARE = 0.025  # filed by demo-resident: 25,000 of 1,000,000, so scope=mine has 1,000+ pages
CENTRE_SHARE = 0.03  # the demo grid member's grid: 30,000 of 1,000,000, so page 1000 is not the last
RECENT_DAYS, RECENT_OPEN, OLD_OPEN = 90, 0.35, 0.0075  # ~5 % open overall, mostly the recent ones
OPEN_STATUSES = {"assigned": 35, "accepted": 45, "transferred": 10, "escalated": 5, "submitted": 5}
ISSUES = ("垃圾满溢", "路面坑洼", "路灯不亮", "占道经营", "车辆乱停", "井盖松动", "树枝倒伏", "噪音扰民")
ROADS = ("体育场路", "武林路", "延安路", "环城北路", "中山北路", "凤起路", "建国北路", "庆春路")
ACCOUNTS = {"grid": "demo-grid-member", "community": "demo-community-admin", "mine": "demo-resident"}
REPORT_COLUMNS = (
    "reporter_id", "category_id", "description", "lat", "lng", "address", "public", "status", "is_open",
    "grid_id", "community_id", "street_id", "district_id", "assignee_id", "department_id",
    "escalation_level", "accept_due_at", "resolve_due_at", "overdue", "accepted_at", "resolved_at",
    "closed_at", "rating", "reopen_count", "reject_reason", "created_at", "updated_at",
)


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

