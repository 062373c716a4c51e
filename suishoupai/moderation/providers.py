"""The provider contract picked by MODERATION_PROVIDER: `none` passes everything, `wechat` asks WeChat.

A provider answers an Outcome or raises ProviderUnavailable (try again later). WeChat's own
errors are translated here, at the boundary: transient ones become ProviderUnavailable, refusals
that retrying will not change go to a person (review).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from suishoupai import wechat
from suishoupai.moderation import rules
from suishoupai.moderation.models import Verdict
from suishoupai.wechat.client import WeChatBadAnswer, WeChatError, WeChatUnavailable


@dataclass(frozen=True)
class Outcome:
    """A verdict (PENDING: a photo handed over, its verdict comes to the callback with trace_id)."""

    status: Verdict
    label: int | None = None
    trace_id: str | None = None
    error: str | None = None


class ProviderUnavailable(Exception):
    """The provider could not answer now; the check stays pending and is retried."""


class Provider(Protocol):
    """What a content-security backend offers."""

    name: str
    #: whether it asks someone outside, who needs the owner's openid and a URL it can fetch a photo from
    asks_outside: bool

    def check_text(self, content: str, openid: str | None, scene: int, timeout: float | None) -> Outcome:
        """Judge a text at once."""

    def submit_image(self, url: str, openid: str | None, scene: int, timeout: float | None) -> Outcome:
        """Judge a photo, or hand it over for a verdict that arrives later."""


class NoneProvider:
    """Development: everything passes at once."""

    name = "none"
    asks_outside = False

    def check_text(self, content, openid, scene, timeout) -> Outcome:
        """Pass."""
        return Outcome(Verdict.PASS)

    def submit_image(self, url, openid, scene, timeout) -> Outcome:
        """Pass."""
        return Outcome(Verdict.PASS)


class WeChatProvider:
    """msg_sec_check (v2) for texts, media_check_async (v2) for photos."""

    name = "wechat"
    asks_outside = True

    def check_text(self, content, openid, scene, timeout) -> Outcome:
        """Ask WeChat about a text."""
        if not openid:
            return Outcome(Verdict.REVIEW, error="no openid: WeChat cannot check for this user")
        answer = _guarded(lambda: wechat.client().msg_sec_check(content, openid, scene, timeout))
        if isinstance(answer, Outcome):
            return answer
        status, label = rules.read_result(answer.get("result"))
        trace_id = answer.get("trace_id")
        return Outcome(status, label, trace_id if isinstance(trace_id, str) else None)

    def submit_image(self, url, openid, scene, timeout) -> Outcome:
        """Hand a photo to WeChat; the verdict comes to the callback."""
        if not openid:
            return Outcome(Verdict.REVIEW, error="no openid: WeChat cannot check for this user")
        answer = _guarded(lambda: wechat.client().media_check_async(url, openid, scene, timeout))
        if isinstance(answer, Outcome):
            return answer
        return Outcome(Verdict.PENDING, trace_id=answer[:64])


def _guarded(call):
    """Run a WeChat call; transient failures raise ProviderUnavailable, refusals become review."""
    try:
        return call()
    except WeChatError as exc:
        if exc.errcode in rules.TRANSIENT_ERRCODES:
            raise ProviderUnavailable(str(exc)) from exc
        return Outcome(Verdict.REVIEW, error=f"WeChat refused: {exc}"[:300])
    except (WeChatUnavailable, WeChatBadAnswer) as exc:
        raise ProviderUnavailable(f"{type(exc).__name__}: {exc}") from exc


PROVIDERS = {"none": NoneProvider(), "wechat": WeChatProvider()}
