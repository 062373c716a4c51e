"""Uploading, addressing, attaching and collecting photos."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import cache

from flask import current_app, g, url_for
from sqlalchemy import bindparam, delete, select, update

from suishoupai.database import utcnow
from suishoupai.errors import InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.media import signing, storage
from suishoupai.media.models import Media, display_key, seal_gps, thumb_key
from suishoupai.media.pipeline import ProcessedImage, display_size, process_image, sniff_format
from suishoupai.org.actor import Actor

KEY_PATTERN = re.compile(r"^(display|thumb)/[0-9a-f]{2}/([0-9a-f]{64})\.jpg$")


#: decoding is the memory-hungry step: at most this many at once per process
_decoding = threading.BoundedSemaphore(2)


def _pixel_limit(data: bytes) -> int:
    """JPEGs decode scaled down (draft mode); PNG, WebP and HEIC decode at full size, so less."""
    config = current_app.config
    if sniff_format(data) == "JPEG":
        return config["MEDIA_MAX_PIXELS"]
    return min(config["MEDIA_MAX_PIXELS"], config["MEDIA_MAX_PIXELS_FULL_DECODE"])


#: the photos processed last, by the source's SHA-256, up to this many bytes of variants: the
#: pipeline's output depends only on the bytes and the pixel limit, so the same bytes again (a client
#: retrying an upload whose answer it lost, a photo sent twice, the demo history's pictures) skip the
#: decoding and re-encoding. Bounded by size, not count: a few dozen phone photos, or many small ones.
RECENT_BYTES = 8 * 1024 * 1024
_recent: OrderedDict[tuple[str, int], ProcessedImage] = OrderedDict()
_recent_size = 0
_recent_lock = threading.Lock()


def _process(data: bytes) -> ProcessedImage:
    """The pipeline's answer for these bytes, from the recent ones when they were just processed."""
    global _recent_size
    limit = _pixel_limit(data)
    key = (hashlib.sha256(data).hexdigest(), limit)
    with _recent_lock:
        image = _recent.get(key)
        if image is not None:
            _recent.move_to_end(key)
            return image
    with _decoding:
        image = process_image(data, max_pixels=limit)
    size = len(image.display.data) + len(image.thumb.data)
    with _recent_lock:
        if key not in _recent and size <= RECENT_BYTES:
            _recent[key] = image
            _recent_size += size
            while _recent_size > RECENT_BYTES:
                _, dropped = _recent.popitem(last=False)
                _recent_size -= len(dropped.display.data) + len(dropped.thumb.data)
    return image


def _keep(key: str, data: bytes) -> None:
    """Store a variant, or refresh the age of the same content already stored (keys are content
    hashes), so gc never takes an object a new row is about to use."""
    store = storage()
    if not store.touch(key):
        store.put(key, data, "image/jpeg")


def upload(actor: Actor, data: bytes, purpose: str) -> Media:
    """Re-encode an upload and keep its bytes once; an unattached copy of the same photo is reused."""
    image = _process(data)
    # objects are written (or refreshed) before the row: a crash in between leaves only what gc removes
    _keep(display_key(image.sha256), image.display.data)
    _keep(thumb_key(image.sha256), image.thumb.data)
    existing = _own_copy(actor.user_id, image.sha256)
    if existing is not None:
        existing.created_at = utcnow()  # a retry restarts the orphan clock
        return existing
    media = Media(
        owner_id=actor.user_id, sha256=image.sha256, phash=image.phash,
        source_format=image.source_format, width=image.width, height=image.height,
        size_bytes=len(data), purpose=purpose, taken_at=image.taken_at,
        gps_enc=seal_gps(image.gps_lat, image.gps_lng),
    )
    db.session.add(media)
    db.session.flush()
    return media


def _own_copy(owner_id: int, sha256: str) -> Media | None:
    """The user's unattached upload of this content, if any (an attached one is spoken for)."""
    return db.session.scalars(
        select(Media).where(Media.owner_id == owner_id, Media.sha256 == sha256,
                            Media.attached_at.is_(None)).order_by(Media.id)).first()


def get_own(actor: Actor, media_id: int) -> Media:
    """One of the caller's own uploads; anyone else's is "not found"."""
    media = db.session.get(Media, media_id)
    if media is None or media.owner_id != actor.user_id:
        raise NotFound("照片不存在", code="media.not_found")
    return media


def _files_base() -> str:
    """Where stored variants are served, up to the key: under PUBLIC_BASE_URL, never a host the
    request names (development without it: the request's own host). Built once per request, since
    url_for is dear when a list asks for twenty URLs (keys are hex paths: nothing needs quoting)."""
    base = g.get("media_files_base")
    if base is None:
        public = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
        path = url_for("media_files.serve", key="k", _external=not public)[:-1]
        base = g.media_files_base = public + path
    return base


def url(key: str, public: bool) -> str:
    """Where a client fetches a variant: direct for public, signed and expiring otherwise."""
    ttl = current_app.config["MEDIA_URL_TTL"]
    direct = storage().presigned_url(key, ttl)
    if direct:
        return direct
    if public:
        return _files_base() + key
    expires = int(time.time()) + ttl
    sig = signing.signature(current_app.config["SECRET_KEY"], key, expires)
    return f"{_files_base()}{key}?e={expires}&s={sig}"


