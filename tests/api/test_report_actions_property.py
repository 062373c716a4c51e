"""Actions offered are actions allowed: random cases walked through random steps by every role. Each
step offered in the detail's ``actions`` succeeds with a valid body; each step not offered is refused
with a 4xx and a stable code, and changes nothing."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from suishoupai.extensions import db
from suishoupai.org.models import GridMember, OrgUnit
from suishoupai.reports.models import Report
from tests.helpers.reports import CENTRE, OTHER_STREET, Case, department_id, state

ROLES = ["demo-resident", "demo-resident-2", "demo-grid-member", "demo-department", "demo-community-admin",
         "demo-street-admin", "demo-district-admin"]
#: every step a caller can ask for over HTTP (assign is the admins' reassignment)
STEPS = ["assign", "accept", "transfer", "return", "escalate", "resolve", "reject", "reopen", "confirm",
         "rate"]
#: the steps beside the state machine: merge into a suspect, review flags, pass or block content
BESIDE = {"merge": "/api/v1/reports/{}/merge", "review_flags": "/api/v1/reports/{}/flags/review",
          "moderate": "/api/v1/reports/{}/moderate"}
#: cases walked, and steps tried on each: enough to reach every status from several roles, and few
#: enough that the walk stays a few seconds per database
CASES, WALK = 5, 20
#: (kind of case, role, step) pairs the walks have taken, tried first when new
SEEN: set[tuple] = set()


@pytest.fixture
def case(client, auth, demo):
    """Helpers over the seeded demo district."""
    return Case(client, auth)


class Walker:
    """Takes steps over HTTP with a valid body for each, keeping one free photo per role."""

    def __init__(self, case: Case, app):
        """Bind to the test client; the two departments transfers go to (never the one holding it)."""
        self.case, self.app = case, app
        self.departments = (department_id(app), department_id(app, "DEMO-SJ"))
        self.photos: dict[str, int] = {}

    def offered(self, role: str, report_id: int) -> list[str]:
        """The steps the detail offers the role (none when the role cannot open the case)."""
        return self.view(role, report_id)[0]

    def view(self, role: str, report_id: int) -> tuple[list[str], tuple]:
        """The steps offered to the role, and the kind of case it sees (status, whether a department
        holds it, escalation level)."""
        resp = self.case.get(role, report_id)
        if resp.status_code == 404:
            return [], ()
        assert resp.status_code == 200, resp.json
        body = resp.json
        return body["actions"], (body["status"], body["department"] is not None, body["escalation_level"])

    def _member_of(self, report_id: int) -> int:
        """A grid member working in the case's community: a valid new assignee."""
        with self.app.app_context():
            community = db.session.get(Report, report_id).community_id
            return db.session.scalar(
                select(GridMember.user_id).join(OrgUnit, OrgUnit.id == GridMember.grid_id)
                .where(OrgUnit.community_id == community).order_by(GridMember.user_id))

    def body(self, role: str, report_id: int, step: str, rating: int) -> dict:
        """A body the step accepts."""
        if step == "assign":
            return {"assignee_id": self._member_of(report_id)}
        if step == "transfer":
            with self.app.app_context():
                holding = db.session.get(Report, report_id).department_id
            return {"department_id": next(d for d in self.departments if d != holding)}
        if step in ("escalate", "reject", "return"):
            return {"reason": "随机步骤"}
        if step == "resolve":
            if role not in self.photos:
                self.photos[role] = self.case.photo(role)
            return {"media_ids": [self.photos[role]], "note": "已处理"}
        if step == "rate":
            return {"rating": rating}
        if step == "merge":
            return {"into": self._suspect(role, report_id)}
        if step == "moderate":
            return {"decision": "pass"}
        return {}

    def _suspect(self, role: str, report_id: int) -> int:
        """The first suspected duplicate the role sees, else another case (a merge then refused)."""
        resp = self.case.client.get(f"/api/v1/reports/{report_id}/duplicates", headers=self.case.h(role))
        if resp.status_code == 200 and resp.json["items"]:
            return resp.json["items"][0]["id"]
        with self.app.app_context():
            return db.session.scalar(select(Report.id).where(Report.id != report_id)) or report_id

    def take(self, role: str, report_id: int, step: str, body: dict):
        """POST the step; a photo that went onto the case is no longer free."""
        path = (f"/api/v1/admin/reports/{report_id}/reassign" if step == "assign"
                else BESIDE.get(step, "/api/v1/reports/{}/" + step).format(report_id))
        resp = self.case.client.post(path, json=body, headers=self.case.h(role))
        if step == "resolve" and resp.status_code == 200:
            del self.photos[role]
        return resp


    def file(self, rng: random.Random) -> int:
        """A new case, filed by a resident or by staff (a reporter there, never its handler), here or
        in the other street."""
        filed = self.case.file(rng.choice(["demo-resident", "demo-grid-member"]),
                               location=rng.choice([CENTRE, OTHER_STREET]))
        assert filed.status_code == 201, filed.json
        return filed.json["id"]

    def choose(self, rng: random.Random, report_id: int) -> tuple[str, list[str], str]:
        """(role, steps offered to it, step): mostly a step offered to whoever has one, one not yet
        taken by that role on that kind of case first (a rejection, which ends the case, less
        often); sometimes any step by anyone."""
        roles = rng.sample(ROLES, len(ROLES))
        if rng.random() < 0.25:
            return roles[0], self.offered(roles[0], report_id), rng.choice(STEPS + list(BESIDE))
        first = None
        for role in roles:
            offered, kind = self.view(role, report_id)
            new = [s for s in offered if (kind, role, s) not in SEEN]
            if new:
                step = rng.choice(new)
                SEEN.add((kind, role, step))
                return role, offered, step
            first = first or (offered and (role, offered))
        if not first:
            return roles[0], [], rng.choice(STEPS + list(BESIDE))
        role, offered = first
        keep = [s for s in offered if s != "reject"] if rng.random() < 0.75 else []
        return role, offered, rng.choice(keep or offered)


