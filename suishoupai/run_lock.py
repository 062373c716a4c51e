"""One run at a time across every node, for the commands cron starts (sweeps, refresh, retention,
gc): every app node may carry the same timer; the first run takes the lock, the others exit cleanly
(or, with --wait, run after it).

PostgreSQL: a session advisory lock on a connection of the run's own, held for the run; the server
frees it when that connection ends, so a killed run leaves no stale lock (a lease row would need
an expiry and a renewer). Keyed by schema as well, so two cities sharing one database do not wait
on each other. SQLite lives on one machine: an flock on a file beside the database, which the
kernel frees likewise when the process dies.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import text

from suishoupai.extensions import db


def lock_key(scope: str, name: str) -> int:
    """A stable signed 64-bit key (what pg_advisory_lock takes) for a command in a schema."""
    digest = hashlib.blake2b(f"suishoupai:{scope}:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def held(name: str, wait: bool = False) -> Iterator[bool]:
    """Hold the lock `name` for the block; yields False (at once) when another run holds it and
    `wait` is off."""
    if db.engine.dialect.name == "postgresql":
        with _advisory(name, wait) as got:
            yield got
    else:
        with _flock(name, wait) as got:
            yield got


@contextmanager
def _advisory(name: str, wait: bool) -> Iterator[bool]:
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        key = lock_key(conn.execute(text("SELECT current_schema()")).scalar() or "", name)
        if wait:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            got = True
        else:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar())
        try:
            yield got
        finally:
            if got:
                # the connection goes back to the pool: the lock must not go with it
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


@contextmanager
def _flock(name: str, wait: bool) -> Iterator[bool]:
    database = db.engine.url.database
    if database and database != ":memory:":
        path = Path(f"{database}.{name.replace(' ', '-')}.lock")
    else:
        path = Path(current_app.instance_path) / f"{name.replace(' ', '-')}.lock"
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def one_at_a_time(name: str) -> Callable:
    """Make a click command take the lock `name` for its run and gain `--wait`; without it a second
    run exits 0 saying another node runs it."""
    def decorate(fn: Callable) -> Callable:
        @click.option("--wait", is_flag=True,
                      help="if another node is running this, wait and then run (default: exit 0)")
        @functools.wraps(fn)
        def command(*args, wait: bool, **kwargs):
            with held(name, wait) as got:
                if not got:
                    click.echo(f"{name}：另一个节点正在执行，本次跳过（加 --wait 可等待其结束后再执行）")
                    return None
                return fn(*args, **kwargs)
        return command
    return decorate
