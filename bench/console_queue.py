"""The console's work queue (工作台) at 1,000,000 reports, over HTTP, against the GET /me floor.

Builds the data set of bench/dataset.py (migrate, demo seed, N reports bulk-loaded with COPY on PostgreSQL;
about 5 % open, mostly recent) and gives every report its handling stint in one INSERT … SELECT (the queue's
"awaiting accept" reads the open stint: ``queries.holder_accepted``), then gunicorn serves it with the
shipped config and the bench times, over one keep-alive connection, for the demo community, street and
district administrators:

* GET /api/v1/admin/queue?tab=accept|overdue|in_progress&limit=20, the first page;
* GET /api/v1/admin/queue/counts (one pass over the open cases in reach, plus the two admin tabs);
* GET /api/v1/me of the same caller, the floor (sign-in plus one small read).

With --before the queue's indexes (migration 0019) are then dropped and everything is timed again on the
same data, so the table shows the figures with and without them. --explain prints EXPLAIN ANALYZE of the
district's accept page and counts. The variants are sampled in interleaved rounds, so noise on this shared
machine hits them alike; compare the ratios, absolute times vary with the machine.

Run: python -m bench.console_queue [--rows 1000000] [--db postgres|sqlite] [--samples 60] [--before]
     [--explain] [--schema KEPT]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.dataset import data_facts, prepare, read_world
from bench.harness import (
    PG_URL,
    Http,
    Stats,
    Target,
    captured_sql,
    close_target,
    interleaved,
    login,
    make_app,
    say,
    scratch,
)
from suishoupai.extensions import db

CALLERS = {"community": "demo-community-admin", "street": "demo-street-admin",
           "district": "demo-district-admin"}
TABS = ("accept", "overdue", "in_progress")
#: the indexes migration 0019 adds for the queue (dropped for the --before pass)
QUEUE_INDEXES = tuple(f"ix_reports_open_due_{unit}" for unit in ("community", "street", "district"))
TARGET_MS = 300.0

# one stint per report: its holder (the community's queue, the department it was transferred to, or
# the grid), with the report's own clock; ended once the case left the open statuses
STINTS = """
INSERT INTO report_handlings (report_id, party, party_id, assignee_id, started_at, accept_due_at,
                              resolve_due_at, accepted_at, resolved_at, ended_at,
                              accept_overdue_marked, resolve_overdue_marked)
SELECT id,
       CASE WHEN status = 'submitted' THEN 'community' WHEN department_id IS NOT NULL THEN 'department'
            ELSE 'grid' END,
       CASE WHEN status = 'submitted' THEN community_id WHEN department_id IS NOT NULL THEN department_id
            ELSE grid_id END,
       assignee_id, created_at, accept_due_at, resolve_due_at, accepted_at, resolved_at,
       CASE WHEN is_open THEN NULL ELSE COALESCE(closed_at, resolved_at, updated_at) END,
       overdue AND accepted_at IS NULL, overdue AND accepted_at IS NOT NULL
FROM reports ORDER BY id
"""
# what the service keeps on an open report with its stints (the bulk load leaves the defaults)
HOLDER = """
UPDATE reports SET holder_accepted = accepted_at IS NOT NULL,
                   due_at = CASE WHEN accepted_at IS NOT NULL THEN resolve_due_at ELSE accept_due_at END
WHERE is_open
"""


def add_stints(app: Flask) -> float:
    """Every report's handling stint, then ANALYZE; returns the seconds taken."""
    started = time.perf_counter()
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text(STINTS))
            conn.execute(text(HOLDER))
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE reports"))  # the UPDATE rewrote the open rows
            conn.execute(text("ANALYZE report_handlings"))
            conn.execute(text("ANALYZE reports"))
        db.engine.dispose()
    return time.perf_counter() - started


def requests(tokens: dict[str, str]) -> dict[str, tuple[str, str]]:
    """The timed GETs by name: path and bearer token."""
    out = {}
    for who, token in tokens.items():
        out[f"{who:9} GET /me (floor)"] = ("/api/v1/me", token)
        for tab in TABS:
            out[f"{who:9} queue {tab}"] = (f"/api/v1/admin/queue?tab={tab}&limit=20", token)
        out[f"{who:9} counts"] = ("/api/v1/admin/queue/counts", token)
    return out


def time_http(port: int, tokens: dict[str, str], n: int) -> dict[str, Stats]:
    """Time every request over one keep-alive connection, interleaved."""
    conn = Http(port)

    def get(path: str, token: str) -> Callable[[], None]:
        def run() -> None:
            status, body = conn.call("GET", path, token)
            if status != 200:
                raise RuntimeError(f"GET {path}: HTTP {status} {body[:300]!r}")
        return run

    return interleaved({name: get(path, token) for name, (path, token) in requests(tokens).items()}, n,
                       warm=5)