def _try(walker: Walker, rng: random.Random, seed: int, report_id: int, role: str, offered: list[str],
         step: str):
    """Take the step and hold it to what was offered: success, or a refusal that changes nothing.
    Whether it succeeded."""
    app = walker.app
    body = walker.body(role, report_id, step, rng.randint(1, 5))
    before = state(app, report_id)
    resp = walker.take(role, report_id, step, body)
    where = (seed, role, before[0], step, offered, resp.json)
    if step in offered:
        assert resp.status_code == 200, where
        return True
    assert 400 <= resp.status_code < 500 and resp.json["error"]["code"], where
    assert state(app, report_id) == before, where
    return False


@settings(max_examples=CASES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_every_offered_step_succeeds_and_every_other_is_refused(case, app, seed):
    """A random walk (its seed drawn by hypothesis, so a failure names the walk to replay) of steps on
    a case, and on a fresh one whenever a case is rejected. A step just taken is often tried again
    at once by the same caller: offered again only if it may really be taken twice."""
    rng = random.Random(seed)
    walker = Walker(case, app)
    report_id = walker.file(rng)
    for _ in range(WALK):
        role, offered, step = walker.choose(rng, report_id)
        if _try(walker, rng, seed, report_id, role, offered, step) and rng.random() < 0.5:
            _try(walker, rng, seed, report_id, role, walker.offered(role, report_id), step)
        if state(app, report_id)[0] == "rejected":
            report_id = walker.file(rng)


def test_each_step_documents_its_own_body(client):
    """Every step's body is its own schema in the document, naming the fields it requires; the case's
    reassignment keeps its own body."""
    spec = client.get("/api/openapi.json").json
    required = {}
    for step in STEPS[1:]:
        body = spec["paths"][f"/api/v1/reports/{{report_id}}/{step}"]["post"]["requestBody"]
        ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][ref]
        required[step] = sorted(schema.get("required", []))
    assert required == {"accept": [], "transfer": ["department_id"], "return": ["reason"],
                        "escalate": ["reason"], "resolve": [],
                        "reject": ["reason"], "reopen": [], "confirm": [], "rate": ["rating"]}


def test_a_departments_case_and_a_rated_case_offer_only_what_they_allow(case, app):
    """On a case the department accepted the grid member is offered no resolve, and resolving is
    refused; a rating leaves the case resolved; on a rated case, resolved or closed, rate is offered
    no more, and rating again is refused."""
    walker = Walker(case, app)
    rid = case.file().json["id"]

    def go(role: str, step: str):
        """Take a step with a valid body."""
        return walker.take(role, rid, step, walker.body(role, rid, step, 2))

    assert go("demo-grid-member", "transfer").status_code == 200
    assert go("demo-department", "accept").status_code == 200
    assert walker.offered("demo-grid-member", rid) == ["transfer", "escalate", "reject"]
    assert walker.offered("demo-department", rid) == ["return", "escalate", "resolve"]
    refused = go("demo-grid-member", "resolve")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "report.not_allowed"
    assert "resolve" in walker.offered("demo-department", rid)
    assert go("demo-department", "resolve").status_code == 200
    assert go("demo-resident", "rate").json["status"] == "resolved"
    assert walker.offered("demo-resident", rid) == ["reopen", "confirm"]
    assert go("demo-resident", "confirm").json["status"] == "closed"
    assert walker.offered("demo-resident", rid) == ["reopen"]
    again = go("demo-resident", "rate")
    assert again.status_code == 409 and again.json["error"]["code"] == "report.already_rated"
