"""Each person's rights over HTTP: a copy of everything held about them, deleting the account, and the
privacy notice."""

from __future__ import annotations

import io
import json
import random
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from suishoupai import crypto
from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.media.models import Media
from suishoupai.notify.models import Notification
from suishoupai.offers.models import Redemption, Reward
from suishoupai.points.models import Account, Rider
from suishoupai.reports.models import Report, ReportEvent, ReportFollow
from suishoupai.wishes.models import Volunteer, Wish

CENTRE = {"lat": 30.272869, "lng": 120.16498, "coord_type": "gcj02"}
NAME, PHONE, ADDRESS = "林小雨", "13712345678", "凤起路8号2单元301"
RIDER_PHONE, COURIER = "13955556666", "MT-77881"
_colour = iter(range(5_000, 9_000))


def bearer(token: str) -> dict:
    """Authorization headers for a token."""
    return {"Authorization": "Bearer " + token}


def photo(client, headers) -> int:
    """Upload a distinct photo; returns its id."""
    out = io.BytesIO()
    Image.frombytes("RGB", (80, 60), random.Random(next(_colour)).randbytes(80 * 60 * 3)).save(out, "JPEG")
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(out.getvalue()), filename="p.jpg")})
    resp = client.post("/api/v1/media", data=body, headers=headers,
                       content_type=f"multipart/form-data; boundary={boundary}")
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def file_report(client, headers) -> int:
    """File a report at the demo centre; returns its id."""
    resp = client.post("/api/v1/reports", json={
        "category": "garbage", "description": "楼下垃圾桶满溢三天", "location": CENTRE,
        "address": "凤起路8号楼下", "media_ids": [photo(client, headers)]}, headers=headers)
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


@pytest.fixture
def person(client, auth, app, demo):
    """A resident signed in through WeChat who has used every part of the service: a report, a follow, a
    wish, a verified rider registration, points, a pending redemption, notifications."""
    login = client.post("/api/v1/auth/wechat-login", json={"code": "pipl-person"}).json
    h = bearer(login["token"])
    assert client.patch("/api/v1/me", json={"nickname": "小林", "real_name": NAME, "phone": PHONE},
                        headers=h).status_code == 200
    own = file_report(client, h)
    other = file_report(client, auth.headers("demo-resident-2"))
    assert client.post(f"/api/v1/reports/{other}/follow", headers=h).status_code == 200
    with app.app_context():
        community = db.session.scalar(select(User.org_unit_id).where(User.openid == "demo-community-admin"))
    wish = client.post("/api/v1/wishes", json={
        "category": "养老", "title": "想要一副老花镜", "address": ADDRESS, "description": "看报纸很吃力",
        "community_id": community}, headers=h)
    assert wish.status_code == 201, wish.json
    with app.app_context():
        reward = db.session.scalar(select(Reward.id).where(Reward.community_id == community,
                                                           Reward.cost == 60))
    rider = client.post("/api/v1/riders", json={
        "platform": "美团", "courier_id": COURIER, "phone": RIDER_PHONE, "home_community_id": community},
        headers=h)
    assert rider.status_code == 201, rider.json
    admin = auth.headers("demo-community-admin")
    assert client.post(f"/api/v1/riders/{rider.json['id']}/verify", json={"decision": "approve"},
                       headers=admin).status_code == 200
    adjusted = client.post("/api/v1/admin/points/adjustments", json={
        "user_id": login["user"]["id"], "amount": 100, "reason": "协助清理楼道"}, headers=admin)
    assert adjusted.status_code == 201, adjusted.json
    redeemed = client.post(f"/api/v1/rewards/{reward}/redeem", json={}, headers=h)
    assert redeemed.status_code == 201, redeemed.json
    return {"id": login["user"]["id"], "token": login["token"], "headers": h, "report": own,
            "followed": other, "wish": wish.json["id"], "redemption": redeemed.json["id"], "reward": reward}


