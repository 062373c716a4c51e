"""The console's work queue at N reports, against the GET /me floor, on PostgreSQL (or SQLite).

Builds the data set with bench/reports.py (migrate, demo seed, bulk load; about 5 % of the reports open,
see its docstring), then times, through the app's WSGI stack in this process (Flask's test client,
no network), GET /api/v1/me and the queue pages the console asks for most:

* /admin/queue?tab=accept and tab=overdue, page 1, for the demo community admin and the district admin;
* /admin/queue/counts for the district admin (one statement over every open case in reach).

The variants are sampled in interleaved rounds; compare the ratios to /me, absolute figures vary
with the machine.

Run: .venv/bin/python bench/console_queue.py [--rows 50000] [--db postgres|sqlite] [--samples 100]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reports import PG_URL, close_target, interleaved, open_target, prepare, say  # noqa: E402

ACCOUNTS = ("demo-community-admin", "demo-district-admin")


def variants(client, headers: dict[str, dict]) -> dict:
    """What is timed: name → a call answering 200."""
    def get(path: str, who: str):
        """One GET, checked."""
        def call():
            resp = client.get(path, headers=headers[who])
            assert resp.status_code == 200, (path, resp.status_code, resp.get_data(as_text=True)[:200])
            return resp
        return call

    timed = {"GET /me (floor)": get("/api/v1/me", "demo-district-admin")}
    for who in ACCOUNTS:
        short = who.removeprefix("demo-").removesuffix("-admin")
        for tab in ("accept", "overdue"):
            timed[f"queue {tab:8} {short}"] = get(f"/api/v1/admin/queue?tab={tab}&limit=20", who)
    timed["counts district"] = get("/api/v1/admin/queue/counts", "demo-district-admin")
    return timed


def bench(kind: str, rows: int, samples: int, pg_url: str) -> None:
    """Build, time and print one database."""
    with tempfile.TemporaryDirectory(prefix="bench-console-") as tmp:
        target = open_target(kind, Path(tmp), pg_url)
        try:
            app, _world, times, facts = prepare(target, rows)
            client = app.test_client()
            headers = {}
            for who in ACCOUNTS:
                token = client.post("/api/v1/auth/dev-login", json={"openid": who}).json["token"]
                headers[who] = {"Authorization": f"Bearer {token}"}
            timed = variants(client, headers)
            sizes = {name: len(fn().json.get("items", [])) for name, fn in timed.items()}
            say(f"[{target.label}] loaded {facts['total']:,} in {sum(times.values()):.0f} s; "
                f"timing {len(timed)} requests × {samples}")
            stats = interleaved(timed, samples, warm=10)
        finally:
            close_target(target, pg_url)
    print(f"\n== {target.label}: {facts['total']:,} reports ==")
    floor = stats["GET /me (floor)"].p50
    for name, st in stats.items():
        print(f"  {name:26} {st.line()}   p50 {st.p50 / floor:5.1f}× /me   items {sizes[name]}")


def main() -> None:
    """Parse options and bench."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    bench(args.db, args.rows, args.samples, args.pg_url)


if __name__ == "__main__":
    main()
