"""Report lists and filing with 1,000,000 reports, on SQLite and on PostgreSQL, through the HTTP layer.

For each database the data set of bench/dataset.py is built (migrate, demo seed, 3,000 residents, N reports
bulk-loaded; no photos, timeline events or handling rows: the lists read none of them). Then gunicorn
serves it with the shipped config (config/gunicorn.conf.py, 2 workers) and the bench times:

* list p50/p95 over one keep-alive HTTP connection: scope=grid page 1 (grid member), page 1000 of the
  same via the cursor, scope=community&status=open (community admin), scope=mine (demo-resident);
* page 1000 as direct SQLAlchemy queries in this process, since the API has no OFFSET: the keyset page
  (queries.list_reports with the cursor) against OFFSET 19,980 with the same WHERE and ORDER BY;
* filing (bench/filing.py): concurrent clients POST /api/v1/reports naming a small photo uploaded before
  the clock started, and then as a resident waits: a 12 MP photo uploaded and the report filed, both timed.

Floors measured in the same run put the figures in context: GET /healthz and GET /api/v1/me next to the
lists, and the filing clients' GET /api/v1/me throughput next to the filing rates. The SQL statements each
request sends are counted on one in-process run of it; --explain prints the plans of the direct queries.
The variants being compared are sampled in interleaved rounds, so noise on this shared machine hits them
alike; compare the ratios, absolute times vary with the machine.

Run: python -m bench.reports [--rows 1000000] [--db sqlite|postgres|both] [--skip-filing]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask

from bench.dataset import ACCOUNTS, CATEGORIES, World, prepare
from bench.filing import FilingRun, filing, print_filing
from bench.harness import (
    PG_URL,
    WARM_UP,
    WORKERS,
    Http,
    Stats,
    Target,
    captured_sql,
    explain,
    interleaved,
    login,
    mark,
    say,
    scratch,
)
from suishoupai.auth.models import Role
from suishoupai.database import sqlite_begin_mode
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.reports import queries
from suishoupai.reports.models import Report

PAGE, TARGET_PAGE = 20, 1000
# the targets: list p95, page 1000 against page 1
LIST_P95_MS = 10.0
PAGE_RATIO = 1.5


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


def main() -> None:
    """Parse options, bench each database, print the tables and the target checks."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="reports to load (default 1,000,000)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--skip-filing", action="store_true", help="only the lists")
    parser.add_argument("--samples", type=int, default=300, help="timed requests per list (default 300)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent filing clients (default 16)")
    parser.add_argument("--filing-seconds", type=float, default=20, help="filing run length (default 20)")
    parser.add_argument("--photo-seconds", type=float, default=20,
                        help="12 MP upload-then-file run length (default 20; 0 skips it)")
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
        for part in (print_load, print_lists, print_direct):
            part(result)
        if result.filed is not None:
            print_filing(result.filed, result.target, result.checks)
        sys.stdout.flush()
    print("\n== targets ==")
    for result in results:
        for name, ok in result.checks:
            print(f"  {mark(ok)} {result.target.label}: {name}")


if __name__ == "__main__":
    main()
