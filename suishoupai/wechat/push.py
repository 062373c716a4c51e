"""WeChat's message push (消息推送): signatures and secure mode's (安全模式) AES framing, as pure functions.

Secure mode encrypts each push with the EncodingAESKey: AES-256-CBC, the key base64-decoded from the
43-character EncodingAESKey plus "=", the IV its first 16 bytes, PKCS#7 padding to 32-byte blocks, and
the plaintext framed as 16 random bytes, the message length (4 bytes, big-endian), the message and
the appid. ``msg_signature`` signs token, timestamp, nonce and the ciphertext, so unlike plain mode's
``signature`` it covers the body. wechatpy's crypto only reads XML pushes and its last release is
years old; the framing is these few lines over ``cryptography``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

#: secure mode pads to 32 bytes, not AES's 16
BLOCK_BITS = 256
#: random prefix, then the big-endian length of the message
PREFIX_BYTES, LENGTH_BYTES = 16, 4


class BadCipher(ValueError):
    """The ciphertext does not decrypt to a framed message."""


class OtherAppid(BadCipher):
    """The message decrypts, but is addressed to another mini-program."""


def signature(*parts: str) -> str:
    """WeChat's push signature: sha1 of the parts sorted and joined."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signed(given: str | None, *parts: str) -> bool:
    """Whether ``given`` is the signature of the parts (compared in constant time)."""
    if not given or not all(parts) or not given.isascii():
        return False
    return hmac.compare_digest(signature(*parts).encode(), given.lower().encode())


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte key an EncodingAESKey (43 base64 characters) stands for."""
    if len(encoding_aes_key) != 43:
        raise ValueError("an EncodingAESKey has 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise ValueError("an EncodingAESKey is base64") from exc
    return key


def decrypt(encrypted: str, encoding_aes_key: str, appid: str) -> bytes:
    """The message inside a secure-mode ``Encrypt`` field, checked to be addressed to ``appid``."""
    key = aes_key(encoding_aes_key)
    try:
        cipher = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadCipher("not base64") from exc
    if not cipher or len(cipher) % (BLOCK_BITS // 8):
        raise BadCipher("not whole blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    unpadder = padding.PKCS7(BLOCK_BITS).unpadder()
    try:
        plain = unpadder.update(decryptor.update(cipher) + decryptor.finalize()) + unpadder.finalize()
    except ValueError as exc:
        raise BadCipher("bad padding") from exc
    body = plain[PREFIX_BYTES:]
    length = int.from_bytes(body[:LENGTH_BYTES], "big")
    if len(body) < LENGTH_BYTES + length:
        raise BadCipher("length past the end")
    message, sender = body[LENGTH_BYTES:LENGTH_BYTES + length], body[LENGTH_BYTES + length:]
    if not hmac.compare_digest(sender, appid.encode()):
        raise OtherAppid("another appid")
    return message
