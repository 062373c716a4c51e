"""WeChat's message push believed only when signed by our Token, fresh, new, and in production encrypted."""

from __future__ import annotations

import json
import time

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from suishoupai.errors import Forbidden, InvalidInput
from suishoupai.extensions import db
from suishoupai.moderation.models import PushNonce
from suishoupai.wechat import push

#: WeChat's nonces are a few digits; anything longer is not WeChat's
NONCE_MAX = 64


def _refused(message: str, code: str) -> Forbidden:
    """A push we do not believe."""
    return Forbidden(message, code=code)


def _fresh(timestamp: str) -> int:
    """The push's timestamp, when it lies within the window around our clock."""
    window = current_app.config["MODERATION_CALLBACK_WINDOW_SECONDS"]
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12 \
            or abs(int(timestamp) - time.time()) > window:
        raise _refused("消息推送已过期", "moderation.stale_push")
    return int(timestamp)


def _remember(timestamp: int, nonce: str) -> None:
    """Take a push's (timestamp, nonce) once; a second time is a replay. Expired ones are forgotten."""
    window = current_app.config["MODERATION_CALLBACK_WINDOW_SECONDS"]
    db.session.execute(delete(PushNonce).where(PushNonce.timestamp < time.time() - window))
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # a concurrent copy waits on the other's key and then inserts nothing, as a later one does
    taken = db.session.scalar(insert(PushNonce).values(timestamp=timestamp, nonce=nonce)
                              .on_conflict_do_nothing().returning(PushNonce.nonce))
    if taken is None:
        raise _refused("重复的消息推送", "moderation.replayed_push")


def _object(raw: bytes, what: str) -> dict:
    """A JSON object out of a push body."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, dict):
        raise InvalidInput(f"推送{what}须为 JSON 对象", code="moderation.bad_push")
    return value


def verify_url(args) -> None:
    """WeChat's check of the push URL: signed by our Token and fresh (plain in either mode)."""
    token = current_app.config["MODERATION_CALLBACK_TOKEN"]
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    if not push.signed(args.get("signature"), token, timestamp, nonce):
        raise _refused("消息签名校验失败", "moderation.bad_signature")
    _fresh(timestamp)


def event(args, body: bytes) -> dict:
    """The event a push carries, once it is verified; refused pushes change nothing.

    With an EncodingAESKey (secure mode) the event is the decrypted ``Encrypt`` field, signed by
    ``msg_signature``; the plain fields of compatible mode are ignored. Without one (development
    only: settings refuse it in production) the body itself, signed by ``signature``.
    """
    config = current_app.config
    token, key = config["MODERATION_CALLBACK_TOKEN"], config["MODERATION_CALLBACK_AES_KEY"]
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    if len(nonce) > NONCE_MAX:
        raise _refused("消息签名校验失败", "moderation.bad_signature")
    if key:
        encrypted = _object(body, "").get("Encrypt")
        if not isinstance(encrypted, str) or not push.signed(args.get("msg_signature"), token, timestamp,
                                                             nonce, encrypted):
            raise _refused("消息签名校验失败", "moderation.bad_signature")
        taken = _fresh(timestamp)
        try:
            body = push.decrypt(encrypted, key, config["WECHAT_APPID"])
        except push.OtherAppid as exc:
            raise _refused("消息推送不属于本小程序", "moderation.wrong_appid") from exc
        except push.BadCipher as exc:
            raise _refused("消息推送无法解密", "moderation.bad_cipher") from exc
    else:
        if not push.signed(args.get("signature"), token, timestamp, nonce):
            raise _refused("消息签名校验失败", "moderation.bad_signature")
        taken = _fresh(timestamp)
    found = _object(body, "内容")
    if not key and "Encrypt" in found and "Event" not in found:
        raise InvalidInput("收到安全模式推送，但未配置 EncodingAESKey", code="moderation.encrypted_push")
    _remember(taken, nonce)
    return found
