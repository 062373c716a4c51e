"""How a send's failure decides its row's fate, and the retry schedule (pure, no app)."""

import pytest

from suishoupai.notify.policy import CAP_SECONDS, State, after_failure, backoff_seconds, judge
from suishoupai.wechat.client import WeChatBadAnswer, WeChatError, WeChatNoAnswer, WeChatUnavailable


@pytest.mark.parametrize(("exc", "state", "retry", "stop_run"), [
    (None, State.SENT, False, False),
    (WeChatError(43101, "user refuse to accept the msg"), State.NO_QUOTA, False, False),
    (WeChatError(47003, "argument invalid"), State.FAILED, False, False),
    (WeChatError(43107, "no permission"), State.FAILED, False, False),
    (WeChatError(40003, "invalid openid"), State.FAILED, False, False),
    (WeChatError(-1, "system error"), State.PENDING, True, False),
    (WeChatError(45009, "reach max api daily quota limit"), State.PENDING, True, True),
    (WeChatError(40001, "invalid credential"), State.PENDING, True, False),
    (WeChatError(99999, "something new"), State.PENDING, True, False),
    (WeChatUnavailable("connection refused"), State.PENDING, True, False),
    (WeChatBadAnswer("HTTP 500", status=500), State.PENDING, True, False),
    (WeChatNoAnswer("read timed out"), State.UNCONFIRMED, False, False),
    (WeChatBadAnswer("not JSON"), State.UNCONFIRMED, False, False),
])
def test_judge(exc, state, retry, stop_run):
    """Permanent refusals fail at once, 43101 is no_quota, lost answers are never resent."""
    outcome = judge(exc)
    assert (outcome.state, outcome.retry, outcome.stop_run) == (state, retry, stop_run)
    assert (outcome.error is None) == (exc is None)


def test_judge_refuses_what_is_not_a_wechat_failure():
    """A bug in the worker is not mistaken for a WeChat answer."""
    with pytest.raises(TypeError):
        judge(KeyError("x"))


def test_backoff_doubles_with_half_of_it_jittered_and_is_capped():
    """60 s, 120 s, 240 s … each between half and all of the ceiling; never above an hour."""
    assert [backoff_seconds(n, rand=lambda: 1.0) for n in range(1, 9)] == \
        [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert [backoff_seconds(n, rand=lambda: 0.0) for n in range(1, 4)] == [30, 60, 120]
    assert all(CAP_SECONDS / 2 <= backoff_seconds(30) <= CAP_SECONDS for _ in range(100))


def test_retries_stop_at_the_last_attempt():
    """The eighth transient failure of eight allowed is final."""
    busy = judge(WeChatError(-1, "system error"))
    assert after_failure(busy, 7, 8) is busy
    final = after_failure(busy, 8, 8)
    assert final.state == State.FAILED and not final.retry and "gave up after 8 attempts" in final.error
    sent = judge(None)
    assert after_failure(sent, 8, 8) is sent
