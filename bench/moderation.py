"""The public board with content security at 1,000,000 reports, on SQLite and PostgreSQL.

Builds the data set of bench/dataset.py (migrate, demo seed, bulk load; see its docstring), then marks
a share of the reports as not yet passed (2 % pending, 0.5 % review, 0.5 % risky, spread over time) and
times, in this process, the queries the request layer runs (queries.list_reports):

* scope=public page 1 and page 1000 (cursor): public, moderation = 'pass', not rejected, newest first;
* the baseline in the same run: scope=community page 1 and page 1000 for the demo community admin, a
  list of the same shape (one equality, then created_at, id) that moderation does not touch.

The variants are sampled in interleaved rounds; compare the ratios, absolute figures vary with the box.
It also checks that the public pages hold no report that has not passed, and prints the query plans.

Run: python -m bench.moderation [--rows 1000000] [--db sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from sqlalchemy import func, select, text

from bench.dataset import prepare
from bench.harness import PG_URL, close_target, explain, interleaved, open_target, say
from bench.reports import PAGE, TARGET_PAGE
from suishoupai.auth.models import Role, User
from suishoupai.database import sqlite_begin_mode
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.models import OrgUnit
from suishoupai.reports import queries
from suishoupai.reports.models import Report

#: id residue (mod 200) → verdict: 4 of 200 pending (2 %), 1 review, 1 risky
MARKS = {"pending": (0, 50, 100, 150), "review": (1,), "risky": (2,)}


def mark_moderation() -> dict[str, int]:
    """Set the verdicts by id, analyse, and count them."""
    for verdict, residues in MARKS.items():
        db.session.execute(text(f"UPDATE reports SET moderation = '{verdict}' "
                                f"WHERE id % 200 IN ({', '.join(map(str, residues))})"))
    db.session.commit()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE reports")  # only ours: other schemas on the server are busy
        conn.commit()
    return dict(db.session.execute(select(Report.moderation, func.count()).group_by(Report.moderation)).all())


def actors() -> dict[str, Actor]:
    """The demo resident (public board) and the demo community admin (baseline)."""
    resident = db.session.scalar(select(User.id).where(User.openid == "demo-resident"))
    admin = db.session.scalars(select(User).where(User.openid == "demo-community-admin")).one()
    path = db.session.get(OrgUnit, admin.org_unit_id).path
    return {"public": Actor(resident, Role.RESIDENT),
            "community": Actor(admin.id, Role.COMMUNITY_ADMIN, scope_paths=(path,))}


def cursor_at(actor: Actor, scope: str, page: int) -> str:
    """The cursor of page `page`, walked from page 1."""
    cursor = None
    for _ in range(page - 1):
        cursor = queries.list_reports(actor, {"scope": scope, "limit": PAGE, "cursor": cursor})["next_cursor"]
        db.session.remove()
    return cursor


def variants(people: dict[str, Actor]) -> dict:
    """Page 1 and page TARGET_PAGE of the public board and of the community baseline."""
    out = {}
    for scope in ("public", "community"):
        actor = people[scope]
        nth = cursor_at(actor, scope, TARGET_PAGE)
        for label, cursor in (("page 1", None), (f"page {TARGET_PAGE}", nth)):
            def run(actor=actor, scope=scope, cursor=cursor):
                """One page, its session ended as a request ends it."""
                try:
                    args = {"scope": scope, "limit": PAGE, "cursor": cursor}
                    return queries.list_reports(actor, args)["items"]
                finally:
                    db.session.remove()
            out[f"scope={scope} {label}"] = run
    return out


def bench(kind: str, rows: int, samples: int, pg_url: str) -> None:
    """Build, mark, time and print one database."""
    with tempfile.TemporaryDirectory(prefix="bench-moderation-") as tmp:
        target = open_target(kind, Path(tmp), pg_url)
        try:
            app, _world, times, facts = prepare(target, rows)
            token = sqlite_begin_mode.set("DEFERRED")
            try:
                with app.app_context():
                    counts = mark_moderation()
                    say(f"[{target.label}] loaded {facts['total']:,} in {sum(times.values()):.0f} s; "
                        f"verdicts {counts}")
                    timed = variants(actors())
                    leaked = [r.id for fn in list(timed.values())[:2] for r in fn() if r.moderation != "pass"]
                    full = [len(fn()) == PAGE for fn in timed.values()]
                    say(f"  timing {len(timed)} queries: interleaved rounds × {samples}")
                    stats = interleaved(timed, samples)
                    plans = explain(app, timed)
                    db.session.remove()
                    db.engine.dispose()
            finally:
                sqlite_begin_mode.reset(token)
        finally:
            close_target(target, pg_url)
    print(f"\n== {target.label}: {facts['total']:,} reports, verdicts {counts} ==")
    base = {f"page {n}": stats[f"scope=community page {n}"] for n in (1, TARGET_PAGE)}
    for name, st in stats.items():
        page = name.split(" ", 1)[1]
        ratio = st.p50 / base[page].p50 if base[page].p50 else 0
        print(f"  {name:28} {st.line()}   p50 vs community {page}: {ratio:4.2f}×")
    print(f"  pages full: {all(full)}; reports not passed on the public pages: {len(leaked)}")
    for name, plan in plans.items():
        print(f"  plan {name}: {' | '.join(plan)[:300]}")


def main() -> None:
    """Parse options and bench each database."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    for kind in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        bench(kind, args.rows, args.samples, args.pg_url)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
