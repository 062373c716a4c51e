"""Subscribe message field values cut to WeChat's limits, which depend on the key's type prefix.

WeChat refuses a whole message (47003) when one value breaks its type's rule, so every value is
fitted here, by characters (never bytes), rather than trusting the caller.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

#: China has no daylight saving time: a fixed offset is exact
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
ELLIPSIS = "…"
#: type → (most characters, ellipsis when cut, what to send for an empty value)
LIMITS = {
    "thing": (20, True, "无"),
    "number": (32, False, "0"),
    "letter": (32, False, "-"),
    "symbol": (5, False, "-"),
    "character_string": (32, False, "-"),
    "phone_number": (17, False, "-"),
    "car_number": (8, False, "-"),
    "amount": (14, False, "0"),
    "phrase": (5, False, "无"),
    "enum": (20, False, "-"),
}
FIELD_TYPES = frozenset(LIMITS) | {"time", "date", "name"}
_SPACE = re.compile(r"\s+")
_NOT_NUMBER = re.compile(r"[^0-9.]")
_NOT_PHONE = re.compile(r"[^0-9+\-() ]")


def field_type(key: str) -> str:
    """thing12 → thing; character_string3 → character_string."""
    return key.rstrip("0123456789")


def _han(ch: str) -> bool:
    """A CJK ideograph (what WeChat calls 汉字)."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def clean(text: str) -> str:
    """One line, no control characters, no characters beyond the BMP (emoji are refused)."""
    text = "".join(ch for ch in str(text) if ord(ch) <= 0xFFFF and (ch.isprintable() or ch.isspace()))
    return _SPACE.sub(" ", text).strip()


def shorten(text: str, limit: int, ellipsis: bool = True) -> str:
    """At most ``limit`` characters; the last one becomes "…" when text was cut and that helps."""
    if len(text) <= limit:
        return text
    return text[:limit - 1].rstrip() + ELLIPSIS if ellipsis else text[:limit]


def when(value, with_time: bool = True) -> str:
    """A datetime (or ISO string) as WeChat's 2019年10月1日 15:01, in Beijing time."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return shorten(clean(value), 20, ellipsis=False)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # the service stores UTC
    local = value.astimezone(BEIJING)
    day = f"{local.year}年{local.month}月{local.day}日"
    return f"{day} {local:%H:%M}" if with_time else day


def fit(key: str, value) -> str:
    """One value made acceptable for a template key of the given type."""
    kind = field_type(key)
    if kind in ("time", "date"):
        return when(value, with_time=kind == "time") if value not in (None, "") else "-"
    text = clean("" if value is None else value)
    if kind == "name":
        # 10 characters when any is Chinese, else 20 letters
        limit = 20 if text.isascii() else 10
        return shorten(text, limit, ellipsis=False) or "无"
    limit, ellipsis, empty = LIMITS.get(kind, (20, True, "-"))
    if kind == "phrase":
        text = "".join(ch for ch in text if _han(ch))
    elif kind == "number":
        text = _NOT_NUMBER.sub("", text)
    elif kind == "phone_number":
        text = _NOT_PHONE.sub("", text).strip()
    return shorten(text, limit, ellipsis) or empty


def fill(mapping: dict[str, str], values: dict) -> dict[str, dict[str, str]]:
    """The send body's data: each template key gets its source value, fitted."""
    return {key: {"value": fit(key, values.get(source))} for key, source in mapping.items()}
