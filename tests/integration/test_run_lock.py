"""The cron commands run once across nodes: a second `suishoupai reports sweep`, a real process,
exits 0 saying so while another holds the lock, and with --wait runs once the holder ends."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from suishoupai.extensions import db
from suishoupai.run_lock import held, lock_key

SWEPT = "超时 0 件，自动上报 0 件，自动结案 0 件"
#: a cap on waiting for the other process to reach the lock, not a timing the test relies on
PATIENCE = 120


def _sweep(migrated: str, tmp_path: Path, *extra: str) -> subprocess.Popen:
    """`suishoupai reports sweep` in a process of its own, on the test's database."""
    env = dict(os.environ, SUISHOUPAI_ENV="development", SUISHOUPAI_DATABASE_URL=migrated,
               SUISHOUPAI_MEDIA_ROOT=str(tmp_path / "media"))
    return subprocess.Popen([sys.executable, "-m", "suishoupai.cli", "reports", "sweep", *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _waiting(name: str) -> bool:
    """Whether some process is queued for the lock `name` (PostgreSQL: pg_locks; SQLite: the
    kernel's list of blocked flocks on the lock file)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            key = lock_key(conn.execute(text("SELECT current_schema()")).scalar(), name)
            return bool(conn.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND classid::bigint = :hi AND objid::bigint = :lo AND objsubid = 1"),
                {"hi": (key >> 32) & 0xFFFFFFFF, "lo": key & 0xFFFFFFFF}).scalar())
    inode = Path(f"{db.engine.url.database}.{name.replace(' ', '-')}.lock").stat().st_ino
    return any("->" in line and line.split()[-3].endswith(f":{inode}")
               for line in Path("/proc/locks").read_text().splitlines())


def test_a_second_run_exits_cleanly_while_one_holds_the_lock(app, migrated, tmp_path):
    """Held here (one session), another process's sweep exits 0 with the message and sweeps
    nothing; released, the same command sweeps."""
    with app.app_context():
        with held("reports sweep") as got:
            assert got is True
            with held("reports sweep") as second:
                assert second is False  # a second session in this process is refused as well
            out, _ = _sweep(migrated, tmp_path).communicate(timeout=PATIENCE)
            assert "reports sweep：另一个节点正在执行，本次跳过" in out, out
            assert SWEPT not in out
        done = _sweep(migrated, tmp_path)
        out, _ = done.communicate(timeout=PATIENCE)
        assert done.returncode == 0 and SWEPT in out, out


def test_wait_runs_after_the_holder_ends(app, migrated, tmp_path):
    """With --wait the second process queues on the lock (seen in the database's or kernel's lock
    table), and sweeps once the holder lets go."""
    with app.app_context():
        with held("reports sweep"):
            waiter = _sweep(migrated, tmp_path, "--wait")
            deadline = time.monotonic() + PATIENCE
            while not _waiting("reports sweep"):
                assert waiter.poll() is None, waiter.communicate()[0]
                assert time.monotonic() < deadline, "the --wait run never queued on the lock"
                time.sleep(0.05)
            assert waiter.poll() is None  # queued, not run
        out, _ = waiter.communicate(timeout=PATIENCE)
        assert waiter.returncode == 0 and SWEPT in out and "跳过" not in out, out


def test_locks_are_per_command_and_per_schema():
    """Different commands, and the same command in two schemas (two cities on one server), do not
    share a key."""
    keys = {lock_key("public", "reports sweep"), lock_key("public", "wishes sweep"),
            lock_key("city_b", "reports sweep")}
    assert len(keys) == 3 and all(-(2 ** 63) <= k < 2 ** 63 for k in keys)
