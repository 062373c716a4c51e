"""The beneficiary's and the wisher's contact: never in full to anyone but the wisher themselves and a
standing, approved claimant's (or the place's staff's) recorded reveal; claiming is for approved
volunteers and verified riders of the wish's area; reveals and claim churn are limited."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from suishoupai import crypto
from suishoupai.auth import tokens
from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from suishoupai.points.models import Rider
from suishoupai.privacy.models import AccessRecord
from suishoupai.wishes.models import Volunteer, Wish, WishEvent
from tests.helpers.concurrency import at_once
from tests.helpers.wishes import Wishes

#: five people without a smartphone, each entered by the grid member on their behalf
PEOPLE = [(f"{surname}奶奶", f"1391234{n:04d}", f"凤起路{100 + n}号3单元502")
          for n, surname in enumerate("王李张刘陈")]


@pytest.fixture
def w(client, auth, demo):
    """Helpers over the seeded demo district."""
    return Wishes(client, auth)


def community(app, code: str = "DEMO-S2-C2") -> int:
    """A demo community's id (DEMO-S2-C2 is 凤起社区, where the demo accounts live)."""
    with app.app_context():
        return db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))


def claimant(app, name: str, *, volunteer: str | None = None, rider: str | None = None,
             home: str = "DEMO-S2-C2", role: str = "volunteer") -> dict:
    """A fresh account with a 双报到 registration and/or a rider record in this state; its headers."""
    home_id = community(app, home)
    with app.app_context():
        user = User(openid=f"claimant-{name}", role=role, real_name=name)
        db.session.add(user)
        db.session.flush()
        if volunteer:
            db.session.add(Volunteer(user_id=user.id, home_community_id=home_id, kind="volunteer",
                                     status=volunteer))
        if rider:
            db.session.add(Rider(user_id=user.id, platform="美团", courier_id=f"c-{name}",
                                 phone_enc=crypto.encrypt("13700000000"), home_community_id=home_id,
                                 status=rider, created_at=utcnow()))
        db.session.commit()
        token = tokens.issue(user.id, 0, app.config["SECRET_KEY"], 3600)[0]
    return {"Authorization": "Bearer " + token}


def on_behalf(w: Wishes, person: tuple[str, str, str | None]) -> int:
    """A published wish the grid member entered for this person."""
    name, phone, address = person
    return w.published(lambda: w.submit(
        "demo-grid-member", title="轮椅需要修理", description="左轮刹车失灵，出门不便",
        beneficiary={"name": name, "contact": phone, "address": address}))


def step(client, headers: dict, wish_id: int, name: str, **body):
    """POST a step on a wish with these headers."""
    return client.post(f"/api/v1/wishes/{wish_id}/{name}", json=body, headers=headers)


def full_contacts_in(text: str) -> set[str]:
    """Which of the people's full names, phones and addresses a response carries."""
    return {piece for person in PEOPLE for piece in person if piece in text}


