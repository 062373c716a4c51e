"""Retention over the CLI: `flask privacy retain` erases or anonymises what is past its period, counts each
kind, changes nothing with --dry-run, and nothing on a second run; photos keep no EXIF GPS longer than a
check needs it, and keep it sealed while they do."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.idempotency import IdempotencyKey
from suishoupai.media.models import Media, seal_gps
from suishoupai.notify.models import Notification
from suishoupai.org.geo import gcj02_to_wgs84
from suishoupai.reports.models import Report, ReportFollow, ReportPhoto
from suishoupai.wishes.models import Wish
from tests.helpers.media import photo_bytes, upload
from tests.helpers.reports import CENTRE, Case

GM = "demo-grid-member"
SPOT = gcj02_to_wgs84(CENTRE["lat"], CENTRE["lng"])
KINDS = ("cases", "wishes", "photo_exif", "notifications", "idempotency")
_seed = iter(range(700, 900))


@pytest.fixture
def case(client, auth, demo):
    """HTTP helpers over the seeded demo district."""
    return Case(client, auth)


def closed_case(case: Case) -> tuple[int, int]:
    """A case filed with a GPS photo and an address, followed, resolved with a GPS after-photo and
    confirmed; returns (report id, after-photo id)."""
    resp = case.client.post("/api/v1/reports", headers=case.h("demo-resident"), json={
        "category": "garbage", "description": "小区东门垃圾堆放三天无人清理", "location": CENTRE,
        "address": "凤起路1号", "media_ids": [upload(case, "demo-resident", photo_bytes(next(_seed), SPOT))]})
    assert resp.status_code == 201, resp.json
    report_id = resp.json["id"]
    assert case.client.post(f"/api/v1/reports/{report_id}/follow",
                            headers=case.h("demo-resident-2")).status_code == 200
    assert case.step(GM, report_id, "accept").status_code == 200
    after = upload(case, GM, photo_bytes(next(_seed), SPOT))
    assert case.step(GM, report_id, "resolve", media_ids=[after], note="已清理").status_code == 200
    assert case.step("demo-resident", report_id, "confirm").status_code == 200
    return report_id, after


def confirmed_wish(case: Case) -> int:
    """A resident's wish walked to confirmation; returns its id."""
    wish = case.client.post("/api/v1/wishes", headers=case.h("demo-resident"), json={
        "category": "养老", "title": "想要一副老花镜", "description": "看报纸很吃力", "address": "凤起路1号"})
    assert wish.status_code == 201, wish.json
    wish_id = wish.json["id"]
    for openid, step, body in ((GM, "review", {"decision": "publish"}), ("demo-volunteer", "claim", {}),
                               ("demo-volunteer", "fulfil",
                                {"media_ids": [upload(case, "demo-volunteer", photo_bytes(next(_seed)))]}),
                               ("demo-resident", "confirm", {})):
        resp = case.client.post(f"/api/v1/wishes/{wish_id}/{step}", json=body, headers=case.h(openid))
        assert resp.status_code == 200, (step, resp.json)
    return wish_id


@pytest.fixture
def aged(case, app):
    """Each kind of data twice: once just past its period (default settings), once just inside it."""
    now = utcnow()
    old_case, old_after = closed_case(case)
    new_case, new_after = closed_case(case)
    recent_exif_case, recent_after = closed_case(case)
    old_wish, new_wish = confirmed_wish(case), confirmed_wish(case)
    with app.app_context():
        user = db.session.scalar(select(User.id).where(User.openid == "demo-resident"))
        for report_id, days in ((old_case, 740), (new_case, 700), (recent_exif_case, 29)):
            db.session.execute(update(Report).where(Report.id == report_id)
                               .values(closed_at=now - timedelta(days=days)))
        for wish_id, days in ((old_wish, 200), (new_wish, 170)):
            db.session.execute(update(Wish).where(Wish.id == wish_id)
                               .values(confirmed_at=now - timedelta(days=days)))
        # a photo stored before positions were dropped on attaching
        legacy = db.session.scalar(select(ReportPhoto.media_id).where(
            ReportPhoto.report_id == recent_exif_case, ReportPhoto.event_id.is_(None)))
        db.session.execute(update(Media).where(Media.id == legacy).values(gps_enc=seal_gps(*SPOT)))
        db.session.execute(update(Notification).values(created_at=now - timedelta(days=10)))
        old_note = db.session.scalars(select(Notification.id).order_by(Notification.id)).first()
        db.session.execute(update(Notification).where(Notification.id == old_note)
                           .values(created_at=now - timedelta(days=181)))
        for key, hours in (("old", 73), ("new", 71)):
            db.session.add(IdempotencyKey(user_id=user, key=key, fingerprint="f" * 64, state="done",
                                          status_code=201, body="{}",
                                          updated_at=now - timedelta(hours=hours)))
        db.session.commit()
    return {"old_case": old_case, "new_case": new_case, "old_after": old_after, "new_after": new_after,
            "recent_after": recent_after, "legacy": legacy, "old_wish": old_wish, "new_wish": new_wish,
            "old_note": old_note}


