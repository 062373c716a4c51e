"""Settings: defaults, one environment prefix, validation at start-up."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

PREFIX = "SUISHOUPAI_"
DEFAULT_SECRET = "dev-only-secret-key-never-use-in-production"
#: settings whose value must stay secret
SECRET_SETTINGS = ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "WECHAT_SECRET", "MODERATION_CALLBACK_TOKEN",
                   "MODERATION_CALLBACK_AES_KEY")
#: every value of a secret setting this repository holds or held (the dev default, config/example.env,
#: the tests' and benches' keys): anyone can read them, so production refuses them (a test checks the list)
KNOWN_SECRETS = frozenset({
    DEFAULT_SECRET,
    "change-me-to-64-random-characters-from-a-password-generator-xxxx",
    "test-secret-key-that-is-long-enough-for-hs256",
    "bench-reports-secret-key-long-enough-for-hs256",
    "3mQhVQyQ6tOqN7x0c4eWp0v9W7cK2sHq1v2y8bQm4_E=",
    "wx-test-secret",
    "pushToken2026",
    "tok123",
    "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA",
})
#: production refusals an operator may waive for a trial by naming them in ALLOW_UNSAFE
WAIVABLE = ("sqlite", "moderation_none", "ratelimit_off", "ratelimit_memory", "public_base_url")

DEFAULTS: dict[str, Any] = {
    #: development | testing | production; production unless asked (`make run` asks for development)
    "ENV": "production",
    #: production refusals waived for a trial, comma-separated (see WAIVABLE); each is logged as a WARNING
    "ALLOW_UNSAFE": "",
    #: serve the interactive API page /api/docs in production too (always served elsewhere)
    "API_DOCS": False,
    "SECRET_KEY": DEFAULT_SECRET,
    #: Fernet key for phone numbers at rest; derived from SECRET_KEY when empty (not in production)
    "FIELD_ENCRYPTION_KEY": "",
    #: empty → SQLite file under the instance folder; DEV_LOGIN: sign in by openid (development only)
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
    #: the push's EncodingAESKey (43 characters): secure mode (安全模式), pushes encrypted and their
    #: signature covering the body; required in production, plain mode is for development only
    "MODERATION_CALLBACK_AES_KEY": "",
    #: a push further than this from our clock is refused; pushes taken are kept this long (no replay)
    "MODERATION_CALLBACK_WINDOW_SECONDS": 300,
    #: the base URL WeChat fetches photos from (local backend); empty: PUBLIC_BASE_URL
    "MODERATION_MEDIA_BASE_URL": "",
    #: lifetime of the signed photo URLs handed to WeChat
    "MODERATION_MEDIA_URL_TTL": 6 * 3600,
    #: a photo whose verdict has not arrived this long after submission is submitted again
    "MODERATION_CALLBACK_WAIT_MINUTES": 60,
    #: rows one `flask moderation run` batch claims; a claim untouched this long is free again
    "MODERATION_BATCH": 50, "MODERATION_LEASE_SECONDS": 300,
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    #: JSON bodies longer than this are refused (413) before a byte is read; uploads keep MAX_CONTENT_LENGTH
    "JSON_MAX_BYTES": 64 * 1024,
    #: JSON nested deeper than this (arrays and objects) is refused (400); a GeoJSON MultiPolygon needs 8
    "JSON_MAX_DEPTH": 32,
    #: an error's details keep at most this many entries per object or list, three times that in all …
    "ERROR_MAX_FIELDS": 10,
    #: … and cuts every text it echoes (messages, field names, values) to this many characters
    "ERROR_MAX_TEXT": 64,
    #: refuse before reading a body: no valid token (401), a role that never uses the operation (403),
    #: a JSON body over the caps; and cap what errors echo. Off only to measure the service without
    #: them (bench/hostile_requests.py's baseline); production refuses it off
    "REQUEST_GUARDS": True,
    #: where rate-limit counters live: redis://host:6379/0 in production (shared by every worker and
    #: machine); memory:// counts per process (development, tests)
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": True,
    #: prefix of every counter's key, so several services (or test runs) can share one Redis
    "RATELIMIT_STORAGE_PREFIX": "suishoupai",
    #: seconds to wait for the counter store before it counts as down
    "RATELIMIT_STORAGE_TIMEOUT": 0.5,
    #: the counter store is down: open (unlimited, a warning is logged) | refuse (503 ratelimit.unavailable)
    "RATELIMIT_ON_STORAGE_ERROR": "open",
    #: limits per action (suishoupai/limits.py), each a list like "10 per hour;30 per day": one per
    #: signed-in user (PER_USER) and one per client address (PER_IP, where mobile carriers put many
    #: phones behind one address, so it is higher); sign-in has no user yet, so only an address limit
    "LIMIT_LOGIN_PER_IP": "20 per minute;200 per hour",
    "LIMIT_UPLOAD_PER_USER": "60 per hour;200 per day",
    "LIMIT_UPLOAD_PER_IP": "600 per hour",
    "LIMIT_REPORT_PER_USER": "10 per hour;30 per day",
    "LIMIT_REPORT_PER_IP": "100 per hour",
    "LIMIT_FOLLOW_PER_USER": "60 per hour",
    "LIMIT_FOLLOW_PER_IP": "600 per hour",
    "LIMIT_WISH_PER_USER": "5 per hour;10 per day",
    "LIMIT_WISH_PER_IP": "50 per hour",
    "LIMIT_CLAIM_PER_USER": "30 per hour",
    "LIMIT_CLAIM_PER_IP": "300 per hour",
    "LIMIT_REDEEM_PER_USER": "10 per hour",
    "LIMIT_REDEEM_PER_IP": "100 per hour",
    "LIMIT_RIDER_PER_USER": "5 per day",
    "LIMIT_RIDER_PER_IP": "50 per hour",
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
    #: a repeat filing: the same account, the same category, within this many metres of one of its
    #: open reports filed in the last this many minutes → 409 report.repeat naming that report, so the
    #: grid member gets one case, not a copy per tap (0 minutes: off)
    "REPORT_REPEAT_RADIUS_M": 50.0,
    "REPORT_REPEAT_MINUTES": 10,
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
    #: wishes whose beneficiary one claimant may reveal (name, phone, address) in any 24 hours;
    #: revealing the same wish again does not count twice
    "WISH_REVEAL_DAILY_LIMIT": 5,
    #: claims one claimant may give back in 7 days; beyond it they may not claim (429) until the
    #: oldest release is a week old
    "WISH_RELEASE_WEEKLY_LIMIT": 3,
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
    #: personal data (`flask privacy retain`, published by GET /api/v1/privacy): a case closed this many
    #: months ago loses its reporter link, address and followers (the case stays on the public record)
    "PRIVACY_CASE_MONTHS": 24,
    #: a wish's beneficiary name, contact and address are erased this many months after it is confirmed
    "PRIVACY_WISH_MONTHS": 6,
    #: an after-photo's EXIF position and capture time (read by the after-photo check) are dropped this
    #: many days after its case closed; every other photo loses them when it is attached
    "PRIVACY_AFTER_PHOTO_EXIF_DAYS": 30,
    #: inbox messages (and their WeChat outbox rows) are deleted this many days after they were written
    "PRIVACY_NOTIFICATION_DAYS": 180,
    #: Idempotency-Keys and the answers they replay are deleted this many hours after their last use
    "PRIVACY_IDEMPOTENCY_HOURS": 72,
    "S3_BUCKET": "", "S3_PREFIX": "", "S3_REGION": "",
    "S3_ENDPOINT_URL": "", "S3_ACCESS_KEY": "", "S3_SECRET_KEY": "",
    #: Open311: GET requests' default days and most answers; media_url's bytes and seconds, public hosts
    #: only unless private ones are allowed (never in production: tests and development serve locally)
    "OPEN311_DAYS": 90, "OPEN311_MAX_REQUESTS": 1000, "OPEN311_MEDIA_MAX_BYTES": 10 * 1024 * 1024,
    "OPEN311_MEDIA_TIMEOUT": 10.0, "OPEN311_MEDIA_PRIVATE_HOSTS": False,
    #: path for MinIO and most self-hosted stores; virtual for COS/OSS
    "S3_ADDRESSING_STYLE": "",
    "LOG_LEVEL": "INFO",
    #: reverse proxies in front whose X-Forwarded-For and X-Forwarded-Proto are trusted (0: none, e.g.
    #: `make run`); the client address is the one the outermost of them saw. X-Forwarded-Host never is
    "PROXY_HOPS": 0,
    #: the service's public address (https://ssp.example.gov.cn, with a path if it is mounted under
    #: one): every absolute URL handed out (photo URLs) starts with it; empty: the request's own host
    #: (development and tests)
    "PUBLIC_BASE_URL": "",
    #: the console's sign-in QR: wechat (getUnlimitedQRCode) | plain (a QR of the ticket) | empty: wechat
    #: in production, plain elsewhere; the mini-program page a scanned code opens; a ticket's seconds
    "CONSOLE_QR": "",
    "CONSOLE_QR_PAGE": "pages/console-login/index",
    "CONSOLE_TICKET_SECONDS": 120,
    #: the built console served at /console/; empty: console/dist next to the package
    "CONSOLE_DIST": "",
}


def _coerce(default: Any, raw: str) -> Any:
    """Turn an environment string into the type of its default."""
    if isinstance(default, bool):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(raw)
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def load(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Read the defaults overlaid with SUISHOUPAI_* variables, once; a malformed value stays as the
    string it was, for validate() to name with the other problems."""
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        if PREFIX + key in environ:
            try:
                settings[key] = _coerce(default, environ[PREFIX + key])
            except ValueError:
                settings[key] = environ[PREFIX + key]
    return settings