def test_claim_and_release_harvest_yields_no_full_contact_but_recorded_reveals(w, client, app):
    """Register, claim, read, release, repeat: a fresh account reads nothing until approved, then only
    the masked form everywhere; the full contact only from the reveal while its claim stands, each reveal
    recorded; the churn stops at the weekly release limit."""
    ids = [on_behalf(w, person) for person in PEOPLE]
    h = w.h("harvester")
    seen: set[str] = set()

    def read(resp):
        seen.update(full_contacts_in(resp.get_data(as_text=True)))
        return resp

    resp = read(client.post("/api/v1/volunteers", json={"community_id": community(app), "kind": "volunteer"},
                            headers=h))
    assert resp.json["status"] == "pending"
    w.tokens.pop("harvester")
    h = w.h("harvester")  # the registration made the account a volunteer: a new token
    refused = read(step(client, h, ids[0], "claim"))
    assert refused.status_code == 403 and refused.json["error"]["code"] == "wish.volunteer_unapproved"
    assert read(step(client, h, ids[0], "beneficiary/reveal")).status_code == 403
    approved = client.post(f"/api/v1/volunteers/{resp.json['id']}/review", json={"decision": "approve"},
                           headers=w.h("demo-community-admin"))
    assert approved.json["status"] == "approved"

    revealed = []
    for n, wish_id in enumerate(ids[:3]):
        claimed = read(step(client, h, wish_id, "claim"))
        assert claimed.status_code == 200, claimed.json
        name, phone, _ = PEOPLE[n]
        assert claimed.json["beneficiary"] == {"name": name[0] + "**", "address": None, "masked": True,
                                               "contact": phone[:3] + "****" + phone[-4:]}
        assert claimed.json["grid_member"] == {"name": "王网格", "phone": "138****1005"}
        for url in (f"/api/v1/wishes/{wish_id}", "/api/v1/wishes?scope=claimed", "/api/v1/wishes?scope=board",
                    "/api/v1/wishes?scope=board&status=claimed", "/api/v1/wishes?scope=mine"):
            assert read(client.get(url, headers=h)).status_code == 200
        shown = step(client, h, wish_id, "beneficiary/reveal")  # not read(): this is the recorded reveal
        assert shown.json == {"name": PEOPLE[n][0], "contact": PEOPLE[n][1], "address": PEOPLE[n][2],
                              "masked": False}
        revealed.append(wish_id)
        assert read(step(client, h, wish_id, "release", reason="临时有事")).json["beneficiary"] is None
        after = read(step(client, h, wish_id, "beneficiary/reveal"))
        assert after.status_code == 403 and after.json["error"]["code"] == "wish.reveal_forbidden"
        assert read(client.get(f"/api/v1/wishes/{wish_id}", headers=h)).json["beneficiary"] is None
    churned = read(step(client, h, ids[3], "claim"))
    assert churned.status_code == 429 and churned.json["error"]["code"] == "wish.release_limit"
    assert churned.json["error"]["details"] == {"limit": 3, "released": 3, "days": 7}
    assert seen == set()
    with app.app_context():
        harvester = db.session.scalar(select(User.id).where(User.openid == "harvester"))
        rows = db.session.execute(select(
            AccessRecord.actor_id, AccessRecord.subject_kind, AccessRecord.subject_id, AccessRecord.field,
            AccessRecord.reason, AccessRecord.subject_user_id).order_by(AccessRecord.id)).all()
    assert rows == [(harvester, "wish", wish_id, field, "wish.reveal", None)
                    for wish_id in revealed for field in ("name", "phone", "address")]


def test_the_wishers_own_phone_is_masked_to_the_claimant_and_revealed_with_a_record(w, client, app):
    """A resident's wish carries their phone: they see it, the claimant sees 138****1001 until a reveal,
    which names the wisher as the subject."""
    wish_id = w.published(lambda: w.submit(address="凤起路1号"))
    assert client.get(f"/api/v1/wishes/{wish_id}", headers=w.h("demo-resident")).json["beneficiary"] == {
        "name": "张晓梅", "contact": "13800001001", "address": "凤起路1号", "masked": False}
    claimed = w.post("demo-volunteer", wish_id, "claim")
    text = claimed.get_data(as_text=True)
    assert "13800001001" not in text and "凤起路1号" not in text
    staff = client.get(f"/api/v1/wishes/{wish_id}", headers=w.h("demo-community-admin"))
    assert staff.json["beneficiary"]["contact"] == "138****1001" and "reveal" in staff.json["actions"]
    shown = w.post("demo-volunteer", wish_id, "beneficiary/reveal")
    assert shown.json["contact"] == "13800001001"
    # the wisher reading their own contact leaves no record: it is not someone else's
    assert w.post("demo-resident", wish_id, "beneficiary/reveal").json["contact"] == "13800001001"
    with app.app_context():
        resident = db.session.scalar(select(User.id).where(User.openid == "demo-resident"))
        volunteer = db.session.scalar(select(User.id).where(User.openid == "demo-volunteer"))
        rows = db.session.execute(select(AccessRecord.actor_id, AccessRecord.subject_user_id,
                                         AccessRecord.field)).all()
    assert sorted(rows) == sorted((volunteer, resident, f) for f in ("name", "phone", "address"))


