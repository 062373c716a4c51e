"""The case file's steps beside the state machine, offered in the detail's ``actions`` exactly when the
lifecycle allows them: merge into a suspected duplicate, review after-photo flags, pass or block content."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from suishoupai.extensions import db
from suishoupai.moderation.models import ModerationCheck
from suishoupai.reports.models import Report, ReportEvent, ReportFlag, ReportPhoto
from tests.helpers.reports import Case


@pytest.fixture
def case(client, auth, demo):
    """Helpers over the seeded demo district."""
    return Case(client, auth)


def actions(case: Case, openid: str, rid: int) -> list[str]:
    """The steps the case file offers the account."""
    resp = case.get(openid, rid)
    assert resp.status_code == 200, resp.json
    return resp.json["actions"]


def post(case: Case, openid: str, path: str, **body):
    """POST as a demo account."""
    return case.client.post(f"/api/v1/reports/{path}", json=body, headers=case.h(openid))


def test_merge_is_offered_when_there_is_a_suspect_and_merges_only_into_one(case):
    """A lone case offers no merge (and refuses one); once a second report of the same problem is filed
    nearby, both offer it to whoever may reject, never to the reporter; merged, it is offered no more."""
    first = case.file().json["id"]
    assert "merge" not in actions(case, "demo-community-admin", first)
    refused = post(case, "demo-community-admin", f"{first}/merge", into=first)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "report.no_suspects"
    second = case.file().json["id"]
    assert "merge" in actions(case, "demo-community-admin", second)
    assert "merge" in actions(case, "demo-grid-member", second)
    assert "merge" not in actions(case, "demo-resident", second)
    own = post(case, "demo-resident", f"{second}/merge", into=first)
    assert own.status_code == 409 and own.json["error"]["code"] == "report.not_allowed"
    merged = post(case, "demo-grid-member", f"{second}/merge", into=first)
    assert merged.status_code == 200, merged.json
    assert merged.json["status"] == "rejected" and "merge" not in merged.json["actions"]
    assert "merge" not in actions(case, "demo-community-admin", first)


def test_flag_review_is_offered_to_the_admins_while_a_flag_waits(case, app):
    """An unreviewed after-photo flag: the community admin is offered 核查照片, the grid member not;
    after the review it is offered no more and a second review is refused."""
    rid = case.file().json["id"]
    assert "review_flags" not in actions(case, "demo-community-admin", rid)
    with app.app_context():
        event = db.session.scalar(select(ReportEvent.id).where(ReportEvent.report_id == rid))
        media = db.session.scalar(select(ReportPhoto.media_id).where(ReportPhoto.report_id == rid))
        db.session.add(ReportFlag(report_id=rid, event_id=event, media_id=media, kind="reused_photo",
                                  distance=1.0))
        db.session.commit()
    assert "review_flags" in actions(case, "demo-community-admin", rid)
    assert "review_flags" not in actions(case, "demo-grid-member", rid)
    refused = post(case, "demo-grid-member", f"{rid}/flags/review")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "report.not_allowed"
    done = post(case, "demo-street-admin", f"{rid}/flags/review", note="照片无误")
    assert done.status_code == 200 and "review_flags" not in done.json["actions"]
    assert done.json["flags"][0]["review_note"] == "照片无误"
    again = post(case, "demo-community-admin", f"{rid}/flags/review")
    assert again.status_code == 409 and again.json["error"]["code"] == "report.no_open_flags"


def _in_review(app, rid: int) -> None:
    """The report's content waits for a person, as a provider's "review" verdict leaves it."""
    with app.app_context():
        db.session.execute(update(ModerationCheck).where(
            ModerationCheck.subject_type == "report", ModerationCheck.subject_id == rid)
            .values(status="review"))
        db.session.execute(update(Report).where(Report.id == rid).values(moderation="review"))
        db.session.commit()


def test_content_in_review_is_passed_or_blocked_from_the_case_file(case, app):
    """内容审核 is offered to the admins over the case while its content is in review, never to the grid
    member or the reporter; passing settles every check and the case shows on the public board;
    blocking another keeps it off; a decided case offers the step no more."""
    passed, blocked = case.file().json["id"], case.file().json["id"]
    assert "moderate" not in actions(case, "demo-community-admin", passed)
    for rid in (passed, blocked):
        _in_review(app, rid)
    assert "moderate" in actions(case, "demo-community-admin", passed)
    assert "moderate" not in actions(case, "demo-grid-member", passed)
    assert "moderate" not in actions(case, "demo-resident", passed)
    refused = post(case, "demo-grid-member", f"{passed}/moderate", decision="pass")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "report.not_allowed"
    bad = post(case, "demo-community-admin", f"{passed}/moderate", decision="maybe")
    assert bad.status_code == 422 and "decision" in str(bad.json["error"]["details"])
    ok = post(case, "demo-community-admin", f"{passed}/moderate", decision="pass", note="内容正常")
    assert ok.status_code == 200, ok.json
    assert "moderate" not in ok.json["actions"]
    with app.app_context():
        assert db.session.get(Report, passed).moderation == "pass"
        statuses = set(db.session.scalars(select(ModerationCheck.status).where(
            ModerationCheck.subject_type == "report", ModerationCheck.subject_id == passed)))
    assert statuses == {"pass"}
    block = post(case, "demo-street-admin", f"{blocked}/moderate", decision="risky")
    assert block.status_code == 200, block.json
    with app.app_context():
        assert db.session.get(Report, blocked).moderation == "risky"
    again = post(case, "demo-community-admin", f"{blocked}/moderate", decision="pass")
    assert again.status_code == 409 and again.json["error"]["code"] == "moderation.nothing_to_decide"
    stranger = post(case, "demo-resident-2", f"{blocked}/moderate", decision="pass")
    assert stranger.status_code == 404
