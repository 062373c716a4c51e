"""微心愿 steps over HTTP: submission to thanks, review rules, bad input, the sweep, the outbox."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.wishes.models import Wish


def test_submit_review_claim_fulfil_confirm(w, client):
    """A resident's wish walks the whole way, and the board shows the progress."""
    resp = w.submit(media_ids=[w.photo("demo-resident")], estimated_value=120, address="凤起路1号")
    assert resp.status_code == 201, resp.json
    wish = resp.json
    assert wish["status"] == "submitted" and wish["community"]["name"] == "凤起社区"
    assert wish["beneficiary"]["name"] == "张晓梅" and wish["beneficiary"]["contact"] == "13800001001"
    wish_id = wish["id"]
    assert w.post("demo-grid-member", wish_id, "review", decision="publish").json["status"] == "published"
    claimed = w.post("demo-volunteer", wish_id, "claim")
    assert claimed.status_code == 200 and claimed.json["status"] == "claimed"
    assert claimed.json["claimant"]["name"] == "陈志愿"
    assert claimed.json["actions"] == ["release", "fulfil", "reveal"]
    # the claimant sees the wisher's surname and masked phone, the address only through the reveal step
    assert claimed.json["beneficiary"] == {"name": "张**", "contact": "138****1001", "address": None,
                                           "masked": True}
    resp = w.post("demo-volunteer", wish_id, "fulfil", note="已送到家", media_ids=[w.photo("demo-volunteer")])
    assert resp.json["status"] == "fulfilled"
    resp = w.post("demo-resident", wish_id, "confirm", thanks="谢谢小陈！")
    assert resp.json["status"] == "confirmed" and resp.json["thanks"] == "谢谢小陈！"
    assert [s["action"] for s in resp.json["timeline"]] == ["submit", "publish", "claim", "fulfil", "confirm"]
    progress = client.get("/api/v1/wishes/progress", headers=w.h("demo-resident-2")).json
    assert progress | {} == {"submitted": 1, "published": 1, "claimed": 1, "fulfilled": 1,
                             "confirmed": 1, "rejected": 0, "waiting": 0}
    board = client.get("/api/v1/wishes?scope=board&status=confirmed", headers=w.h("demo-resident-2")).json
    card = board["items"][0]
    assert card["thanks"] == "谢谢小陈！" and card["beneficiary"] is None
    assert [p["stage"] for p in card["photos"]] == ["fulfilment"]  # the wish photo stays private


@pytest.mark.parametrize(("who", "body", "status", "code"), [
    ("demo-resident", {"category": "旅游"}, 422, "validation_error"),
    ("demo-resident", {"title": "x"}, 422, "validation_error"),
    ("demo-resident", {"beneficiary": {"name": "某人"}}, 422, "wish.beneficiary_not_allowed"),
    ("demo-grid-member", {}, 422, "wish.beneficiary_required"),
    ("demo-resident", {"media_ids": ["FOREIGN"]}, 422, "media.not_owned"),
    ("demo-resident", {"estimated_value": -5}, 422, "validation_error"),
    ("demo-resident", {"campaign_id": 999}, 404, "wish.campaign_not_found"),
    ("demo-department", {}, 403, "wish.submit_forbidden"),
])
def test_bad_submissions_store_nothing(w, app, who, body, status, code):
    """Each bad submission → its clear 4xx; no wish is stored."""
    if body.get("media_ids") == ["FOREIGN"]:
        body = {"media_ids": [w.photo("demo-resident-2")]}
    resp = w.submit(who, **body)
    assert resp.status_code == status and resp.json["error"]["code"] == code, resp.json
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Wish)) == 0


def test_review_rules(w, client, app):
    """Only the place's staff review; a rejection's reason reaches the wisher; steps out of order → 409."""
    wish_id = w.submit().json["id"]
    assert w.post("demo-volunteer", wish_id, "review", decision="publish").status_code == 404
    with app.app_context():
        other_gm = db.session.scalar(select(User.openid).where(User.openid.like("demo-gm-demo-s1-%")))
    assert w.post(other_gm, wish_id, "review", decision="publish").status_code == 404
    assert w.post("demo-grid-member", wish_id, "review", decision="reject").status_code == 422
    resp = w.post("demo-grid-member", wish_id, "review", decision="reject", reason="请联系社区线下办理")
    assert resp.json["status"] == "rejected"
    seen = client.get(f"/api/v1/wishes/{wish_id}", headers=w.h("demo-resident")).json
    assert seen["reject_reason"] == "请联系社区线下办理"
    again = w.post("demo-grid-member", wish_id, "review", decision="publish")
    assert again.status_code == 409 and again.json["error"]["details"]["status"] == "rejected"
    assert client.get(f"/api/v1/wishes/{wish_id}", headers=w.h("demo-resident-2")).status_code == 404


def test_sweep_releases_overdue_claims_and_confirms(w, client, app):
    """Overdue claims return to the board ahead of newer wishes; old fulfilments are confirmed."""
    from suishoupai.wishes.service import sweep

    old = w.published()
    newer = w.published()
    w.post("demo-volunteer", old, "claim")
    done = w.published()
    w.post("demo-rider", done, "claim")
    w.post("demo-rider", done, "fulfil", media_ids=[w.photo("demo-rider")])
    with app.app_context():
        db.session.execute(update(Wish).where(Wish.id == old)
                           .values(claim_due_at=utcnow() - timedelta(hours=1)))
        db.session.execute(update(Wish).where(Wish.id == done)
                           .values(fulfilled_at=utcnow() - timedelta(days=8)))
        db.session.commit()
        assert sweep() == {"released": 1, "confirmed": 1}
        db.session.commit()
        assert sweep() == {"released": 0, "confirmed": 0}
    board = client.get("/api/v1/wishes?scope=board", headers=w.h("demo-resident-2")).json["items"]
    assert [i["id"] for i in board] == [old, newer]
    confirmed = client.get(f"/api/v1/wishes/{done}", headers=w.h("demo-rider")).json
    assert confirmed["status"] == "confirmed" and confirmed["confirmed_by_sweep"] is True
    result = app.test_cli_runner().invoke(args=["wishes", "sweep"])
    assert "超时释放认领 0 个，自动确认 0 个" in result.output


def test_wisher_and_claimant_are_notified_through_the_outbox(w, client, app):
    """Published, claimed, fulfilled reach the wisher; a sweep release and the confirmation reach the
    claimant; each as one inbox item written with the step."""
    from suishoupai.wishes.service import sweep

    def kinds(openid):
        items = client.get("/api/v1/inbox", headers=w.h(openid)).json["items"]
        return [i["kind"] for i in items]

    first = w.published()
    w.post("demo-volunteer", first, "claim")
    w.post("demo-volunteer", first, "fulfil", media_ids=[w.photo("demo-volunteer")])
    w.post("demo-resident", first, "confirm", thanks="谢谢")
    assert kinds("demo-resident") == ["wish_fulfilled", "wish_claimed", "wish_published"]
    assert kinds("demo-volunteer") == ["wish_confirmed"]
    second = w.published()
    w.post("demo-rider", second, "claim")
    with app.app_context():
        db.session.execute(update(Wish).where(Wish.id == second)
                           .values(claim_due_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        sweep()
        db.session.commit()
        sweep()
        db.session.commit()
    assert kinds("demo-rider") == ["wish_released"]