def test_the_export_holds_everything_about_the_caller_and_nothing_about_others(client, person):
    """One JSON document: profile with the full phone, the report with fetchable photos and its timeline,
    the follow, the wish with its beneficiary, the rider record, the points statement, the notifications,
    the role history, and a place for the access log."""
    resp = client.get("/api/v1/me/export", headers=person["headers"])
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    doc = resp.json
    assert doc["profile"]["id"] == person["id"] and doc["profile"]["phone"] == PHONE
    assert doc["profile"]["real_name"] == NAME and doc["profile"]["role"] == "rider"
    [report] = doc["reports"]
    assert report["id"] == person["report"] and report["address"] == "凤起路8号楼下"
    assert report["timeline"][0]["action"] == "file" and report["timeline"][0]["by"] == "本人"
    assert [p["stage"] for p in report["photos"]] == ["filing"]
    url = urlsplit(report["photos"][0]["url"])
    image = client.get(url.path, query_string=url.query)
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    [follow] = doc["follows"]
    assert follow["report"]["id"] == person["followed"] and "address" not in follow["report"]
    assert len(follow["report"]["photos"]) == 1 and follow["report"]["timeline"][0]["action"] == "file"
    [wish] = doc["wishes"]
    assert wish["id"] == person["wish"]
    assert wish["beneficiary"] == {"name": NAME, "contact": PHONE, "address": ADDRESS}
    assert doc["rider"]["phone"] == RIDER_PHONE and doc["rider"]["courier_id"] == COURIER
    assert doc["rider"]["status"] == "verified"
    points = doc["points"]
    assert points["balance"] == 40
    assert [line["amount"] for line in points["statement"]] == [100, -60]
    assert [(r["id"], r["status"]) for r in points["redemptions"]] == [(person["redemption"], "pending")]
    assert {n["kind"] for n in doc["notifications"]} >= {"rider_reviewed", "points_adjusted"}
    assert [(c["role_before"], c["role_after"]) for c in doc["role_changes"]] == [("resident", "rider")]
    assert doc["access_log"] == []
    assert doc["generated_at"].endswith("+00:00")
    # the other resident's report is followed, not theirs to read about
    text = json.dumps(doc, ensure_ascii=False)
    assert "李建国" not in text and "13800001002" not in text


def test_deleting_the_account_erases_it_keeps_the_records_and_refunds_first(client, auth, app, person):
    """DELETE /me with the confirmation: tokens revoked at once, personal fields gone, the report stays
    public without any link to the person, the wish's beneficiary erased, the open redemption refunded by
    reversal, the ledger still verifies, follows and notifications removed; the same WeChat account then
    signs in to a fresh account."""
    with app.app_context():
        stock = db.session.get(Reward, person["reward"]).stock
    for body in (None, {}, {"confirm": "删除"}):
        resp = client.delete("/api/v1/me", json=body, headers=person["headers"])
        assert resp.status_code in (415, 422) if body is None else resp.status_code == 422
        assert resp.json["error"]["code"]
    assert client.get("/api/v1/me", headers=person["headers"]).json["phone"] == "137****5678"
    resp = client.delete("/api/v1/me", json={"confirm": "注销"}, headers=person["headers"])
    assert resp.status_code == 200, resp.json
    assert resp.json["reports_kept"] == 1 and resp.json["redemptions_cancelled"] == 1
    gone = client.get("/api/v1/me", headers=person["headers"])
    assert gone.status_code == 401 and gone.json["error"]["code"] == "auth.token_revoked"
    with app.app_context():
        user = db.session.get(User, person["id"])
        assert user.openid != "o-pipl-person" and user.erased_at is not None
        assert (user.unionid, user.session_key_enc, user.phone_enc, user.nickname, user.real_name,
                user.avatar_url, user.role) == (None, None, None, None, None, None, "resident")
        rider = db.session.scalar(select(Rider).where(Rider.user_id == person["id"]))
        assert (rider.phone_enc, rider.courier_id) == ("", "")
        report = db.session.get(Report, person["report"])
        assert report.reporter_id != person["id"]
        erased = db.session.get(User, report.reporter_id)
        assert erased.erased_at is not None and erased.openid == "system:erased"
        assert not db.session.scalar(select(func.count()).select_from(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.actor_id == person["id"]))
        assert not db.session.scalar(select(func.count()).select_from(Media).where(
            Media.owner_id == person["id"], Media.attached_to == "report"))
        wish = db.session.get(Wish, person["wish"])
        assert wish.wisher_id == erased.id and wish.beneficiary_contact_enc is None
        assert wish.beneficiary_address_enc is None and NAME not in (crypto.decrypt(wish.beneficiary_name_enc)
                                                                     or wish.beneficiary_name_enc)
        for model in (ReportFollow, Notification):
            assert not db.session.scalar(select(func.count()).select_from(model).where(
                model.user_id == person["id"]))
        redemption = db.session.get(Redemption, person["redemption"])
        assert redemption.status == "cancelled" and redemption.refund_txn_id is not None
        assert db.session.get(Reward, person["reward"]).stock == stock + 1
        account = db.session.scalar(select(Account).where(Account.user_id == person["id"]))
        assert account.balance == 100  # refunded, kept on the anonymised holder
    result = app.test_cli_runner().invoke(args=["points", "verify"])
    assert result.exit_code == 0, result.output
    # the report is still on the public record, without its reporter
    public = client.get(f"/api/v1/reports/{person['report']}", headers=auth.headers("demo-resident-2"))
    assert public.status_code == 200 and NAME not in json.dumps(public.json, ensure_ascii=False)
    # staff still open the wish; its beneficiary reads as erased
    staff_view = client.get(f"/api/v1/wishes/{person['wish']}", headers=auth.headers("demo-community-admin"))
    assert staff_view.status_code == 200
    assert staff_view.json["beneficiary"] == {"name": None, "contact": None, "address": None, "masked": True}
    # the same WeChat account starts afresh
    again = client.post("/api/v1/auth/wechat-login", json={"code": "pipl-person"})
    assert again.status_code == 200 and again.json["user"]["id"] != person["id"]
    fresh = client.get("/api/v1/me/export", headers=bearer(again.json["token"])).json
    assert fresh["profile"]["phone"] is None and fresh["reports"] == [] and fresh["points"]["balance"] == 0
    # nobody signs in as the account anonymised records point at
    resp = client.post("/api/v1/auth/dev-login", json={"openid": "system:erased"})
    assert resp.status_code == 403 and resp.json["error"]["code"] == "auth.account_erased"


