"""Encryption of personal fields at rest (phone numbers) and their masked display."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def _cipher() -> Fernet:
    """The app's Fernet, built once from FIELD_ENCRYPTION_KEY (or, outside production, SECRET_KEY)."""
    cipher = current_app.extensions.get("field_cipher")
    if cipher is None:
        key = current_app.config["FIELD_ENCRYPTION_KEY"]
        if not key:
            digest = hashlib.sha256(b"field-encryption:" + current_app.config["SECRET_KEY"].encode())
            key = base64.urlsafe_b64encode(digest.digest()).decode()
        cipher = current_app.extensions["field_cipher"] = Fernet(key)
    return cipher


def encrypt(plain: str) -> str:
    """Encrypt a short text field."""
    return _cipher().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str | None:
    """Decrypt a field; None when it cannot be read (rotated key, corruption)."""
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def mask_phone(phone: str | None) -> str | None:
    """138****1234: enough to recognise, not enough to call."""
    if not phone:
        return None
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
