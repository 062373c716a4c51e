"""Signed access tokens (HS256 JWT) with expiry and revocation by version."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

import jwt

from suishoupai.database import utcnow
from suishoupai.errors import Unauthorized
from suishoupai.fields import MAX_ID

ALGORITHM = "HS256"
#: the subject is a user id written in ASCII digits (str.isdigit() would also take "²" or "١")
SUBJECT = re.compile(r"[1-9][0-9]{0,9}")
#: an expiry past this (2**53 s, the largest whole float) is no real expiry
LATEST = 2**53


def issue(user_id: int, token_version: int, secret: str, ttl_seconds: int) -> tuple[str, datetime]:
    """Sign a token for a user; returns it with its expiry."""
    now = utcnow()
    expires = now + timedelta(seconds=ttl_seconds)
    claims = {"sub": str(user_id), "tv": token_version, "iat": now, "exp": expires, "typ": "access"}
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires.replace(microsecond=0)


#: tokens this process verified: (secret, token) → (user_id, token_version, exp); a phone sends the same
#: token with every request, and its signature and claims need checking once, its expiry every time
_verified: dict[tuple[str, str], tuple[int, int, float]] = {}
VERIFIED_MAX = 10_000


def verify(token: str, secret: str) -> tuple[int, int]:
    """Check signature, algorithm and expiry; returns (user_id, token_version)."""
    known = _verified.get((secret, token))
    if known is not None:
        # PyJWT's rule: expired once exp <= now
        if known[2] <= time.time():
            raise Unauthorized("登录已过期，请重新登录", code="auth.token_expired")
        return known[0], known[1]
    try:
        # the algorithm is pinned: "alg": "none" or an RS/HS confusion never verifies
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"require": ["exp", "iat", "sub"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("登录已过期，请重新登录", code="auth.token_expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("登录凭证无效，请重新登录", code="auth.token_invalid") from exc
    user_id, version = claims.get("sub"), claims.get("tv")
    # signed by us, but whatever their types: a claim of the wrong shape is a bad token, never a 500
    if (claims.get("typ") != "access" or not isinstance(user_id, str) or not SUBJECT.fullmatch(user_id)
            or int(user_id) > MAX_ID or type(version) is not int or not 0 <= version <= MAX_ID
            or claims["exp"] > LATEST):
        raise Unauthorized("登录凭证无效，请重新登录", code="auth.token_invalid")
    user_id = int(user_id)
    if len(_verified) >= VERIFIED_MAX:
        _verified.clear()  # tokens live for days; a full table holds mostly ones nobody sends now
    _verified[(secret, token)] = (user_id, version, float(claims["exp"]))
    return user_id, version
