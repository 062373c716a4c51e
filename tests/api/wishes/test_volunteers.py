"""双报到 and campaigns: registration and its review, campaigns, rankings by wishes fulfilled."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from suishoupai.auth import tokens
from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from tests.helpers.concurrency import at_once


def test_campaigns_volunteers_and_rankings(w, client, app):
    """An admin opens a campaign; 双报到 makes a resident a volunteer; rankings count fulfilled only."""
    with app.app_context():
        community = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DEMO-S2-C2"))
    today = utcnow().date()
    resp = client.post("/api/v1/admin/campaigns", json={
        "unit_id": community, "name": "2026年新春微心愿征集", "starts_on": str(today - timedelta(days=1)),
        "ends_on": str(today + timedelta(days=30))}, headers=w.h("demo-community-admin"))
    assert resp.status_code == 201
    campaign = resp.json["id"]
    resp = client.post("/api/v1/volunteers", json={"community_id": community, "kind": "party_member",
                                                   "work_unit": "区税务局"}, headers=w.h("demo-resident-2"))
    assert resp.status_code == 201 and resp.json["work_unit"] == "区税务局"
    assert resp.json["status"] == "pending"
    w.tokens.pop("demo-resident-2")  # the role changed: log in again
    resp = client.post(f"/api/v1/volunteers/{resp.json['id']}/review", json={"decision": "approve"},
                       headers=w.h("demo-community-admin"))
    assert resp.status_code == 200 and resp.json["status"] == "approved"
    first = w.published(lambda: w.submit(campaign_id=campaign))
    second = w.published(lambda: w.submit(campaign_id=campaign))
    w.post("demo-resident-2", first, "claim")
    w.post("demo-resident-2", first, "fulfil", media_ids=[w.photo("demo-resident-2")])
    w.post("demo-volunteer", second, "claim")  # claimed, not fulfilled: not ranked
    ranks = client.get(f"/api/v1/wishes/rankings?campaign={campaign}", headers=w.h("demo-resident")).json
    assert ranks == {"volunteers": [{"name": "李**", "fulfilled": 1}],  # a public ranking masks names
                     "units": [{"name": "区税务局", "fulfilled": 1}]}
    progress = client.get(f"/api/v1/wishes/progress?campaign={campaign}", headers=w.h("demo-resident")).json
    assert progress["claimed"] == 2 and progress["fulfilled"] == 1 and progress["waiting"] == 0
    listed = client.get(f"/api/v1/campaigns?community={community}", headers=w.h("demo-resident")).json
    assert [c["id"] for c in listed] == [campaign]


def test_volunteer_review_flow(w, client, app):
    """双报到 waits for its community: admins in reach list and review it (a rejection needs a reason,
    a second review is 409), others are refused; a changed registration is reviewed again."""
    with app.app_context():
        home, other = (db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))
                       for code in ("DEMO-S2-C2", "DEMO-S1-C1"))
        far_admin = User(openid="far-admin", role="community_admin", org_unit_id=other)
        db.session.add(far_admin)
        db.session.commit()
        far = {"Authorization": "Bearer " + tokens.issue(far_admin.id, 0, app.config["SECRET_KEY"], 3600)[0]}
    mine = client.post("/api/v1/volunteers", headers=w.h("demo-resident-2"),
                       json={"community_id": home, "kind": "unit", "work_unit": "区图书馆"}).json
    assert (mine["status"], mine["home_community"], mine["phone"]) == ("pending", "凤起社区", "138****1002")
    w.tokens.pop("demo-resident-2")

    def pending(headers):
        resp = client.get("/api/v1/volunteers?status=pending", headers=headers)
        return resp.status_code, [(v["id"], v["kind"], v["work_unit"], v["churn"]) for v in
                                  resp.json.get("items", [])]

    assert pending(w.h("demo-community-admin")) == (200, [(mine["id"], "unit", "区图书馆",
                                                           {"claims": 0, "releases": 0, "days": 7})])
    assert pending(w.h("demo-street-admin"))[1] == pending(w.h("demo-community-admin"))[1]
    assert pending(far) == (200, [])
    assert pending(w.h("demo-grid-member"))[0] == 403
    url = f"/api/v1/volunteers/{mine['id']}/review"
    assert client.post(url, json={"decision": "approve"}, headers=far).status_code == 404
    assert client.post(url, json={"decision": "approve"}, headers=w.h("demo-grid-member")).status_code == 403
    no_reason = client.post(url, json={"decision": "reject"}, headers=w.h("demo-community-admin"))
    assert no_reason.status_code == 422 and no_reason.json["error"]["code"] == "wish.reason_required"
    rejected = client.post(url, json={"decision": "reject", "reason": "请提供单位证明"},
                           headers=w.h("demo-community-admin"))
    assert (rejected.json["status"], rejected.json["reject_reason"]) == ("rejected", "请提供单位证明")
    again = client.post(url, json={"decision": "approve"}, headers=w.h("demo-community-admin"))
    assert again.status_code == 409 and again.json["error"]["details"] == {"status": "rejected"}
    assert again.json["error"]["code"] == "wish.volunteer_already_reviewed"
    assert client.get("/api/v1/volunteers/me", headers=w.h("demo-resident-2")).json["status"] == "rejected"
    wish_id = w.published()
    assert w.post("demo-resident-2", wish_id, "claim").json["error"]["code"] == "wish.volunteer_unapproved"
    resent = client.post("/api/v1/volunteers", json={"community_id": home, "kind": "volunteer"},
                         headers=w.h("demo-resident-2")).json
    assert (resent["id"], resent["status"], resent["reject_reason"]) == (mine["id"], "pending", None)
    assert client.post(url, json={"decision": "approve"}, headers=w.h("demo-street-admin")).status_code == 200
    same = client.post("/api/v1/volunteers", json={"community_id": home, "kind": "volunteer"},
                       headers=w.h("demo-resident-2")).json
    assert same["status"] == "approved"  # the same registration again keeps its review
    assert w.post("demo-resident-2", wish_id, "claim").status_code == 200
    moved = client.post("/api/v1/volunteers", json={"community_id": other, "kind": "volunteer"},
                        headers=w.h("demo-resident-2")).json
    assert moved["status"] == "pending"


def test_concurrent_reviews_of_one_registration_one_decides(w, client, app, is_postgres):
    """Eight admins decide the same pending registration at the same instant: one answer stands, the
    others are clear 409s."""
    if not is_postgres:
        pytest.skip("real concurrency needs PostgreSQL")
    with app.app_context():
        home = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DEMO-S2-C2"))
    registration = client.post("/api/v1/volunteers", json={"community_id": home, "kind": "volunteer"},
                               headers=w.h("demo-resident-2")).json
    w.tokens.pop("demo-resident-2")  # the role changed: log in again
    url = f"/api/v1/volunteers/{registration['id']}/review"
    admins = ["demo-community-admin", "demo-street-admin", "demo-district-admin"]
    decisions = [{"decision": "reject", "reason": "重复登记"}, {"decision": "approve"}]
    racers = [(w.h(admins[i % 3]), decisions[i % 2]) for i in range(8)]
    results = at_once(None, lambda h, body: client.post(url, json=body, headers=h).status_code, args=racers)
    assert sorted(results) == [200] + [409] * 7
    final = client.get("/api/v1/volunteers/me", headers=w.h("demo-resident-2")).json["status"]
    assert final == ("approved" if results.index(200) % 2 else "rejected")
