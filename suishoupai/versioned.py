"""Per-process copies of rarely changed data (the working-day calendar, the grid index), kept right
by version counters in the database.

Whoever changes such data calls `bump(name)` in the same transaction. Readers fetch every counter
once per transaction (with the caller's row, see org.actor) and rebuild a copy whose counter
moved, so a change committed by any process is seen by the next transaction of every worker. A
transaction that bumped a name builds that data afresh (it may still roll back) and never stores it
for others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache
from typing import TypeVar

from flask import current_app
from sqlalchemy import ColumnElement, String, cast, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from suishoupai.extensions import db

T = TypeVar("T")
_VERSIONS = "versioned.versions"
_BUMPED = "versioned.bumped"
_lock = threading.Lock()


class CacheVersion(db.Model):
    """A counter that moves whenever the data named by it changes."""

    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


def _this_transaction(key: str):
    """What was noted under key in the session's current transaction, or None."""
    session = db.session()
    noted = session.info.get(key)
    transaction = session.get_transaction()
    if noted is not None and transaction is not None and noted[0] is transaction:
        return noted[1]
    return None


@cache
def _versions_query():
    """Every counter (on the table, past the ORM's statement handling: most requests run it)."""
    table = CacheVersion.__table__
    return select(table.c.name, table.c.version)


def versions() -> dict[str, int]:
    """Every counter, read once per transaction (or noted from a statement that read them, see
    `in_one_column`)."""
    found = _this_transaction(_VERSIONS)
    if found is None:
        session = db.session()
        found = dict(session.execute(_versions_query()).all())
        session.info[_VERSIONS] = (session.get_transaction(), found)
    return found


def in_one_column() -> ColumnElement[str]:
    """Every counter as one text column ("name:version,…"), for the statement every request sends
    first (the caller's row) to read along; `note` keeps what it read. A filing then sends one
    statement fewer."""
    table = CacheVersion.__table__
    return (select(func.aggregate_strings(table.c.name + ":" + cast(table.c.version, String), ","))
            .scalar_subquery())


def note(column: str | None) -> None:
    """Keep the counters an `in_one_column` column read as this transaction's, unless it has some."""
    if _this_transaction(_VERSIONS) is not None:
        return
    found = {}
    for pair in (column or "").split(","):
        if pair:
            name, _, version = pair.rpartition(":")
            found[name] = int(version)
    session = db.session()
    session.info[_VERSIONS] = (session.get_transaction(), found)


def bump(name: str) -> None:
    """Record, in the caller's transaction, that the data called name changed."""
    session = db.session()
    # one upsert: a counter's first bump creates it, and two first bumps at once cannot collide
    upsert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = upsert(CacheVersion).values(name=name, version=1)
    session.execute(stmt.on_conflict_do_update(index_elements=[CacheVersion.name],
                                               set_={"version": CacheVersion.version + 1}))
    bumped = _this_transaction(_BUMPED)
    if bumped is None:
        bumped = set()
        session.info[_BUMPED] = (session.get_transaction(), bumped)
    bumped.add(name)
    session.info.pop(_VERSIONS, None)


def cached(name: str, build: Callable[[], T], counter: str | None = None) -> T:
    """This process's copy of the data called name, rebuilt when its counter moved (``counter``:
    another name's counter, for a second copy of data that changes with it)."""
    counter = counter or name
    if counter in (_this_transaction(_BUMPED) or ()):
        return build()
    version = versions().get(counter, 0)
    store = current_app.extensions.setdefault("versioned", {})
    entry = store.get(name)
    if entry is not None and entry[0] == version:
        return entry[1]
    with _lock:
        entry = store.get(name)
        if entry is not None and entry[0] == version:
            return entry[1]
        # the counter was read before the data: the copy is never older than its counter
        value = build()
        if entry is None or entry[0] < version:
            store[name] = (version, value)  # an older transaction's view never replaces a newer one
    return value
