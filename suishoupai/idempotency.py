"""Idempotency-Key: a retried create replays the first answer instead of creating again."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from flask import Response, current_app, request
from flask.cli import AppGroup
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from suishoupai.database import UTCDateTime, utcnow
from suishoupai.errors import Conflict, InvalidInput
from suishoupai.extensions import db
from suishoupai.run_lock import one_at_a_time

HEADER = "Idempotency-Key"


class IdempotencyKey(db.Model):
    """One client key of one user, with the answer it got."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    #: sha256 of method, path and body: the same key with another request is refused
    fingerprint: Mapped[str] = mapped_column(String(64))
    #: running | done
    state: Mapped[str] = mapped_column(String(16), default="running")
    #: who holds a running key: a request taking over a stale key gets a new lease, and the
    #: presumed-dead first request can then neither store its answer nor free the key
    lease: Mapped[str] = mapped_column(String(32), default=lambda: uuid.uuid4().hex)
    status_code: Mapped[int | None]
    body: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def request_fingerprint() -> str:
    """Hash what makes two requests "the same": method, path, query and content."""
    digest = hashlib.sha256()
    digest.update(f"{request.method}\n{request.path}\n{request.query_string.decode()}\n".encode())
    if request.files:
        # multipart boundaries differ between retries: hash fields and file contents instead
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"{name}={value}\n".encode())
        parts = []
        for name, storage in request.files.items(multi=True):
            parts.append((name, hashlib.sha256(storage.stream.read()).hexdigest()))
            storage.stream.seek(0)
        for name, content in sorted(parts):
            digest.update(f"{name}:{content}\n".encode())
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


@dataclass
class Claim:
    """A key held by the running request, or the stored answer to replay."""

    record_id: int | None = None
    lease: str | None = None
    replay: Response | None = None

    def _held(self):
        """SQL condition: the row is still this request's."""
        return (IdempotencyKey.id == self.record_id) & (IdempotencyKey.lease == self.lease)

    def complete(self, response: Response) -> None:
        """Store the answer in the same transaction as the change it describes."""
        held = db.session.execute(
            update(IdempotencyKey).where(self._held())
            .values(state="done", status_code=response.status_code,
                    body=response.get_data(as_text=True),
                    location=response.headers.get("Location"), updated_at=utcnow())
        ).rowcount
        if not held:
            # a retry took the key over while this request ran too long: its change must not land
            raise Conflict("相同请求已由重试接管，本次未生效", code="idempotency.lease_lost")

    def release(self) -> None:
        """The request failed: free the key (if still ours) so a retry runs again."""
        db.session.execute(delete(IdempotencyKey).where(self._held()))
        db.session.commit()


def _replay(record: IdempotencyKey) -> Response:
    """Rebuild the first answer."""
    resp = Response(record.body, status=record.status_code, mimetype="application/json")
    if record.location:
        resp.headers["Location"] = record.location
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def claim(user_id: int) -> Claim | None:
    """Take the request's key, or return the answer to replay; None without a key."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not key:
        # the header is documented with minLength 1: an empty one is a client error, not "no key"
        raise InvalidInput("Idempotency-Key 不能为空", code="idempotency.key_invalid")
    if not key.isprintable():
        # a header may carry any byte; NUL and other controls would reach the key column
        raise InvalidInput("Idempotency-Key 不能包含控制字符", code="idempotency.key_invalid")
    if len(key) > 255:
        raise InvalidInput("Idempotency-Key 过长（最多 255 个字符）", code="idempotency.key_invalid")
    fingerprint = request_fingerprint()
    existing = None
    # a key freed by a failed first request between our insert and our read is free again: try
    # once more; a third vanishing means the key is busy with failing requests (409 below)
    for _ in range(3):
        record = IdempotencyKey(user_id=user_id, key=key, fingerprint=fingerprint)
        db.session.add(record)
        try:
            # the marker is committed on its own so a concurrent retry sees it
            db.session.commit()
            return Claim(record_id=record.id, lease=record.lease)
        except IntegrityError:
            db.session.rollback()
        existing = db.session.scalars(
            select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        ).one_or_none()
        if existing is not None:
            break
    if existing is None:
        raise Conflict("相同请求正在处理中，请稍后再试", code="idempotency.in_progress")
    if existing.fingerprint != fingerprint:
        raise InvalidInput("该 Idempotency-Key 已用于另一个请求", code="idempotency.key_reused")
    if existing.state == "done":
        return Claim(replay=_replay(existing))
    stale = utcnow() - timedelta(seconds=current_app.config["IDEMPOTENCY_LOCK_SECONDS"])
    lease = uuid.uuid4().hex
    taken = db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == existing.id, IdempotencyKey.state == "running",
               IdempotencyKey.updated_at < stale)
        .values(updated_at=utcnow(), lease=lease)
    ).rowcount
    db.session.commit()
    if taken:
        return Claim(record_id=existing.id, lease=lease)
    raise Conflict("相同请求正在处理中，请稍后再试", code="idempotency.in_progress")


def purge(older_than_hours: int) -> int:
    """Forget finished keys older than the retry window; returns how many."""
    cutoff = utcnow() - timedelta(hours=older_than_hours)
    return db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.updated_at < cutoff)).rowcount


idempotency_cli = AppGroup("idempotency", help="Idempotency-Key 记录")


@idempotency_cli.command("purge")
@click.option("--hours", type=int, default=72, show_default=True, help="keep keys younger than this")
@one_at_a_time("idempotency purge")
def purge_command(hours):
    """Delete Idempotency-Key records older than the retry window."""
    removed = purge(hours)
    db.session.commit()
    click.echo(f"删除过期的幂等键 {removed} 条")
