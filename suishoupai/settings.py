"""Settings: defaults, one environment prefix, validation at start-up."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

PREFIX = "SUISHOUPAI_"
DEFAULT_SECRET = "dev-only-secret-key-never-use-in-production"

DEFAULTS: dict[str, Any] = {
    #: development | testing | production
    "ENV": "development",
    "SECRET_KEY": DEFAULT_SECRET,
    #: Fernet key for phone numbers at rest; derived from SECRET_KEY when empty (not in production)
    "FIELD_ENCRYPTION_KEY": "",
    #: empty → SQLite file under the instance folder
    "DATABASE_URL": "",
    "DEV_LOGIN": False,
    "TOKEN_TTL_SECONDS": 7 * 24 * 3600,
    "WECHAT_API_BASE": "https://api.weixin.qq.com",
    "WECHAT_APPID": "",
    "WECHAT_SECRET": "",
    "WECHAT_TIMEOUT": 5.0,
    #: developer | trial | formal: which build of the mini-program a subscribe message opens
    "WECHAT_MINIPROGRAM_STATE": "formal",
    #: JSON {kind: {"template_id": "…", "fields": {"thing1": "title", "time2": "created_at", …}}};
    #: kinds without a template are inbox only
    "NOTIFY_TEMPLATES": "",
    #: sends of one notification before it is given up as failed (transient errors only)
    "NOTIFY_MAX_ATTEMPTS": 8,
    #: rows one `flask notify run` batch claims
    "NOTIFY_BATCH": 100,
    #: a claimed row untouched this long is free for another worker (a worker died)
    "NOTIFY_LEASE_SECONDS": 300,
    #: content security: none (development: everything passes) | wechat (msg_sec_check, media_check_async)
    "MODERATION_PROVIDER": "none",
    #: seconds a text check may take inside a submission; slower → pending, the worker retries
    "MODERATION_SYNC_TIMEOUT": 2.0,
    #: the Token of the mini-program's message push (消息推送), which signs media-check callbacks
    "MODERATION_CALLBACK_TOKEN": "",
    #: this service's public base URL (https://…), so WeChat can fetch photos from the local backend
    "MODERATION_MEDIA_BASE_URL": "",
    #: lifetime of the signed photo URLs handed to WeChat
    "MODERATION_MEDIA_URL_TTL": 6 * 3600,
    #: a photo whose verdict has not arrived this long after submission is submitted again
    "MODERATION_CALLBACK_WAIT_MINUTES": 60,
    #: rows one `flask moderation run` batch claims; a claim untouched this long is free again
    "MODERATION_BATCH": 50,
    "MODERATION_LEASE_SECONDS": 300,
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    #: JSON bodies longer than this are refused (413) before a byte is read; uploads keep MAX_CONTENT_LENGTH
    "JSON_MAX_BYTES": 64 * 1024,
    #: JSON nested deeper than this (arrays and objects) is refused (400); a GeoJSON MultiPolygon needs 8
    "JSON_MAX_DEPTH": 32,
    #: an error answer's details keep at most this many entries per object or list (so at most this
    #: many fields in details.fields), three times that in all …
    "ERROR_MAX_FIELDS": 10,
    #: … and cuts every text it echoes (messages, field names, values) to this many characters
    "ERROR_MAX_TEXT": 64,
    #: refuse before reading a body: no valid token (401), a role that never uses the operation (403),
    #: a JSON body over the caps; and cap what errors echo. Off only to measure the service without
    #: them (bench/hostile_requests.py's baseline); production refuses it off
    "REQUEST_GUARDS": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": True,
    "LOGIN_RATE_LIMIT": "20 per minute",
    #: a running request holding an Idempotency-Key longer than this is presumed dead
    "IDEMPOTENCY_LOCK_SECONDS": 60,
    "ROUTING_POLICY": "least_loaded",
    #: local | s3
    "MEDIA_BACKEND": "local",
    #: local backend directory; empty → instance/media
    "MEDIA_ROOT": "",
    "MEDIA_MAX_PIXELS": 50_000_000,
    #: PNG, WebP and HEIC decode at full size (no draft mode): a lower cap bounds their memory
    "MEDIA_MAX_PIXELS_FULL_DECODE": 25_000_000,
    #: lifetime of signed URLs of photos that are not public
    "MEDIA_URL_TTL": 3600,
    #: uploads attached to nothing for this long are collected by `flask media gc`
    "MEDIA_ORPHAN_HOURS": 24,
    #: stored objects without a row are kept this long (an upload may be committing)
    "MEDIA_GC_GRACE_MINUTES": 60,
    #: a reporter may ask for a case to be redone this many days after it was resolved
    "REPORT_REOPEN_DAYS": 7,
    #: resolved cases the reporter does not answer are closed by the sweep after this many days
    "REPORT_AUTO_CLOSE_DAYS": 7,
    #: GET /reports/nearby: open reports of the category within this radius, filed in the last days
    "NEARBY_RADIUS_M": 100.0,
    "NEARBY_DAYS": 30,
    #: suspected duplicates for staff: same category this close, filed this many days apart at most
    "DUPLICATE_RADIUS_M": 150.0,
    "DUPLICATE_DAYS": 14,
    #: photos whose 64-bit perceptual hashes differ in at most this many bits count as the same picture
    "PHOTO_MATCH_BITS": 8,
    #: an after-photo whose EXIF GPS lies farther than this from the report is flagged
    "AFTER_PHOTO_MAX_DISTANCE_M": 300.0,
    #: open claims one volunteer may hold at once
    "WISH_CLAIM_LIMIT": 3,
    #: a claim not fulfilled within this many days goes back to the board
    "WISH_CLAIM_DAYS": 14,
    #: fulfilments the wisher does not confirm are confirmed by the sweep after this many days
    "WISH_AUTO_CONFIRM_DAYS": 7,
    #: stats: a grid or department with fewer cases (or clocks) than this behind a rate is not ranked on it
    "STATS_MIN_SAMPLE": 30,
    #: stats: the longest window one summary or export may cover
    "STATS_MAX_DAYS": 366,
    #: stats: a computed summary is served again for this many seconds (per worker; 0: always count)
    "STATS_CACHE_SECONDS": 60,
    #: stats: whole days of the last this many days are kept once counted; older ones are counted on
    #: each ask (`flask stats prune` forgets them): covers a month compared with the same month last year
    "STATS_KEEP_DAYS": 400,
    #: stats facts: a refresh also recomputes reports stamped this long before its mark, so a
    #: transaction that committed after the last refresh is not missed (longer than any transaction)
    "STATS_REFRESH_OVERLAP_SECONDS": 60,
    "S3_BUCKET": "",
    "S3_PREFIX": "",
    "S3_REGION": "",
    "S3_ENDPOINT_URL": "",
    "S3_ACCESS_KEY": "",
    "S3_SECRET_KEY": "",
    #: path for MinIO and most self-hosted stores; virtual for COS/OSS
    "S3_ADDRESSING_STYLE": "",
    "LOG_LEVEL": "INFO",
    #: reverse proxies in front whose X-Forwarded-* headers are trusted (0: none, e.g. `make run`)
    "PROXY_HOPS": 0,
}


def _coerce(default: Any, raw: str) -> Any:
    """Turn an environment string into the type of its default."""
    if isinstance(default, bool):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"not a boolean: {raw!r}")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def load(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Read the defaults overlaid with SUISHOUPAI_* variables, once."""
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        if PREFIX + key in environ:
            try:
                settings[key] = _coerce(default, environ[PREFIX + key])
            except ValueError as exc:
                raise SettingsError(f"{PREFIX}{key}: {exc}") from exc
    return settings


