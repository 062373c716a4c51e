"""Settings: the defaults (suishoupai.defaults) under one environment prefix, validated at start-up."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from suishoupai.defaults import DEFAULT_SECRET, DEFAULTS

PREFIX = "SUISHOUPAI_"
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
    "bench-peak-day-secret-key-long-enough-for-hs256",
    "benchpeaktoken42",
    "3mQhVQyQ6tOqN7x0c4eWp0v9W7cK2sHq1v2y8bQm4_E=",
    "wx-test-secret",
    "pushToken2026",
    "tok123",
    "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA",
})
#: production refusals an operator may waive for a trial by naming them in ALLOW_UNSAFE
WAIVABLE = ("sqlite", "moderation_none", "ratelimit_off", "ratelimit_memory", "public_base_url")



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
                "CONSOLE_TICKET_SECONDS", "DATABASE_WAIT_SECONDS",
                "OPEN311_DAYS", "OPEN311_MAX_REQUESTS", "OPEN311_MEDIA_MAX_BYTES",
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
