"""Content security: every user text and photo others may see is checked before public lists show it."""

from flask import Flask, current_app

from suishoupai.moderation.providers import PROVIDERS, Provider
from suishoupai.settings import PREFIX, SettingsError
from suishoupai.wechat.push import aes_key


def check(config: dict) -> None:
    """Refuse moderation settings that cannot work."""
    provider = config["MODERATION_PROVIDER"]
    if provider not in PROVIDERS:
        raise SettingsError(f"{PREFIX}MODERATION_PROVIDER must be none or wechat")
    for key in ("MODERATION_SYNC_TIMEOUT", "MODERATION_MEDIA_URL_TTL", "MODERATION_CALLBACK_WAIT_MINUTES",
                "MODERATION_BATCH", "MODERATION_LEASE_SECONDS", "MODERATION_CALLBACK_WINDOW_SECONDS"):
        if config[key] <= 0:
            raise SettingsError(f"{PREFIX}{key} must be positive")
    if provider == "wechat":
        token = config["MODERATION_CALLBACK_TOKEN"]
        # WeChat's message-push Token: 3 to 32 letters and digits
        if not (3 <= len(token) <= 32 and token.isascii() and token.isalnum()):
            raise SettingsError(f"{PREFIX}MODERATION_CALLBACK_TOKEN must be the 3–32 character push Token")
        base = config["MODERATION_MEDIA_BASE_URL"] or config["PUBLIC_BASE_URL"]
        if config["MEDIA_BACKEND"] == "local" and not base.startswith(("https://", "http://")):
            raise SettingsError(f"{PREFIX}MODERATION_MEDIA_BASE_URL (or PUBLIC_BASE_URL) must be this "
                                "service's public URL")
    check_push(config)


def check_push(config: dict) -> None:
    """Refuse an EncodingAESKey that is not one (production requires one: settings.validate)."""
    key = config["MODERATION_CALLBACK_AES_KEY"]
    if key:
        try:
            aes_key(key)
        except ValueError as exc:
            raise SettingsError(f"{PREFIX}MODERATION_CALLBACK_AES_KEY is not an EncodingAESKey: {exc}") \
                from exc


def init_app(app: Flask) -> None:
    """Check the settings and start listening to the domains whose content is checked."""
    from suishoupai.moderation import subjects

    check(app.config)
    subjects.connect()


def provider() -> Provider:
    """The configured provider."""
    return PROVIDERS[current_app.config["MODERATION_PROVIDER"]]
