"""The access log: every reveal of someone else's contact is recorded, and community and higher admins
list the records in their reach; no list or detail carries someone else's full phone."""

import pytest
from sqlalchemy import select

from suishoupai import crypto
from suishoupai.auth import tokens
from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from suishoupai.points.models import Rider
from suishoupai.privacy.models import AccessRecord
from tests.helpers.reports import Case
from tests.helpers.wishes import SECRET_PHONE, Wishes

DEMO = ["demo-resident", "demo-resident-2", "demo-rider", "demo-volunteer", "demo-grid-member",
        "demo-community-admin", "demo-street-admin", "demo-district-admin", "demo-department"]


@pytest.fixture
def w(client, auth, demo):
    """Wish helpers over the seeded demo district."""
    return Wishes(client, auth)


@pytest.fixture
def case(client, auth, demo):
    """Report helpers over the seeded demo district."""
    return Case(client, auth)


def admin_of(app, code: str, role: str = "community_admin") -> dict:
    """Headers of a fresh administrator of the demo unit with this code."""
    with app.app_context():
        unit = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))
        user = User(openid=f"admin-{code}", role=role, real_name=f"{code}管理员", org_unit_id=unit)
        db.session.add(user)
        db.session.commit()
        return {"Authorization": "Bearer " + tokens.issue(user.id, 0, app.config["SECRET_KEY"], 3600)[0]}


def grid_member_of(app, community_code: str) -> str:
    """The openid of a demo grid member working in a community."""
    with app.app_context():
        return db.session.scalar(select(User.openid).where(
            User.openid.like(f"demo-gm-{community_code.lower()}-%")).order_by(User.openid))


def test_reporter_phone_only_through_a_recorded_reveal_by_handling_staff(case, app):
    """The case file shows staff the reporter's name, never the phone; the grid member handling it (and
    admins over it) reveal the phone, recorded; the reporter, bystanders and staff of a closed case may
    not."""
    report_id = case.file().json["id"]
    detail = case.get("demo-grid-member", report_id)
    assert detail.json["reporter"]["name"] == "张晓梅" and "13800001001" not in detail.get_data(as_text=True)
    reveal = f"/api/v1/reports/{report_id}/reporter/reveal"
    shown = case.client.post(reveal, headers=case.h("demo-grid-member"))
    assert shown.status_code == 200 and shown.json == {"name": "张晓梅", "phone": "13800001001"}
    for who in ("demo-resident", "demo-resident-2", grid_member_of(app, "DEMO-S1-C1"), "demo-department"):
        refused = case.client.post(reveal, headers=case.h(who))
        assert refused.status_code in (404, 409), who
        assert "13800001001" not in refused.get_data(as_text=True), who
    assert case.client.post(reveal, headers=case.h("demo-community-admin")).status_code == 200
    case.step("demo-grid-member", report_id, "accept")
    case.step("demo-grid-member", report_id, "resolve", media_ids=[case.photo("demo-grid-member")])
    assert case.step("demo-resident", report_id, "confirm").json["status"] == "closed"
    closed = case.client.post(reveal, headers=case.h("demo-grid-member"))
    assert closed.status_code == 409 and closed.json["error"]["code"] == "report.reveal_not_allowed"
    with app.app_context():
        ids = dict(db.session.execute(select(User.openid, User.id).where(User.openid.in_(DEMO))).all())
        rows = db.session.execute(select(
            AccessRecord.actor_id, AccessRecord.subject_user_id, AccessRecord.subject_kind,
            AccessRecord.subject_id, AccessRecord.field, AccessRecord.reason).order_by(AccessRecord.id)).all()
    assert rows == [(ids[who], ids["demo-resident"], "report", report_id, "phone", "report.reporter_contact")
                    for who in ("demo-grid-member", "demo-community-admin")]


