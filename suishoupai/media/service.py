"""Uploading, addressing, attaching and collecting photos."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from suishoupai.auth.actor import Actor
from suishoupai.database import utcnow
from suishoupai.errors import InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.media import signing, storage
from suishoupai.media.models import Media, display_key, thumb_key
from suishoupai.media.pipeline import process_image

KEY_PATTERN = re.compile(r"^(display|thumb)/[0-9a-f]{2}/([0-9a-f]{64})\.jpg$")


def upload(actor: Actor, data: bytes, purpose: str) -> Media:
    """Re-encode an upload and keep it once; the same bytes from the same user give the same row."""
    image = process_image(data, max_pixels=current_app.config["MEDIA_MAX_PIXELS"])
    # objects are written (again) before the row: a crash in between leaves only what gc removes,
    # and rewriting refreshes their age so gc never takes an object a new row is about to use
    store = storage()
    store.put(display_key(image.sha256), image.display.data, "image/jpeg")
    store.put(thumb_key(image.sha256), image.thumb.data, "image/jpeg")
    existing = _own_copy(actor.user_id, image.sha256)
    if existing is not None:
        return existing
    media = Media(
        owner_id=actor.user_id, sha256=image.sha256, phash=image.phash,
        source_format=image.source_format, width=image.width, height=image.height,
        size_bytes=len(data), purpose=purpose, taken_at=image.taken_at,
        gps_lat=image.gps_lat, gps_lng=image.gps_lng,
    )
    try:
        with db.session.begin_nested():
            db.session.add(media)
    except IntegrityError:
        # the same user sent the same photo twice at once: both get the one row
        return _own_copy(actor.user_id, image.sha256)
    return media


def _own_copy(owner_id: int, sha256: str) -> Media | None:
    """The user's row for this content, if any."""
    return db.session.scalars(
        select(Media).where(Media.owner_id == owner_id, Media.sha256 == sha256)).first()


def get_own(actor: Actor, media_id: int) -> Media:
    """One of the caller's own uploads; anyone else's is "not found"."""
    media = db.session.get(Media, media_id)
    if media is None or media.owner_id != actor.user_id:
        raise NotFound("照片不存在", code="media.not_found")
    return media


def url(key: str, public: bool) -> str:
    """Where a client fetches a variant: direct for public, signed and expiring otherwise."""
    ttl = current_app.config["MEDIA_URL_TTL"]
    direct = storage().presigned_url(key, ttl)
    if direct:
        return direct
    if public:
        return url_for("media_files.serve", key=key, _external=True)
    expires = int(time.time()) + ttl
    sig = signing.signature(current_app.config["SECRET_KEY"], key, expires)
    return url_for("media_files.serve", key=key, e=expires, s=sig, _external=True)


def view(media: Media) -> dict:
    """The upload as its owner sees it."""
    return {"id": media.id, "url": url(media.display_key, media.public),
            "thumb_url": url(media.thumb_key, media.public), "width": media.width,
            "height": media.height, "purpose": media.purpose, "created_at": media.created_at}


def attach(owner_id: int, media_ids: Sequence[int], attached_to: str,
           public: bool = False) -> list[Media]:
    """Take a user's unattached uploads for a record; anything else is refused by id."""
    rows = {m.id: m for m in db.session.scalars(
        select(Media).where(Media.id.in_(media_ids)).with_for_update())}
    foreign = [i for i in media_ids if i not in rows or rows[i].owner_id != owner_id]
    if foreign:
        raise InvalidInput("照片不存在或不属于您", code="media.not_owned",
                           details={"fields": {"media_ids": foreign}})
    taken = [i for i in media_ids if rows[i].attached_at is not None]
    if taken:
        raise InvalidInput("照片已被使用，请重新上传", code="media.already_attached",
                           details={"fields": {"media_ids": taken}})
    now = utcnow()
    for media in rows.values():
        media.attached_at, media.attached_to, media.public = now, attached_to, public
    db.session.flush()
    return [rows[i] for i in media_ids]


def is_public(sha256: str) -> bool:
    """Whether any row shows this content publicly."""
    return db.session.scalar(
        select(Media.id).where(Media.sha256 == sha256, Media.public.is_(True)).limit(1)) is not None


def collect_garbage(orphan_hours: int, grace_minutes: int) -> dict:
    """Delete uploads never attached in time, then stored objects that no row references."""
    cutoff = utcnow() - timedelta(hours=orphan_hours)
    rows = db.session.execute(
        delete(Media).where(Media.attached_at.is_(None), Media.created_at < cutoff)).rowcount
    db.session.commit()
    store = storage()
    grace = utcnow() - timedelta(minutes=grace_minutes)
    removed = 0
    for batch in _batches(store.keys(), 500):
        shas = {m.group(2) for k in batch if (m := KEY_PATTERN.match(k))}
        used = set(db.session.scalars(select(Media.sha256).where(Media.sha256.in_(shas))))
        db.session.rollback()
        for key in batch:
            match = KEY_PATTERN.match(key)
            if not match or match.group(2) in used:
                continue  # only our own content-addressed keys are ever deleted
            try:
                if store.modified(key) < grace:
                    store.delete(key)
                    removed += 1
            except FileNotFoundError:
                continue
    return {"rows": rows, "objects": removed}


def _batches(items: Iterable[str], size: int) -> Iterable[list[str]]:
    """Chunks of an iterator."""
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