def test_staff_holding_open_cases_cannot_delete_themselves(client, auth, app, demo):
    """A grid member with an open case is told which cases to hand over first; nothing changes."""
    report = file_report(client, auth.headers("demo-resident"))
    member = auth.login("demo-grid-member")
    resp = client.delete("/api/v1/me", json={"confirm": "注销"}, headers=bearer(member["token"]))
    assert resp.status_code == 409 and resp.json["error"]["code"] == "account.open_cases"
    assert resp.json["error"]["details"] == {"reports": [report]}
    me = client.get("/api/v1/me", headers=bearer(member["token"]))
    assert me.status_code == 200 and me.json["role"] == "grid_member" and me.json["real_name"] == "王网格"


def test_staff_without_open_cases_leave_their_grid_when_deleting(client, auth, app, demo):
    """A grid member with nothing open may go: their grid duty ends with the account, and it is recorded."""
    member = auth.login("demo-grid-member")
    resp = client.delete("/api/v1/me", json={"confirm": "注销"}, headers=bearer(member["token"]))
    assert resp.status_code == 200, resp.json
    with app.app_context():
        from suishoupai.auth.models import RoleChange
        from suishoupai.org.models import GridMember

        assert not db.session.scalar(select(func.count()).select_from(GridMember).where(
            GridMember.user_id == member["user"]["id"]))
        change = db.session.scalars(select(RoleChange).where(
            RoleChange.user_id == member["user"]["id"], RoleChange.role_after == "resident")).one()
        assert (change.actor_id, change.via) == (member["user"]["id"], "rights.delete_me")


def test_a_volunteer_registration_loses_its_work_unit(client, auth, app, demo):
    """The 双报到 record keeps no personal field once the account is deleted."""
    login = auth.login("party-member")
    h = bearer(login["token"])
    with app.app_context():
        community = db.session.scalar(select(User.org_unit_id).where(User.openid == "demo-community-admin"))
    resp = client.post("/api/v1/volunteers", json={"kind": "party_member", "community_id": community,
                                                   "work_unit": "区财政局"}, headers=h)
    assert resp.status_code == 201, resp.json
    h = auth.headers("party-member")  # the registration changed the role: a new token
    assert client.delete("/api/v1/me", json={"confirm": "注销"}, headers=h).status_code == 200
    with app.app_context():
        volunteer = db.session.scalar(select(Volunteer).where(Volunteer.user_id == login["user"]["id"]))
        assert volunteer.work_unit is None


def test_the_privacy_notice_is_public_and_shows_the_configured_periods(app_factory):
    """GET /privacy needs no login and writes this deployment's periods into the notice."""
    client = app_factory(PRIVACY_CASE_MONTHS=36, PRIVACY_WISH_MONTHS=3).test_client()
    resp = client.get("/api/v1/privacy")
    assert resp.status_code == 200
    body = resp.json
    assert body["title"] == "用户隐私保护指引"
    assert body["periods"] == {"case_months": 36, "wish_months": 3, "after_photo_exif_days": 30,
                               "notification_days": 180, "idempotency_hours": 72}
    retention = " ".join(item["retention"] for item in body["items"])
    assert "36 个月" in retention and "3 个月" in retention and "30 天" in retention
    assert {r["how"].split("：")[0].split("，")[0] for r in body["rights"]} >= {"GET /api/v1/me/export",
                                                                                 "DELETE /api/v1/me"}
