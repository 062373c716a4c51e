"""The wall screen over HTTP: tokens opened, listed and revoked by admins in reach; a token reads its
screen's data and nothing else; the data's counters move with a filing and name no reporter."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from suishoupai.points.ledger import local_periods
from suishoupai.points.models import PeriodTotal, Rider
from suishoupai.reports.models import Report
from tests.helpers.reports import OTHER_STREET
from tests.helpers.stats import case as case  # noqa: F401 - the shared fixture

TOKENS, DATA, GRIDS = "/api/v1/screen-tokens", "/api/v1/screen/data", "/api/v1/screen/grids"
STREET = "demo-street-admin"


def bearer(token: str) -> dict:
    """An Authorization header."""
    return {"Authorization": f"Bearer {token}"}


def open_token(case, openid=STREET, **body):
    """POST a new token; the response."""
    return case.client.post(TOKENS, json={"name": "街道指挥中心大屏"} | body, headers=case.h(openid))


def test_admin_opens_lists_and_revokes_a_token_that_then_stops_working(case, app):
    """The secret comes back once; the list shows it without the secret; after revoking, 401."""
    resp = open_token(case)
    assert resp.status_code == 201, resp.json
    made = resp.json
    assert made["token"].startswith("scr_") and len(made["token"]) > 40
    assert made["unit"]["kind"] == "street" and made["active"] is True and made["revoked_at"] is None
    listed = case.client.get(TOKENS, headers=case.h(STREET)).json
    assert [t["id"] for t in listed] == [made["id"]] and "token" not in listed[0]
    assert case.client.get(DATA, headers=bearer(made["token"])).status_code == 200
    assert case.client.get(TOKENS, headers=case.h(STREET)).json[0]["last_seen_at"] is not None

    resp = case.client.post(f"{TOKENS}/{made['id']}/revoke", headers=case.h(STREET))
    assert resp.status_code == 200 and resp.json["active"] is False and resp.json["revoked_at"]
    refused = case.client.get(DATA, headers=bearer(made["token"]))
    assert refused.status_code == 401
    assert refused.json["error"]["code"] == "screen.token_revoked"
    assert "撤销" in refused.json["error"]["message"]
    assert case.client.get(GRIDS, headers=bearer(made["token"])).status_code == 401


def test_a_screen_token_opens_nothing_but_the_screen(case):
    """Every other endpoint refuses it like a bad session token; the screen refuses session tokens."""
    token = open_token(case).json["token"]
    for url in ("/api/v1/me", "/api/v1/admin/queue?tab=dispatch", "/api/v1/stats/summary?scope=district:1",
                "/api/v1/admin/map", TOKENS):
        resp = case.client.get(url, headers=bearer(token))
        assert resp.status_code == 401, (url, resp.status_code)
    assert case.client.post(TOKENS, json={"name": "x"}, headers=bearer(token)).status_code == 401
    for headers in (case.h(STREET), {}, bearer("scr_not-a-token")):
        resp = case.client.get(DATA, headers=headers)
        assert resp.status_code == 401, headers
        assert resp.json["error"]["code"] in ("screen.token_required", "screen.token_revoked")
    assert case.client.get(DATA, headers=case.h(STREET)).json["error"]["message"] == "请使用大屏令牌访问"


def test_who_may_open_tokens_and_for_which_unit(case, app):
    """Residents and grid members are refused; units out of reach are 404; a grid is no screen's unit."""
    for openid in ("demo-resident", "demo-grid-member", "demo-department"):
        resp = open_token(case, openid)
        assert resp.status_code == 403 and resp.json["error"]["code"] == "screen.forbidden", openid
    with app.app_context():
        other = db.session.scalar(select(OrgUnit.id).where(OrgUnit.kind == "street", OrgUnit.name != "")
                                  .order_by(OrgUnit.code.desc()))
        grid = db.session.scalar(select(OrgUnit.id).where(OrgUnit.kind == "grid").order_by(OrgUnit.code))
    resp = open_token(case, "demo-community-admin", unit_id=other)
    assert resp.status_code == 404 and resp.json["error"]["code"] == "screen.unit_not_found"
    resp = open_token(case, "demo-district-admin", unit_id=grid)
    assert resp.status_code == 409 and resp.json["error"]["code"] == "screen.bad_unit"
    resp = open_token(case, name="")
    assert resp.status_code == 422
    # a community admin's token is the community's; the district sees it, the community admin
    # cannot revoke the street's
    made = open_token(case, "demo-community-admin").json
    street = open_token(case).json
    assert made["unit"]["kind"] == "community"
    assert [t["id"] for t in case.client.get(TOKENS, headers=case.h("demo-district-admin")).json] == [
        street["id"], made["id"]]
    assert [t["id"] for t in case.client.get(TOKENS, headers=case.h("demo-community-admin")).json] == [
        made["id"]]
    resp = case.client.post(f"{TOKENS}/{street['id']}/revoke", headers=case.h("demo-community-admin"))
    assert resp.status_code == 404 and resp.json["error"]["code"] == "screen.token_not_found"