def test_access_log_lists_the_records_in_the_admins_reach(w, case, client, app):
    """A community admin sees their community's records and not another's; the street and district see
    what lies in them; filters by subject and actor; cursor pages; other roles are refused."""
    here = w.published(w.on_behalf)
    w.post("demo-volunteer", here, "claim")
    w.post("demo-volunteer", here, "beneficiary/reveal")
    report_id = case.file().json["id"]
    client.post(f"/api/v1/reports/{report_id}/reporter/reveal", headers=w.h("demo-grid-member"))
    far_gm = grid_member_of(app, "DEMO-S1-C1")
    there = w.submit(far_gm, title="需要助听器", description="听力下降，交流困难",
                     beneficiary={"name": "赵爷爷", "contact": "13955556666"}).json["id"]
    assert w.post(far_gm, there, "beneficiary/reveal").json["contact"] == "13955556666"

    def listed(headers, query=""):
        resp = client.get(f"/api/v1/admin/access-log{query}", headers=headers)
        assert resp.status_code == 200, resp.json
        return [(i["subject_kind"], i["subject_id"], i["field"], i["reason"]) for i in resp.json["items"]]

    ours = [("report", report_id, "phone", "report.reporter_contact")] + [
        ("wish", here, f, "wish.reveal") for f in ("address", "phone", "name")]
    theirs = [("wish", there, f, "wish.staff_reveal") for f in ("phone", "name")]
    assert listed(w.h("demo-community-admin")) == ours
    assert listed(admin_of(app, "DEMO-S1-C1")) == theirs
    assert listed(admin_of(app, "DEMO-S2-C1")) == []
    assert listed(w.h("demo-street-admin")) == ours
    assert listed(w.h("demo-district-admin")) == theirs + ours
    assert listed(w.h("demo-district-admin"), f"?subject_kind=wish&subject_id={here}") == ours[1:]
    with app.app_context():
        resident = db.session.scalar(select(User.id).where(User.openid == "demo-resident"))
        volunteer = db.session.scalar(select(User.id).where(User.openid == "demo-volunteer"))
    assert listed(w.h("demo-district-admin"), f"?subject_user_id={resident}") == ours[:1]
    assert listed(w.h("demo-district-admin"), f"?actor_id={volunteer}") == ours[1:]
    item = client.get("/api/v1/admin/access-log?limit=1", headers=w.h("demo-community-admin")).json
    assert item["items"][0]["actor"] == {"id": item["items"][0]["actor"]["id"], "name": "王网格",
                                         "role": "grid_member"}
    assert item["items"][0]["reason_label"] == "处置人员查看反映人电话"
    pages, cursor = [], ""
    while cursor is not None:
        resp = client.get(f"/api/v1/admin/access-log?limit=1{cursor and '&cursor=' + cursor}",
                          headers=w.h("demo-community-admin")).json
        pages += [(i["subject_kind"], i["subject_id"], i["field"], i["reason"]) for i in resp["items"]]
        cursor = resp["next_cursor"]
    assert pages == ours
    for who in ("demo-grid-member", "demo-volunteer", "demo-resident", "demo-department"):
        refused = client.get("/api/v1/admin/access-log", headers=w.h(who))
        assert refused.status_code == 403 and refused.json["error"]["code"] == "privacy.log_forbidden", who


def test_no_list_or_detail_shows_someone_elses_full_phone(w, case, client, app):
    """Every role reads every list and detail around a live case, claimed wishes and a rider: no full
    phone of anyone else is in any answer (the full phone is a recorded reveal)."""
    report_id = case.file().json["id"]
    behalf = w.published(w.on_behalf)
    own = w.published(w.submit)
    w.post("demo-volunteer", behalf, "claim")
    w.post("demo-rider", own, "claim")
    with app.app_context():
        users = {u.openid: u for u in db.session.scalars(select(User).where(User.openid.in_(DEMO)))}
        phones = {openid: crypto.decrypt(u.phone_enc) for openid, u in users.items()}
        rider_phones = {crypto.decrypt(r.phone_enc) for r in db.session.scalars(select(Rider))}
        grid = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code.like("DEMO-S2-C2-G%")))
        community = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DEMO-S2-C2"))
    urls = ["/api/v1/me", "/api/v1/reports?scope=mine", "/api/v1/reports?scope=assigned",
            "/api/v1/reports?scope=grid", "/api/v1/reports?scope=community", "/api/v1/reports?scope=public",
            f"/api/v1/reports/{report_id}", f"/api/v1/reports/{report_id}/duplicates",
            "/api/v1/wishes?scope=board&status=claimed", "/api/v1/wishes?scope=mine",
            "/api/v1/wishes?scope=claimed", "/api/v1/wishes?scope=grid", f"/api/v1/wishes/{behalf}",
            f"/api/v1/wishes/{own}", "/api/v1/volunteers", "/api/v1/volunteers/me", "/api/v1/riders",
            "/api/v1/riders/me", f"/api/v1/admin/grids?community={community}", f"/api/v1/admin/grids/{grid}",
            "/api/v1/grids/locate?lat=30.272869&lng=120.16498&coord_type=gcj02", "/api/v1/inbox",
            "/api/v1/admin/access-log", "/api/v1/points/me", "/api/v1/redemptions?scope=staff"]
    for who in DEMO:
        others = {p for o, p in phones.items() if o != who and p} | rider_phones | {SECRET_PHONE}
        others -= {phones[who]}
        for url in urls:
            resp = client.get(url, headers=w.h(who))
            assert resp.status_code < 500, (who, url)
            text = resp.get_data(as_text=True)
            assert not {p for p in others if p in text}, (who, url)


def test_a_person_finds_every_reveal_of_their_data_in_their_export(case, w):
    """The reporter's export lists the reveals of their phone, in the role each looker held; another
    person's export lists none of them."""
    report_id = case.file().json["id"]
    for who in ("demo-grid-member", "demo-community-admin"):
        assert case.client.post(f"/api/v1/reports/{report_id}/reporter/reveal",
                                headers=case.h(who)).status_code == 200
    mine = case.client.get("/api/v1/me/export", headers=case.h("demo-resident"))
    assert mine.status_code == 200, mine.json
    assert [(e["actor_role"], e["subject_kind"], e["subject_id"], e["field"], e["reason"])
            for e in mine.json["access_log"]] == [
        (role, "report", report_id, "phone", "report.reporter_contact")
        for role in ("grid_member", "community_admin")]
    assert all(e["created_at"] for e in mine.json["access_log"])
    other = case.client.get("/api/v1/me/export", headers=case.h("demo-resident-2"))
    assert other.status_code == 200 and other.json["access_log"] == []
