"""Declarative base, shared column types and per-engine tuning (SQLite pragmas, BEGIN IMMEDIATE)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

#: stable constraint names, so migrations can alter and drop them by name
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: a simulated "now" every service reads through `utcnow` (None: the wall clock); set only by
#: `simulated_clock`, which replays a past (the demo district's history) through the real services
_simulated_now: ContextVar[datetime | None] = ContextVar("simulated_now", default=None)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the simulated time inside `simulated_clock`)."""
    simulated = _simulated_now.get()
    return datetime.now(UTC) if simulated is None else simulated


class SimulatedClock:
    """The hands of a simulated clock: `set` moves "now" to any moment, backwards included."""

    def set(self, when: datetime) -> None:
        """Make `when` (timezone-aware) the time every later `utcnow()` answers."""
        if when.tzinfo is None:
            raise ValueError("naive datetime given to the simulated clock")
        _simulated_now.set(when.astimezone(UTC))


@contextmanager
def simulated_clock(start: datetime) -> Iterator[SimulatedClock]:
    """Run a block at a simulated time starting at `start`; the wall clock returns afterwards."""
    token = _simulated_now.set(None)
    clock = SimulatedClock()
    clock.set(start)
    try:
        yield clock
    finally:
        _simulated_now.reset(token)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type:
        """datetime (TypeDecorator would say object)."""
        return datetime

    def process_bind_param(self, value, dialect):
        """Normalise to UTC; naive values are refused rather than guessed."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        """SQLite returns naive values: they are UTC by construction."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: how the next SQLite transaction begins; read-only requests switch it to DEFERRED
sqlite_begin_mode: ContextVar[str] = ContextVar("sqlite_begin_mode", default="IMMEDIATE")


#: a pooled connection idle for longer than this is pinged before use (see `ping_when_idle`)
IDLE_PING_SECONDS = 1.0


def ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection on checkout only when it sat idle, instead of on every checkout.

    pool_pre_ping costs every request a round trip (12 % of GET /me on PostgreSQL); a connection
    returned less than a second ago has not outlived a server restart, which takes longer. A failed
    ping is a disconnect: the pool replaces the connection and the request goes on."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record):
        """Note when the connection went back to the pool."""
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy):
        """Ping a connection that is new to the pool or sat idle."""
        since = record.info.get("idle_since")
        if since is not None and time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # whatever the driver raises for a dead connection
            raise DisconnectionError(str(exc)) from exc
        if alive is False:
            raise DisconnectionError("ping failed")


def hide_error_values(engine: Engine) -> None:
    """Keep values out of PostgreSQL errors' text, as hide_parameters keeps bound values out of
    SQLAlchemy's: the server quotes them in an error's DETAIL ("Key (openid)=(…) already exists",
    "Failing row contains (…)") and, for a data exception (SQLSTATE class 22), in its message. The
    text keeps the message (for class 22 only the exception's name) and the SQLSTATE; every field
    stays readable on ``orig.diag``."""

    @event.listens_for(engine, "handle_error")
    def _strip_values(context):
        """Rewrite the driver's error text and its wrapper's before they are raised (and logged)."""
        orig, wrapper = context.original_exception, context.sqlalchemy_exception
        diag = getattr(orig, "diag", None)
        if wrapper is None or diag is None or diag.message_primary is None:
            return
        sqlstate = diag.sqlstate or ""
        message = type(orig).__name__ if sqlstate.startswith("22") else diag.message_primary
        orig.args = (f"{message} (SQLSTATE {sqlstate})",)
        wrapper.args = (f"({type(orig).__module__}.{type(orig).__name__}) {orig.args[0]}",)


def tune_engine(engine: Engine, wait_seconds: float = 30.0) -> None:
    """Ping idle connections; keep values out of error text where bound values are hidden; on SQLite
    also the embedded-database settings: WAL, busy timeout, foreign keys, immediate writes."""
    ping_when_idle(engine)
    if engine.hide_parameters and engine.dialect.name == "postgresql":
        hide_error_values(engine)
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        """Pragmas for each new connection."""
        # let SQLAlchemy emit BEGIN itself, so writers take the lock up front
        # and two writers queue on busy_timeout instead of failing on upgrade
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={int(wait_seconds * 1000)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        """BEGIN IMMEDIATE for writes, plain BEGIN for read-only requests."""
        conn.exec_driver_sql(f"BEGIN {sqlite_begin_mode.get()}")
