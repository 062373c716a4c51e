"""Content security when WeChat is slow, down or silent: the budget, the worker, the CLI."""

from datetime import timedelta

import pytest

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.moderation import worker
from suishoupai.reports.models import Report
from tests.helpers.moderation import LATER, checks, public_ids, push, trace_of
from tests.helpers.moderation import web as web  # noqa: F401 - the served app, a fixture
from tests.helpers.reports import Case


def run_worker(app, later=LATER):
    """One batch of `flask moderation run` with the clock moved on."""
    with app.app_context():
        return worker.run_once("test-worker", now=utcnow() + later)


@pytest.mark.sync_budget(0.5)  # the fake's "timeout" answers after 2 s
@pytest.mark.parametrize("failure", ["-1", "timeout", "500", "45009"])
def test_wechat_failure_keeps_the_report_pending_and_the_worker_retries(case, app, web, wechat, failure):
    """WeChat down, slow or out of quota: the report is filed (201), stays pending, the worker finishes."""
    wechat.sec_script = [failure]
    resp = case.file()
    assert resp.status_code == 201, resp.json
    rid = resp.json["id"]
    assert resp.json["moderation"] == "pending"
    text, photo = checks(app, subject_id=rid)
    assert (text.status, text.attempts) == ("pending", 1) and text.last_error
    # after one failure the photo was left for the worker rather than slow the request down further
    assert (photo.status, photo.attempts, photo.trace_id) == ("pending", 0, None)
    assert [c["path"] for c in wechat.sec_calls] == ["/wxa/msg_sec_check"]
    with app.app_context():
        assert db.session.get(Report, rid).description == "小区东门垃圾堆放三天无人清理"
    # not due yet: the backoff has not passed
    assert run_worker(app, later=timedelta(0))["claimed"] == 1  # the photo, never tried, is due at once
    summary = run_worker(app, later=timedelta(minutes=10))
    assert (summary["claimed"], summary["pass"], summary["retry"]) == (1, 1, 0)
    text, photo = checks(app, subject_id=rid)
    assert (text.status, text.attempts, text.last_error) == ("pass", 2, None)
    assert photo.status == "pending" and photo.trace_id
    push(web, wechat, wechat.media_event(photo.trace_id, "pass"))
    assert rid in public_ids(case)
    # nothing left to do
    assert run_worker(app)["claimed"] == 0


@pytest.mark.sync_budget(0.5)
def test_checks_of_one_submission_share_one_time_budget(case, app, web, wechat):
    """A slow WeChat holds the submission (and SQLite's write lock) for one budget, not one per photo."""
    wechat.sec_delay = 0.3  # per call; the app's budget for all calls of a submission is 0.5 s
    photos = [case.photo("demo-resident") for _ in range(4)]
    resp = case.file(media_ids=photos)
    assert resp.status_code == 201, resp.json
    rid = resp.json["id"]
    assert len(wechat.sec_calls) <= 2
    untouched = [c for c in checks(app, subject_id=rid, kind="image") if c.attempts == 0]
    assert len(untouched) >= 3 and all(c.status == "pending" and c.trace_id is None for c in untouched)
    wechat.sec_delay = 0.0
    run_worker(app)
    assert all(c.trace_id for c in checks(app, subject_id=rid, kind="image"))
    assert checks(app, subject_id=rid, kind="text")[0].status == "pass"


def test_a_slow_token_answer_is_waited_for_within_the_budget(case, app, web, wechat):
    """The access_token fetched on the way to the first check shares the submission's budget: an
    answer slower than a single call's default timeout (WECHAT_TIMEOUT, 1 s here) does not leave the
    text unchecked and the case off the board."""
    wechat.token_delay = 1.5
    resp = case.file()
    assert resp.status_code == 201, resp.json
    text, photo = checks(app, subject_id=resp.json["id"])
    assert (text.status, text.last_error) == ("pass", None)
    assert photo.status == "pending" and photo.trace_id


@pytest.mark.sync_budget(0.5)
def test_a_token_answer_past_the_budget_leaves_the_checks_to_the_worker(case, app, web, wechat):
    """Nor does a slow token answer hold the submission (and SQLite's write lock) past its budget."""
    wechat.token_delay = 2.0
    resp = case.file()
    assert resp.status_code == 201, resp.json
    text, photo = checks(app, subject_id=resp.json["id"])
    assert (text.status, text.attempts) == ("pending", 1) and "access_token" in text.last_error
    assert (photo.status, photo.attempts) == ("pending", 0)


def test_photo_without_a_verdict_is_submitted_again(case, app, web, wechat):
    """No callback comes: after the wait the worker submits again; the late old verdict is ignored."""
    rid = case.file().json["id"]
    old = trace_of(app, rid)
    assert run_worker(app, later=timedelta(minutes=5))["claimed"] == 0
    assert run_worker(app)["submitted"] == 1
    new = trace_of(app, rid)
    assert new != old
    assert push(web, wechat, wechat.media_event(old, "risky")).text == "success"
    assert checks(app, subject_id=rid, kind="image")[0].status == "pending"
    push(web, wechat, wechat.media_event(new, "pass"))
    assert rid in public_ids(case)


def test_a_refusal_retrying_cannot_fix_goes_to_a_person(case, app, web, wechat):
    """errcode 40003 (invalid openid) → review, not an endless retry."""
    wechat.sec_script = ["40003"]
    rid = case.file().json["id"]
    text = checks(app, subject_id=rid, kind="text")[0]
    assert text.status == "review" and "40003" in text.last_error


def test_none_provider_passes_everything_at_once(app_factory, wechat):
    """Development: no call leaves, the report is on the board straight away."""
    wechat.reset_security()
    app = app_factory()
    from suishoupai.demo.seed import seed

    with app.app_context():
        seed()
        db.session.commit()
    client = app.test_client()
    from tests.helpers.app import Auth

    case = Case(client, Auth(client))
    resp = case.file()
    assert resp.status_code == 201 and resp.json["moderation"] == "pass"
    assert resp.json["id"] in public_ids(case)
    assert wechat.sec_calls == []
    assert {(c.status, c.provider) for c in checks(app, subject_id=resp.json["id"])} == {("pass", "none")}


def test_cli_runs_a_batch(case, app, web, wechat):
    """`flask moderation run --once` finishes what WeChat could not answer in the request."""
    wechat.sec_script = ["-1"]
    rid = case.file().json["id"]
    result = app.test_cli_runner().invoke(args=["moderation", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "图片已提交 1 条" in result.output  # the text waits for its backoff; the photo goes at once
    assert [c.status for c in checks(app, subject_id=rid)] == ["pending", "pending"]
    assert checks(app, subject_id=rid)[1].trace_id