# who claims → (status, code); the wish lies in 凤起社区 (DEMO-S2-C2) of 天水街道 (DEMO-S2)
ELIGIBILITY = [
    ("approved volunteer of the community", {"volunteer": "approved"}, "community", 200, None),
    ("pending volunteer", {"volunteer": "pending"}, "community", 403, "wish.volunteer_unapproved"),
    ("rejected volunteer", {"volunteer": "rejected"}, "community", 403, "wish.volunteer_unapproved"),
    ("volunteer role without registration", {}, "community", 403, "wish.volunteer_unapproved"),
    ("approved volunteer of a sibling community", {"volunteer": "approved", "home": "DEMO-S2-C1"},
     "community", 403, "wish.outside_area"),
    ("approved volunteer of a sibling community, opened to the street",
     {"volunteer": "approved", "home": "DEMO-S2-C1"}, "street", 200, None),
    ("approved volunteer of the other street, opened to the street",
     {"volunteer": "approved", "home": "DEMO-S1-C1"}, "street", 403, "wish.outside_area"),
    ("approved volunteer of the other street, opened to the district",
     {"volunteer": "approved", "home": "DEMO-S1-C1"}, "district", 200, None),
    ("verified rider of the community", {"rider": "verified", "role": "rider"}, "community", 200, None),
    ("pending rider", {"rider": "pending", "role": "rider"}, "community", 403, "wish.volunteer_unapproved"),
    ("verified rider of another community", {"rider": "verified", "role": "rider", "home": "DEMO-S1-C1"},
     "community", 403, "wish.outside_area"),
    ("resident", {"role": "resident"}, "community", 403, "wish.claim_forbidden"),
    ("grid member", {"role": "grid_member"}, "community", 403, "wish.claim_forbidden"),
    ("approved volunteer made staff since", {"volunteer": "approved", "role": "community_admin"},
     "community", 403, "wish.claim_forbidden"),
]


@pytest.mark.parametrize(("who", "state", "open_to", "status", "code"), ELIGIBILITY,
                         ids=[row[0] for row in ELIGIBILITY])
def test_eligibility_matrix(w, client, app, who, state, open_to, status, code):
    """Only approved volunteers and verified riders of the wish's area claim; the detail's actions
    offer the claim exactly to them."""
    wish_id = w.submit().json["id"]
    reviewed = w.post("demo-community-admin", wish_id, "review", decision="publish", open_to=open_to)
    assert reviewed.status_code == 200 and reviewed.json["open_to"] == open_to
    h = claimant(app, f"matrix-{[row[0] for row in ELIGIBILITY].index(who)}", **state)
    offered = "claim" in client.get(f"/api/v1/wishes/{wish_id}", headers=h).json["actions"]
    resp = step(client, h, wish_id, "claim")
    assert resp.status_code == status, resp.json
    assert offered == (status == 200)
    if code:
        assert resp.json["error"]["code"] == code
        with app.app_context():
            assert db.session.get(Wish, wish_id).status == "published"


def test_only_admins_open_a_wish_beyond_its_community(w, client, app):
    """A grid member publishes to the community only; an admin widens it later, while it waits."""
    wish_id = w.submit().json["id"]
    refused = w.post("demo-grid-member", wish_id, "review", decision="publish", open_to="street")
    assert refused.status_code == 403 and refused.json["error"]["code"] == "wish.open_forbidden"
    assert w.post("demo-grid-member", wish_id, "review", decision="publish").json["open_to"] == "community"
    h = claimant(app, "neighbour", volunteer="approved", home="DEMO-S2-C1")
    assert step(client, h, wish_id, "claim").json["error"]["code"] == "wish.outside_area"
    assert w.post("demo-grid-member", wish_id, "open-to", open_to="street").status_code == 403
    widened = w.post("demo-community-admin", wish_id, "open-to", open_to="street")
    assert widened.json["open_to"] == "street" and widened.json["open_to_label"] == "本街道"
    assert step(client, h, wish_id, "claim").status_code == 200
    again = w.post("demo-community-admin", wish_id, "open-to", open_to="district")
    assert again.status_code == 409 and again.json["error"]["details"]["status"] == "claimed"