def fetch_url(key: str, ttl: int, base_url: str) -> str:
    """An absolute URL an outside checker (WeChat) may fetch for ``ttl`` seconds; needs no request."""
    direct = storage().presigned_url(key, ttl)
    if direct:
        return direct
    expires = int(time.time()) + ttl
    sig = signing.signature(current_app.config["SECRET_KEY"], key, expires)
    return f"{base_url.rstrip('/')}/media/{key}?e={expires}&s={sig}"


def view(media: Media) -> dict:
    """The upload as its owner sees it; the size is the served display variant's (the row keeps the
    source's)."""
    width, height = display_size(media.width, media.height)
    return {"id": media.id, "url": url(media.display_key, media.public),
            "thumb_url": url(media.thumb_key, media.public), "width": width,
            "height": height, "purpose": media.purpose, "created_at": media.created_at}


#: attachments whose EXIF position and capture time a later check reads: the after-photo check of a
#: resolve step (reports.photo_checks); `flask privacy retain` drops them once the case has closed.
#: Every other photo loses them when attached (a filing photo is compared by perceptual hash only).
KEEPS_EXIF = frozenset({"resolution"})


@cache
def _attach_statement(keep_exif: bool):
    """Take unattached uploads of one owner, returning them (built once per kind; ids expand at
    execution); photos no check reads lose their EXIF position and capture time in the same UPDATE."""
    values = {"attached_at": bindparam("now"), "attached_to": bindparam("to"), "public": bindparam("public_")}
    if not keep_exif:
        values |= {"gps_enc": None, "taken_at": None}
    return (update(Media).where(Media.id.in_(bindparam("wanted", expanding=True)),
                                Media.owner_id == bindparam("owner"), Media.attached_at.is_(None))
            .values(**values).returning(Media)
            .execution_options(synchronize_session=False, populate_existing=True))


def attach(owner_id: int, media_ids: Sequence[int], attached_to: str,
           public: bool = False) -> list[Media]:
    """Take a user's unattached uploads for a record; anything else is refused by id.

    One UPDATE … RETURNING takes them (a concurrent taker waits on the row, then finds it taken);
    only when it takes fewer than asked is the reason looked up, and the request fails anyway.
    """
    wanted = set(media_ids)
    if not wanted:
        return []
    rows = {m.id: m for m in db.session.scalars(_attach_statement(attached_to in KEEPS_EXIF), {
        "wanted": list(wanted), "owner": owner_id, "now": utcnow(), "to": attached_to, "public_": public})}
    if len(rows) != len(wanted):
        found = {m.id: m for m in db.session.scalars(select(Media).where(Media.id.in_(wanted)))}
        foreign = [i for i in media_ids if i not in found or found[i].owner_id != owner_id]
        if foreign:
            raise InvalidInput("照片不存在或不属于您", code="media.not_owned",
                               details={"fields": {"media_ids": foreign}})
        raise InvalidInput("照片已被使用，请重新上传", code="media.already_attached",
                           details={"fields": {"media_ids": [i for i in media_ids if i not in rows]}})
    return [rows[i] for i in media_ids]


def set_public(media_ids: Sequence[int], public: bool) -> None:
    """Show or hide photos on public boards (a rejected report's photos leave the board)."""
    if media_ids:
        db.session.execute(update(Media).where(Media.id.in_(media_ids)).values(public=public))


def variant(key: str, expires: str | None, sig: str | None) -> tuple[bytes, str, bool]:
    """The bytes of a stored variant and its ETag, if public or validly signed; else 404.

    Returns (data, etag, signed): signed answers are private to the holder of the URL.
    """
    match = KEY_PATTERN.match(key)
    if not match:
        raise NotFound("照片不存在", code="media.not_found")
    signed = signing.valid(current_app.config["SECRET_KEY"], key, expires, sig)
    if not signed and not is_public(match.group(2)):
        raise NotFound("照片不存在", code="media.not_found")
    try:
        data = storage().get(key)
    except FileNotFoundError as exc:
        raise NotFound("照片不存在", code="media.not_found") from exc
    # content-addressed: a key's bytes never change, so the ETag is the key itself
    return data, f"{match.group(1)}-{match.group(2)[:32]}", signed


def is_public(sha256: str) -> bool:
    """Whether any row shows this content publicly."""
    return db.session.scalar(
        select(Media.id).where(Media.sha256 == sha256, Media.public.is_(True)).limit(1)) is not None


def delete_orphan_rows(orphan_hours: int) -> int:
    """Delete uploads attached to nothing for too long; their objects go with the next step."""
    cutoff = utcnow() - timedelta(hours=orphan_hours)
    return db.session.execute(
        delete(Media).where(Media.attached_at.is_(None), Media.created_at < cutoff)).rowcount


def delete_rowless_objects(grace_minutes: int) -> int:
    """Delete stored objects no row references, once older than the grace period (reads only)."""
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
    return removed


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
