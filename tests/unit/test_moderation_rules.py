"""Content security's pure rules: worst verdict, WeChat's answers, push signatures, backoff, settings."""

import hashlib

import pytest

from suishoupai import moderation, settings
from suishoupai.moderation import rules
from suishoupai.moderation.models import Verdict
from suishoupai.wechat import push


@pytest.mark.parametrize(("statuses", "expected"), [
    ([], Verdict.PASS),
    (["pass", "pass"], Verdict.PASS),
    (["pass", "pending"], Verdict.PENDING),
    (["pending", "review", "pass"], Verdict.REVIEW),
    (["review", "risky", "pending"], Verdict.RISKY),
])
def test_the_worst_verdict_shows(statuses, expected):
    """One photo pending keeps the whole item off the board; one risky field hides it."""
    assert rules.worst(statuses) == expected


@pytest.mark.parametrize(("result", "expected"), [
    ({"suggest": "pass", "label": 100}, (Verdict.PASS, 100)),
    ({"suggest": "risky", "label": 20001}, (Verdict.RISKY, 20001)),
    ({"suggest": "review", "label": 21000}, (Verdict.REVIEW, 21000)),
    ({"suggest": "unknown", "label": 100}, (Verdict.REVIEW, 100)),
    ({"suggest": "pass", "label": True}, (Verdict.PASS, None)),
    (None, (Verdict.REVIEW, None)),
    ("pass", (Verdict.REVIEW, None)),
])
def test_wechat_results_read_and_anything_odd_goes_to_a_person(result, expected):
    """Only a well-formed pass passes."""
    assert rules.read_result(result) == expected


def test_push_signature_is_sha1_of_the_sorted_parts():
    """As WeChat documents it, and compared whatever case the hex is in."""
    expected = hashlib.sha1(b"".join(sorted([b"tok", b"1700000000", b"abc"]))).hexdigest()
    assert push.signature("tok", "1700000000", "abc") == expected
    assert push.signed(expected, "tok", "1700000000", "abc")
    assert push.signed(expected.upper(), "tok", "1700000000", "abc")
    assert not push.signed(expected, "tok", "1700000001", "abc")
    assert not push.signed(expected, "other", "1700000000", "abc")
    assert not push.signed(push.signature("", "1", "2"), "", "1", "2")
    assert not push.signed(None, "tok", "1700000000", "abc")
    assert not push.signed("签名", "tok", "1700000000", "abc")


def test_backoff_grows_and_is_capped():
    """Half a minute, doubling, at most an hour."""
    assert [rules.backoff_seconds(n) for n in (1, 2, 3)] == [30, 60, 120]
    assert rules.backoff_seconds(50) == 3600


def _config(**overrides):
    """The defaults with some settings changed."""
    return settings.load({}) | overrides


def test_settings_refuse_what_cannot_work():
    """An unknown provider, a wechat provider without push token or reachable photo URLs."""
    moderation.check(_config())
    with pytest.raises(settings.SettingsError, match="MODERATION_PROVIDER"):
        moderation.check(_config(MODERATION_PROVIDER="aliyun"))
    with pytest.raises(settings.SettingsError, match="MODERATION_CALLBACK_TOKEN"):
        moderation.check(_config(MODERATION_PROVIDER="wechat", MODERATION_MEDIA_BASE_URL="https://x.cn"))
    with pytest.raises(settings.SettingsError, match="MODERATION_MEDIA_BASE_URL"):
        moderation.check(_config(MODERATION_PROVIDER="wechat", MODERATION_CALLBACK_TOKEN="tok123"))
    with pytest.raises(settings.SettingsError, match="MODERATION_SYNC_TIMEOUT"):
        moderation.check(_config(MODERATION_SYNC_TIMEOUT=0.0))
    moderation.check(_config(MODERATION_PROVIDER="wechat", MODERATION_CALLBACK_TOKEN="tok123",
                             MODERATION_MEDIA_BASE_URL="https://ssp.example.cn"))
    # S3 hands out presigned URLs of its own
    moderation.check(_config(MODERATION_PROVIDER="wechat", MODERATION_CALLBACK_TOKEN="tok123",
                             MEDIA_BACKEND="s3", S3_BUCKET="b"))