def sizes(port: int, tokens: dict[str, str]) -> dict[str, str]:
    """What each request answers: the page's item count, or the counts."""
    conn, out = Http(port), {}
    for name, (path, token) in requests(tokens).items():
        body = conn.json("GET", path, token)
        if "items" in body:
            out[name] = f"items {len(body['items'])}"
        elif "accept" in body:
            out[name] = " ".join(f"{k} {body[k]}" for k in ("dispatch", "accept", "in_progress", "overdue"))
        else:
            out[name] = ""
    return out


def drop_queue_indexes(app: Flask) -> list[str]:
    """Drop the 0019 indexes (the --before pass), then ANALYZE; returns those that existed."""
    with app.app_context():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            dropped = []
            for name in QUEUE_INDEXES:
                if conn.execute(text("SELECT 1 FROM pg_indexes WHERE indexname = :n "
                                     "AND schemaname = current_schema()"), {"n": name}).first():
                    conn.execute(text(f'DROP INDEX "{name}"'))
                    dropped.append(name)
            conn.execute(text("ANALYZE reports"))
            conn.execute(text("ANALYZE report_handlings"))
        db.engine.dispose()
    return dropped


def plans(app: Flask, token: str) -> dict[str, list[str]]:
    """EXPLAIN ANALYZE of the statements reading reports behind the district's accept page and counts."""
    client, out = app.test_client(), {}
    for name, path in (("queue accept", "/api/v1/admin/queue?tab=accept&limit=20"),
                       ("queue overdue", "/api/v1/admin/queue?tab=overdue&limit=20"),
                       ("counts", "/api/v1/admin/queue/counts")):
        with captured_sql(app) as seen:
            assert client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 200
        with app.app_context():
            with db.engine.connect() as conn:
                for i, (statement, params) in enumerate(s for s in seen if "FROM reports" in s[0]):
                    rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).all()
                    out[f"{name} #{i + 1}"] = [row[0] for row in rows]
            db.engine.dispose()
    return out


def table(title: str, stats: dict[str, Stats], answers: dict[str, str]) -> None:
    """One pass's figures, each with its ratio to the same caller's /me."""
    print(f"\n== {title} ==")
    for name, st in stats.items():
        floor = stats[f"{name[:9]} GET /me (floor)"].p50
        verdict = "" if "/me" in name else ("  ✓ <300 ms" if st.p95 < TARGET_MS else "  ✗ ≥300 ms")
        print(f"  {name:30} {st.line()}   p50 {st.p50 / floor:5.1f}× /me{verdict}   {answers.get(name, '')}")


def bench(args: argparse.Namespace) -> None:
    """Build, serve, time (and with --before time again without the queue's indexes)."""
    with scratch("console", args.db, args.pg_url) as run:
        if args.schema:  # a data set built before and kept: the scratch schema goes, the kept one stays
            close_target(run.target, args.pg_url)
            run.target = Target("postgres", make_url(args.pg_url).update_query_dict(
                {"options": f"-csearch_path={args.schema}"}).render_as_string(hide_password=False),
                run.tmp, None, run.target.version)
            app, times = make_app(run.target), {}
            with app.app_context():
                facts = data_facts(read_world())
                db.session.remove()
        else:
            app, _world, times, facts = prepare(run.target, args.rows)
            times["stints"] = add_stints(app)
        say(f"[{run.target.label}] built in {sum(times.values()):.0f} s: "
            + ", ".join(f"{k} {v:.0f} s" for k, v in times.items()))
        server = run.serve()
        conn = Http(server.port)
        tokens = {who: login(conn, openid) for who, openid in CALLERS.items()}
        answers = sizes(server.port, tokens)
        if args.explain:
            for name, lines in plans(app, tokens["district"]).items():
                print(f"\n-- plan: district {name}\n" + "\n".join(lines))
        say(f"timing {len(answers)} requests × {args.samples}")
        after = time_http(server.port, tokens, args.samples)
        before = None
        if args.before and run.target.kind == "postgres":
            say(f"dropped {drop_queue_indexes(app)}; timing again")
            before = time_http(server.port, tokens, args.samples)
            if args.explain:
                for name, lines in plans(app, tokens["district"]).items():
                    print(f"\n-- plan without the queue indexes: district {name}\n" + "\n".join(lines))
    print(f"\n{run.target.label}: {facts['total']:,} reports, {facts['open']:,} open; "
          f"community open {facts['community open']:,}; built in {sum(times.values()):.0f} s")
    table("with the queue indexes (0019)", after, answers)
    if before:
        table("without them", before, answers)


def main() -> None:
    """Parse options and bench."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--before", action="store_true", help="time again without the 0019 indexes")
    parser.add_argument("--explain", action="store_true", help="print the plans (EXPLAIN ANALYZE)")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--schema", help="time a data set kept in this PostgreSQL schema (no build)")
    bench(parser.parse_args())


if __name__ == "__main__":
    main()
