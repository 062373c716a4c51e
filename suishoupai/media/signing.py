"""Expiring signatures for photo URLs that are not public (the local backend serves them)."""

from __future__ import annotations

import hashlib
import hmac
import time


def signature(secret: str, key: str, expires: int) -> str:
    """HMAC of a storage key and its expiry, under a key of its own derived from the app secret."""
    own_key = hashlib.sha256(b"media-url-signing\n" + secret.encode()).digest()
    message = f"{key}\n{expires}".encode()
    return hmac.new(own_key, message, hashlib.sha256).hexdigest()[:32]


def valid(secret: str, key: str, expires: str | None, sig: str | None) -> bool:
    """Whether a URL's signature matches and has not expired."""
    if not expires or not sig or not expires.isdigit() or int(expires) < time.time():
        return False
    return hmac.compare_digest(signature(secret, key, int(expires)), sig)