class SettingsError(RuntimeError):
    """The configuration cannot be used; the service refuses to start."""


def validate(config: dict[str, Any]) -> None:
    """Refuse configurations that must never run."""
    if config["ENV"] not in ("development", "testing", "production"):
        raise SettingsError(f"{PREFIX}ENV must be development, testing or production")
    if config["ROUTING_POLICY"] not in ("least_loaded", "round_robin"):
        raise SettingsError(f"{PREFIX}ROUTING_POLICY must be least_loaded or round_robin")
    if config["LOG_LEVEL"] not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise SettingsError(f"{PREFIX}LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
    if config["FIELD_ENCRYPTION_KEY"]:
        try:
            Fernet(config["FIELD_ENCRYPTION_KEY"])
        except ValueError as exc:
            raise SettingsError(f"{PREFIX}FIELD_ENCRYPTION_KEY is not a Fernet key: {exc}") from exc
    for key in ("TOKEN_TTL_SECONDS", "MAX_CONTENT_LENGTH", "MEDIA_MAX_PIXELS", "MEDIA_URL_TTL",
                "STATS_MIN_SAMPLE", "STATS_MAX_DAYS", "NEARBY_RADIUS_M", "NEARBY_DAYS",
                "DUPLICATE_RADIUS_M", "DUPLICATE_DAYS", "AFTER_PHOTO_MAX_DISTANCE_M",
                "STATS_REFRESH_OVERLAP_SECONDS", "STATS_KEEP_DAYS", "JSON_MAX_BYTES", "JSON_MAX_DEPTH",
                "ERROR_MAX_FIELDS", "ERROR_MAX_TEXT"):
        if config[key] <= 0:
            raise SettingsError(f"{PREFIX}{key} must be positive")
    if config["ENV"] == "production":
        if config["SECRET_KEY"] == DEFAULT_SECRET or len(config["SECRET_KEY"]) < 32:
            raise SettingsError(f"{PREFIX}SECRET_KEY must be set to 32+ random characters")
        if config["DEV_LOGIN"]:
            raise SettingsError(f"{PREFIX}DEV_LOGIN must be off in production")
        if not config["REQUEST_GUARDS"]:
            raise SettingsError(f"{PREFIX}REQUEST_GUARDS must be on in production")
        if not config["FIELD_ENCRYPTION_KEY"]:
            raise SettingsError(f"{PREFIX}FIELD_ENCRYPTION_KEY is required in production")
        if not config["DATABASE_URL"]:
            raise SettingsError(f"{PREFIX}DATABASE_URL is required in production")
        if not config["WECHAT_APPID"] or not config["WECHAT_SECRET"]:
            raise SettingsError(f"{PREFIX}WECHAT_APPID and {PREFIX}WECHAT_SECRET are required in production")
        if config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
            raise SettingsError(f"{PREFIX}RATELIMIT_STORAGE_URI must be shared (redis://…) in production")
    if not 0 <= config["PHOTO_MATCH_BITS"] <= 64:
        raise SettingsError(f"{PREFIX}PHOTO_MATCH_BITS must be between 0 and 64")
    if config["MEDIA_BACKEND"] not in ("local", "s3"):
        raise SettingsError(f"{PREFIX}MEDIA_BACKEND must be local or s3")
    if config["MEDIA_BACKEND"] == "s3" and not config["S3_BUCKET"]:
        raise SettingsError(f"{PREFIX}S3_BUCKET is required with MEDIA_BACKEND=s3")


def database_url(config: dict[str, Any], instance_path: str) -> str:
    """The SQLAlchemy URL: the configured one, or the embedded SQLite file."""
    url = config["DATABASE_URL"]
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "suishoupai.db")
    # accept the usual postgres:// spellings and pin the driver to psycopg 3
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    return url