def test_reveal_limit_per_claimant_per_day(w, client, app):
    """A claimant reveals at most WISH_REVEAL_DAILY_LIMIT wishes a day (the same one again is free);
    a refused reveal records nothing; staff reveals are recorded, not limited; a claim that ended
    reveals no more."""
    app.config["WISH_REVEAL_DAILY_LIMIT"] = 2
    ids = [on_behalf(w, person) for person in PEOPLE[:3]]
    for wish_id in ids:
        assert w.post("demo-volunteer", wish_id, "claim").status_code == 200
    assert w.post("demo-volunteer", ids[0], "beneficiary/reveal").status_code == 200
    assert w.post("demo-volunteer", ids[1], "beneficiary/reveal").status_code == 200
    assert w.post("demo-volunteer", ids[0], "beneficiary/reveal").status_code == 200
    refused = w.post("demo-volunteer", ids[2], "beneficiary/reveal")
    assert refused.status_code == 429 and refused.json["error"]["code"] == "wish.reveal_limit"
    assert not full_contacts_in(refused.get_data(as_text=True))
    for wish_id in ids:  # staff are not limited, and recorded under their own step
        shown = w.post("demo-grid-member", wish_id, "beneficiary/reveal")
        assert shown.json["name"] in [p[0] for p in PEOPLE]
    with app.app_context():
        def count(reason):
            return len(db.session.scalars(select(AccessRecord).where(AccessRecord.reason == reason)).all())

        assert (count("wish.reveal"), count("wish.staff_reveal")) == (9, 9)
        db.session.execute(update(AccessRecord).values(created_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
    assert w.post("demo-volunteer", ids[2], "beneficiary/reveal").json["name"] == PEOPLE[2][0]
    w.post("demo-volunteer", ids[2], "fulfil", media_ids=[w.photo("demo-volunteer")])
    ended = w.post("demo-volunteer", ids[2], "beneficiary/reveal")
    assert ended.status_code == 409 and ended.json["error"]["code"] == "wish.claim_not_standing"
    stranger = claimant(app, "stranger", volunteer="approved")
    refused = step(client, stranger, ids[0], "beneficiary/reveal")
    assert refused.json["error"]["code"] == "wish.reveal_forbidden"


@pytest.mark.slow
@pytest.mark.postgres
def test_reveal_limit_holds_under_concurrent_reveals(w, app):
    """At the limit less one, eight reveals of different wishes at the same instant: exactly one passes."""
    app.config.update(WISH_REVEAL_DAILY_LIMIT=2, WISH_CLAIM_LIMIT=9)
    people = [(f"{surname}爷爷", f"1396666{n:04d}", None) for n, surname in enumerate("赵钱孙李周吴郑王冯")]
    ids = [on_behalf(w, person) for person in people]
    for wish_id in ids:
        assert w.post("demo-volunteer", wish_id, "claim").status_code == 200
    w.post("demo-volunteer", ids[0], "beneficiary/reveal")
    client, h = app.test_client(), w.h("demo-volunteer")
    results = at_once(None, lambda wish_id: step(client, h, wish_id, "beneficiary/reveal").status_code,
                      args=[(wish_id,) for wish_id in ids[1:]])
    assert sorted(results) == [200] + [429] * 7


def test_release_limit_per_week_shows_in_the_staff_list(w, client, app):
    """Three releases in a week stop new claims (429) until the oldest is a week old; the staff list
    shows the churn."""
    ids = [w.published() for _ in range(4)]
    for wish_id in ids[:3]:
        assert w.post("demo-volunteer", wish_id, "claim").status_code == 200
        assert w.post("demo-volunteer", wish_id, "release", reason="临时有事").status_code == 200
    refused = w.post("demo-volunteer", ids[3], "claim")
    assert refused.status_code == 429 and refused.json["error"]["code"] == "wish.release_limit"
    detail = client.get(f"/api/v1/wishes/{ids[3]}", headers=w.h("demo-volunteer"))
    assert "claim" not in detail.json["actions"]
    listed = client.get("/api/v1/volunteers?status=approved", headers=w.h("demo-community-admin")).json
    [row] = [v for v in listed["items"] if v["name"] == "陈志愿"]
    assert row["churn"] == {"claims": 3, "releases": 3, "days": 7}
    with app.app_context():
        oldest = db.session.scalar(select(WishEvent.id).where(WishEvent.action == "release")
                                   .order_by(WishEvent.id))
        db.session.execute(update(WishEvent).where(WishEvent.id == oldest)
                           .values(created_at=utcnow() - timedelta(days=7, minutes=1)))
        db.session.commit()
    assert w.post("demo-volunteer", ids[3], "claim").status_code == 200