def snapshot(app) -> dict:
    """What retention may change, as plain values."""
    with app.app_context():
        return {
            "reports": db.session.execute(select(Report.id, Report.reporter_id, Report.address)
                                          .order_by(Report.id)).all(),
            "follows": db.session.execute(select(ReportFollow.report_id, ReportFollow.user_id)
                                          .order_by(ReportFollow.report_id, ReportFollow.user_id)).all(),
            "wishes": db.session.execute(select(Wish.id, Wish.beneficiary_name_enc,
                                                Wish.beneficiary_contact_enc, Wish.beneficiary_address_enc)
                                         .order_by(Wish.id)).all(),
            "exif": db.session.execute(select(Media.id).where(Media.gps_enc.is_not(None))
                                       .order_by(Media.id)).all(),
            "notifications": db.session.scalars(select(Notification.id).order_by(Notification.id)).all(),
            "idempotency": db.session.scalars(select(IdempotencyKey.key).order_by(IdempotencyKey.key)).all(),
        }


def retain(app, *args) -> dict[str, int]:
    """Run `flask privacy retain`; returns the count printed for each kind."""
    result = app.test_cli_runner().invoke(args=["privacy", "retain", *args])
    assert result.exit_code == 0, result.output
    counts = dict(re.findall(r"^(\w+) .*?(\d+) 条", result.output, re.MULTILINE))
    return {kind: int(counts[kind]) for kind in KINDS}


def test_filing_photos_lose_their_position_at_once_after_photos_keep_it_sealed(case, app):
    """A photo's EXIF position is stored encrypted; filing drops it (no check reads it), a resolve step's
    after-photo keeps it for the after-photo check."""
    media_id = upload(case, "demo-resident", photo_bytes(next(_seed), SPOT))
    with app.app_context():
        media = db.session.get(Media, media_id)
        assert media.gps == pytest.approx(SPOT, abs=1e-4) and f"{SPOT[0]:.4f}" not in media.gps_enc
    report_id, after = closed_case(case)
    with app.app_context():
        filing = db.session.scalar(select(Media).join(ReportPhoto, ReportPhoto.media_id == Media.id).where(
            ReportPhoto.report_id == report_id, ReportPhoto.event_id.is_(None)))
        assert (filing.gps_enc, filing.taken_at) == (None, None)
        assert db.session.get(Media, after).gps == pytest.approx(SPOT, abs=1e-4)


def test_a_dry_run_counts_what_is_due_and_changes_nothing(app, aged):
    """--dry-run prints the count per kind and leaves every row as it was."""
    before = snapshot(app)
    assert retain(app, "--dry-run") == {"cases": 1, "wishes": 1, "photo_exif": 3, "notifications": 1,
                                        "idempotency": 1}
    assert snapshot(app) == before


def test_retention_erases_what_is_past_its_period_and_nothing_else(app, aged):
    """Past their period: the old case loses its reporter, address and followers; the old wish its
    beneficiary; after-photos of cases closed over 30 days ago and the legacy filing photo their position;
    the old notification and Idempotency-Key go. Everything inside its period is untouched; a second run
    finds nothing."""
    before = snapshot(app)
    assert retain(app) == {"cases": 1, "wishes": 1, "photo_exif": 3, "notifications": 1, "idempotency": 1}
    after = snapshot(app)
    with app.app_context():
        erased = db.session.scalar(select(User.id).where(User.openid == "system:erased"))
    reports = {r.id: r for r in after["reports"]}
    assert (reports[aged["old_case"]].reporter_id, reports[aged["old_case"]].address) == (erased, None)
    assert reports[aged["new_case"]] == {r.id: r for r in before["reports"]}[aged["new_case"]]
    assert [f.report_id for f in after["follows"]] == [f.report_id for f in before["follows"]
                                                         if f.report_id != aged["old_case"]]
    wishes = {w.id: w for w in after["wishes"]}
    assert wishes[aged["old_wish"]][1:] == ("（已删除）", None, None)
    assert wishes[aged["new_wish"]] == {w.id: w for w in before["wishes"]}[aged["new_wish"]]
    dropped = {m.id for m in before["exif"]} - {m.id for m in after["exif"]}
    assert dropped == {aged["old_after"], aged["new_after"], aged["legacy"]}
    assert aged["recent_after"] in {m.id for m in after["exif"]}
    assert after["notifications"] == [n for n in before["notifications"] if n != aged["old_note"]]
    assert after["idempotency"] == ["new"]
    assert retain(app) == dict.fromkeys(KINDS, 0)
    assert snapshot(app) == after


def test_every_period_is_a_setting(app_factory, aged):
    """Longer periods keep everything the defaults would remove."""
    app = app_factory(PRIVACY_CASE_MONTHS=30, PRIVACY_WISH_MONTHS=12, PRIVACY_AFTER_PHOTO_EXIF_DAYS=800,
                      PRIVACY_NOTIFICATION_DAYS=365, PRIVACY_IDEMPOTENCY_HOURS=100)
    # only the legacy filing photo is due whatever the periods: no check ever reads it
    assert retain(app, "--dry-run") == {"cases": 0, "wishes": 0, "photo_exif": 1, "notifications": 0,
                                        "idempotency": 0}