def _data(case, token) -> dict:
    resp = case.client.get(DATA, headers=bearer(token))
    assert resp.status_code == 200, resp.json
    return resp.json


def test_counters_move_with_a_filing_and_the_list_names_no_reporter(case, app):
    """Filed today goes up by one, accepted after the grid member accepts, closed after it is closed;
    the newest case tops the list; the reporter's name, phone and description are nowhere."""
    token = open_token(case).json["token"]
    before = _data(case, token)
    assert before["unit"]["kind"] == "street" and before["today"]["filed"] == 0
    assert [r["key"] for r in before["month"]["rates"]] == [
        "closure_rate", "on_time_resolution_rate", "satisfaction_rate"]
    assert {d["key"] for d in before["counter_definitions"]} == {"filed", "accepted", "closed", "overdue"}

    rid = case.file().json["id"]
    after = _data(case, token)
    assert after["today"] | {"from": None} == {"from": None, "filed": 1, "accepted": 0, "closed": 0,
                                               "overdue": 0}
    assert after["latest"][0]["id"] == rid and after["latest"][0]["status_label"] == "已派单"
    assert [p["id"] for p in after["points"]] == [rid]
    text = json.dumps(after, ensure_ascii=False)
    for private in ("张晓梅", "13800001001", "三天无人清理"):
        assert private not in text, private
    assert "reporter" not in text

    case.step("demo-grid-member", rid, "accept")
    assert _data(case, token)["today"]["accepted"] == 1
    case.step("demo-grid-member", rid, "resolve", media_ids=[case.photo("demo-grid-member")])
    moved = _data(case, token)
    assert (moved["today"]["accepted"], moved["today"]["closed"]) == (1, 1)
    assert moved["month"]["cases"] == 1
    closure = next(r for r in moved["month"]["rates"] if r["key"] == "closure_rate")
    assert (closure["name"], closure["value"], closure["numerator"], closure["denominator"]) == (
        "办结率", 1.0, 1, 1)

    # a filing in the other street is not this street's
    case.file(location=OTHER_STREET)
    assert _data(case, token)["today"]["filed"] == 1
    with app.app_context():
        assert db.session.scalar(select(Report.street_id).where(Report.id == rid)) == after["unit"]["id"]


def test_grids_wishes_and_riders(case, app):
    """The screen's grids carry polygons; riders: the verified demo rider, the month's leader shortened."""
    token = open_token(case, "demo-community-admin").json["token"]
    grids = case.client.get(GRIDS, headers=bearer(token)).json
    assert len(grids) >= 1 and all(g["geometry"]["type"] in ("Polygon", "MultiPolygon") for g in grids)
    with app.app_context():
        rider = db.session.scalar(select(Rider).where(Rider.status == "verified"))
        assert rider is not None
        community = rider.home_community_id
        db.session.add(PeriodTotal(period=local_periods(utcnow())[0], unit_id=community,
                                   user_id=rider.user_id, points=37, reached_at=utcnow()))
        db.session.add(PeriodTotal(period="2001-01", unit_id=community, user_id=rider.user_id, points=999,
                                   reached_at=datetime(2001, 1, 2, tzinfo=UTC)))
        db.session.commit()
    riders = _data(case, token)["riders"]
    assert riders["verified"] == 1
    assert riders["top"] == [{"rank": 1, "name": "赵**", "platform": "美团", "points": 37}]
    wishes = _data(case, token)["wishes"]
    assert set(wishes) == {"waiting", "claimed", "fulfilled"} and all(v >= 0 for v in wishes.values())


@pytest.mark.parametrize("url", [DATA, GRIDS])
def test_screen_endpoints_without_token_are_401(client, url):
    """No header at all: 401 with the Chinese message."""
    resp = client.get(url)
    assert resp.status_code == 401 and resp.json["error"]["message"] == "请使用大屏令牌访问"
