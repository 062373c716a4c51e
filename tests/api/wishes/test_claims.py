"""Claiming wishes: exactly one claim stands under a race, the open-claim limit, releasing."""


from sqlalchemy import select, update

from suishoupai.auth import tokens
from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from suishoupai.wishes.models import Volunteer, Wish
from tests.helpers.concurrency import at_once


def test_claims_race_exactly_one_wins(w, app, is_postgres):
    """200 volunteers claiming one wish at the same instant, 20 rounds: one 200, 199 clear 409s."""
    rounds, claimants = 20, 200
    with app.app_context():
        community = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DEMO-S2-C2"))
        users = [User(openid=f"racer-{i}", role="volunteer") for i in range(claimants)]
        db.session.add_all(users)
        db.session.flush()
        db.session.add_all(Volunteer(user_id=u.id, home_community_id=community, kind="volunteer",
                                     status="approved") for u in users)
        db.session.commit()
        headers = [{"Authorization": "Bearer " + tokens.issue(u.id, 0, app.config["SECRET_KEY"], 3600)[0]}
                   for u in users]
    client = app.test_client()
    for _ in range(rounds):
        with app.app_context():
            wish = Wish(submitted_by_id=1, wisher_id=1, beneficiary_name_enc="x", category="其他",
                        title="比赛", description="并发认领", community_id=community, status="published",
                        board_at=utcnow())
            db.session.add(wish)
            db.session.commit()
            wish_id = wish.id
        results = at_once(None, _claim, args=[(client, wish_id, h) for h in headers])
        codes = sorted(code for code, _ in results)
        assert codes == [200] + [409] * (claimants - 1), codes[:5]
        assert {error for code, error in results if code == 409} == {"wish.already_claimed"}
        with app.app_context():
            # the winner finishes, so open-claim limits do not blur later rounds
            db.session.execute(update(Wish).where(Wish.id == wish_id).values(status="fulfilled"))
            db.session.commit()


def _claim(client, wish_id, headers) -> tuple[int, str]:
    """One racer's claim: its status and error code."""
    resp = client.post(f"/api/v1/wishes/{wish_id}/claim", json={}, headers=headers)
    return resp.status_code, resp.json.get("error", {}).get("code", "")


def test_claim_limit_and_release(w, client):
    """A volunteer holds at most 3 open claims; releasing needs a reason and reopens the board."""
    ids = [w.published() for _ in range(4)]
    for wish_id in ids[:3]:
        assert w.post("demo-volunteer", wish_id, "claim").status_code == 200
    resp = w.post("demo-volunteer", ids[3], "claim")
    assert resp.status_code == 409 and resp.json["error"]["code"] == "wish.claim_limit"
    assert w.post("demo-volunteer", ids[0], "release").status_code == 422
    assert w.post("demo-rider", ids[0], "release", reason="x").status_code == 403
    resp = w.post("demo-volunteer", ids[0], "release", reason="临时出差")
    assert resp.json["status"] == "published" and resp.json["claimant"] is None
    assert w.post("demo-volunteer", ids[3], "claim").status_code == 200
    assert w.post("demo-resident", ids[1], "claim").status_code == 403  # residents register first
