"""积分 over HTTP: rider registrations, corrected after a rejection, and their answers."""

from suishoupai.auth.models import User
from suishoupai.extensions import db
from tests.helpers.points import _inbox, uid


def register(case, app, openid: str) -> tuple[dict, int]:
    """A resident registers as a 闪送 rider of their own community: the body sent and the rider id."""
    with app.app_context():
        community_id = db.session.get(User, uid(app, openid)).org_unit_id
    body = {"platform": "闪送", "courier_id": "SS-1", "phone": "13911113333",
            "home_community_id": community_id}
    return body, case.client.post("/api/v1/riders", json=body, headers=case.h(openid)).json["id"]


def test_rejected_registration_can_be_corrected(case, app):
    """A rejection needs a reason and is shown to the rider, who may register again."""
    body, rider_id = register(case, app, "demo-resident-2")
    admin = case.h("demo-community-admin")
    verify = f"/api/v1/riders/{rider_id}/verify"
    no_reason = case.client.post(verify, json={"decision": "reject"}, headers=admin)
    assert no_reason.status_code == 422 and no_reason.json["error"]["code"] == "points.reason_required"
    resp = case.client.post(verify, json={"decision": "reject", "reason": "工号不符"}, headers=admin)
    assert resp.status_code == 200 and resp.json["status"] == "rejected"
    mine = case.client.get("/api/v1/riders/me", headers=case.h("demo-resident-2")).json
    assert mine["reject_reason"] == "工号不符"
    again = case.client.post("/api/v1/riders", json=body | {"courier_id": "SS-2"},
                             headers=case.h("demo-resident-2"))
    assert again.status_code == 201 and again.json["id"] == rider_id and again.json["status"] == "pending"
    staff = case.client.post("/api/v1/riders", json=body, headers=case.h("demo-grid-member"))
    assert staff.status_code == 403 and staff.json["error"]["code"] == "points.rider_register_forbidden"


def test_riders_hear_the_answer_to_each_registration(case, app):
    """Rejected (with the reason), registered again, then approved: two answers, in order."""
    body, rider_id = register(case, app, "demo-resident-2")
    verify, admin = f"/api/v1/riders/{rider_id}/verify", case.h("demo-community-admin")

    def decide(**answer):
        assert case.client.post(verify, json=answer, headers=admin).status_code == 200

    decide(decision="reject", reason="工号不符")
    assert case.client.post("/api/v1/riders", json=body | {"courier_id": "SS-2"},
                            headers=case.h("demo-resident-2")).status_code == 201
    decide(decision="reject", reason="照片模糊")
    assert case.client.post("/api/v1/riders", json=body | {"courier_id": "SS-3"},
                            headers=case.h("demo-resident-2")).status_code == 201
    decide(decision="approve")
    assert [(kind, title, text.split("。")[0]) for kind, title, text in _inbox(case, "demo-resident-2")] == [
        ("rider_reviewed", "认证未通过", "原因：工号不符"),
        ("rider_reviewed", "认证未通过", "原因：照片模糊"),
        ("rider_reviewed", "认证已通过", "您的新就业群体身份已认证，可认领岗位和悬赏、参与积分")]