class SettingsError(RuntimeError):
    """The configuration cannot be used; the service refuses to start."""


#: what a value of each default's type is called in a refusal
TYPE_NAMES = {bool: "on or off (1/0)", int: "a whole number", float: "a number", str: "text"}


def _has_type(value: Any, default: Any) -> bool:
    """Whether a value has its default's type (a whole number passes for a float)."""
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, type(default)) and not isinstance(value, bool)


def _secret_problems(config: dict[str, Any]) -> list[str]:
    """Secrets that are missing, too weak, or published in this repository."""
    found = []
    key = config["SECRET_KEY"]
    if len(key) < 32:
        found.append(f"{PREFIX}SECRET_KEY must be 32+ random characters "
                     "(python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    if not config["FIELD_ENCRYPTION_KEY"]:
        found.append(f"{PREFIX}FIELD_ENCRYPTION_KEY is required in production (python -c 'from "
                     "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')")
    if not config["WECHAT_APPID"] or not config["WECHAT_SECRET"]:
        found.append(f"{PREFIX}WECHAT_APPID and {PREFIX}WECHAT_SECRET are required in production "
                     "(微信公众平台 → 开发管理 → 开发设置)")
    if config["MODERATION_PROVIDER"] == "wechat" and not config["MODERATION_CALLBACK_AES_KEY"]:
        # plain mode's signature does not cover the body: a leaked push could be rewritten and replayed
        found.append(f"{PREFIX}MODERATION_CALLBACK_AES_KEY is required in production: WeChat's pushes in "
                     "secure mode (安全模式), the EncodingAESKey of 开发管理 → 消息推送")
    for name in SECRET_SETTINGS:
        if config[name] in KNOWN_SECRETS:
            found.append(f"{PREFIX}{name} is a value published in the suishoupai repository "
                         "(a default, an example or a test key): anyone can read it; generate a new one")
    return found


def _waivable_problems(config: dict[str, Any]) -> list[tuple[str, str]]:
    """Production refusals that ALLOW_UNSAFE may waive: (its name there, the refusal)."""
    found = []
    url = config["DATABASE_URL"]
    if not url or url.startswith("sqlite"):
        found.append(("sqlite", f"{PREFIX}DATABASE_URL must name a PostgreSQL database (postgresql://"
                                "user:password@host/db); empty or sqlite:// is the embedded SQLite"))
    if config["MODERATION_PROVIDER"] == "none":
        found.append(("moderation_none", f"{PREFIX}MODERATION_PROVIDER must be wechat in production: "
                                         "none publishes every text and photo unchecked"))
    if not config["RATELIMIT_ENABLED"]:
        found.append(("ratelimit_off", f"{PREFIX}RATELIMIT_ENABLED must be on in production"))
    elif config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        found.append(("ratelimit_memory", f"{PREFIX}RATELIMIT_STORAGE_URI must be shared (redis://…) in "
                                          "production: memory:// counts per worker process"))
    if not config["PUBLIC_BASE_URL"].startswith("https://"):
        found.append(("public_base_url", f"{PREFIX}PUBLIC_BASE_URL must be this service's public "
                                         "https:// address in production"))
    return found


def _production_problems(config: dict[str, Any], waived: set[str]) -> tuple[list[str], list[str]]:
    """Production's refusals and the waived ones (each named in ALLOW_UNSAFE)."""
    refused = _secret_problems(config)
    if config["DEV_LOGIN"]:
        refused.append(f"{PREFIX}DEV_LOGIN must be off in production: it signs anyone in as anyone")
    if not config["REQUEST_GUARDS"]:
        refused.append(f"{PREFIX}REQUEST_GUARDS must be on in production: without it any body is read "
                       "and validated before the caller is known")
    kept = []
    for name, problem in _waivable_problems(config):
        if name in waived:
            kept.append(f"{problem} [waived by {PREFIX}ALLOW_UNSAFE={name}]")
        else:
            refused.append(f"{problem} [a trial may waive it: {PREFIX}ALLOW_UNSAFE={name}]")
    return refused, kept


def _general_problems(config: dict[str, Any]) -> list[str]:
    """Values that cannot work in any environment."""
    found = []
    if config["ENV"] not in ("development", "testing", "production"):
        found.append(f"{PREFIX}ENV must be development, testing or production")
    if config["ROUTING_POLICY"] not in ("least_loaded", "round_robin"):
        found.append(f"{PREFIX}ROUTING_POLICY must be least_loaded or round_robin")
    if config["LOG_LEVEL"] not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        found.append(f"{PREFIX}LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
    if config["FIELD_ENCRYPTION_KEY"]:
        try:
            Fernet(config["FIELD_ENCRYPTION_KEY"])
        except ValueError as exc:
            found.append(f"{PREFIX}FIELD_ENCRYPTION_KEY is not a Fernet key: {exc}")
    for key in ("TOKEN_TTL_SECONDS", "MAX_CONTENT_LENGTH", "MEDIA_MAX_PIXELS", "MEDIA_URL_TTL",
                "STATS_MIN_SAMPLE", "STATS_MAX_DAYS", "NEARBY_RADIUS_M", "NEARBY_DAYS",
                "DUPLICATE_RADIUS_M", "DUPLICATE_DAYS", "AFTER_PHOTO_MAX_DISTANCE_M",
                "STATS_REFRESH_OVERLAP_SECONDS", "STATS_KEEP_DAYS", "REPORT_REPEAT_RADIUS_M",
                "RATELIMIT_STORAGE_TIMEOUT", "WISH_REVEAL_DAILY_LIMIT", "WISH_RELEASE_WEEKLY_LIMIT",
                "PRIVACY_CASE_MONTHS", "PRIVACY_WISH_MONTHS", "PRIVACY_AFTER_PHOTO_EXIF_DAYS",
                "PRIVACY_NOTIFICATION_DAYS", "PRIVACY_IDEMPOTENCY_HOURS", "JSON_MAX_BYTES",
                "JSON_MAX_DEPTH", "ERROR_MAX_FIELDS", "ERROR_MAX_TEXT",
                "CONSOLE_TICKET_SECONDS", "OPEN311_DAYS", "OPEN311_MAX_REQUESTS", "OPEN311_MEDIA_MAX_BYTES",
                "OPEN311_MEDIA_TIMEOUT"):
        if config[key] <= 0:
            found.append(f"{PREFIX}{key} must be positive")
    if config["REPORT_REPEAT_MINUTES"] < 0:
        found.append(f"{PREFIX}REPORT_REPEAT_MINUTES must be 0 (off) or more")
    base = config["PUBLIC_BASE_URL"]
    if base and (not base.startswith(("https://", "http://")) or "?" in base or "#" in base):
        found.append(f"{PREFIX}PUBLIC_BASE_URL must be an absolute http(s) URL without query")
    if not 0 <= config["PHOTO_MATCH_BITS"] <= 64:
        found.append(f"{PREFIX}PHOTO_MATCH_BITS must be between 0 and 64")
    if config["CONSOLE_QR"] not in ("", "wechat", "plain"):
        found.append(f"{PREFIX}CONSOLE_QR must be wechat, plain or empty")
    if config["MEDIA_BACKEND"] not in ("local", "s3"):
        found.append(f"{PREFIX}MEDIA_BACKEND must be local or s3")
    if config["MEDIA_BACKEND"] == "s3" and not config["S3_BUCKET"]:
        found.append(f"{PREFIX}S3_BUCKET is required with MEDIA_BACKEND=s3")
    return found


def validate(config: dict[str, Any]) -> list[str]:
    """Refuse a configuration that must never run, with one message naming every problem; return
    the production refusals waived by ALLOW_UNSAFE, for the start-up log to repeat loudly."""
    refused = [f"{PREFIX}{key} must be {TYPE_NAMES[type(default)]}, not {config[key]!r}"
               for key, default in DEFAULTS.items() if not _has_type(config[key], default)]
    # the other checks see the default in place of a malformed value (already named above)
    typed = config | {key: DEFAULTS[key] for key in DEFAULTS if not _has_type(config[key], DEFAULTS[key])}
    waived = {name.strip() for name in typed["ALLOW_UNSAFE"].split(",") if name.strip()}
    unknown = sorted(waived - set(WAIVABLE))
    if unknown:
        refused.append(f"{PREFIX}ALLOW_UNSAFE names unknown checks: {', '.join(unknown)} "
                       f"(known: {', '.join(WAIVABLE)})")
    refused += _general_problems(typed)
    kept: list[str] = []
    if typed["ENV"] == "production":
        production_refused, kept = _production_problems(typed, waived)
        refused += production_refused
    if refused:
        raise SettingsError(f"the service refuses to start (ENV={typed['ENV']}): "
                            f"{len(refused)} problem(s):\n" + "\n".join(f"  - {p}" for p in refused))
    return kept


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
