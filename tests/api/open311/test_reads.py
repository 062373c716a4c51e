"""Every Open311 read in JSON and XML, JSON validated against GeoReport v2 JSON Schemas, and the reads
driven by the georeport client from PyPI over real HTTP."""

import json
from datetime import timedelta

import pytest
from georeport import GeoReport
from sqlalchemy import update

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.reports.models import Report
from tests.helpers.open311 import BASE, form, post, served, valid, xml
from tests.helpers.reports import department_id


@pytest.fixture
def board(case, client, key, app):
    """Cases of every kind: open by a resident with a photo, transferred to a department, resolved,
    not public, rejected, and one filed by the partner; ids by name."""
    ids = {"open": case.file().json["id"]}
    ids["transferred"] = case.file(category="cityscape").json["id"]
    case.step("demo-grid-member", ids["transferred"], "transfer", department_id=department_id(app),
              note="需要城管处理")
    ids["resolved"] = case.file(category="noise").json["id"]
    case.step("demo-grid-member", ids["resolved"], "accept")
    case.step("demo-grid-member", ids["resolved"], "resolve", media_ids=[case.photo("demo-grid-member")],
              note="已处理完毕")
    ids["private"] = case.file(category="greenery", public=False).json["id"]
    ids["rejected"] = case.file(category="property").json["id"]
    case.step("demo-grid-member", ids["rejected"], "reject", reason="不属于受理范围")
    ids["partner"] = int(post(client, **form(key["api_key"], service_code="street_light")).json[0]
                         ["service_request_id"])
    return ids


def test_discovery_and_services(client, case):
    """discovery, services and a service definition in both formats."""
    found = valid(client.get(f"{BASE}/discovery.json"), "discovery")
    assert found["endpoints"][0]["url"].endswith(BASE)
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]
    services = valid(client.get(f"{BASE}/services.json"), "services")
    codes = [s["service_code"] for s in services]
    assert codes[:2] == ["sanitation", "garbage"] and len(codes) == 14
    assert {s["metadata"] for s in services} == {False}
    root = xml(client.get(f"{BASE}/services.xml"))
    assert [s.findtext("service_code") for s in root.findall("service")] == codes
    assert root.find("service").findtext("metadata") == "false"
    definition = valid(client.get(f"{BASE}/services/garbage.json"), "service_definition")
    assert definition == {"service_code": "garbage", "attributes": []}
    root = xml(client.get(f"{BASE}/services/garbage.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "garbage"


def test_requests_show_only_the_public_board(client, board):
    """GET requests: the board's cases newest first, no reporter, no address, the spot rounded; a case
    not public or rejected is not there (nor by id)."""
    items = valid(client.get(f"{BASE}/requests.json"), "service_requests")
    ids = [int(i["service_request_id"]) for i in items]
    assert ids == sorted([board[k] for k in ("open", "transferred", "resolved", "partner")], reverse=True)
    text = json.dumps(items, ensure_ascii=False)
    assert "张晓梅" not in text and "reporter" not in text and "市民热线" not in text
    by_id = {int(i["service_request_id"]): i for i in items}
    assert all(round(i["lat"], 3) == i["lat"] and round(i["long"], 3) == i["long"] for i in items)
    assert all(i["address"] is None for i in items)
    opened = by_id[board["open"]]
    assert opened["status"] == "open" and opened["service_code"] == "garbage"
    assert opened["media_url"] and opened["expected_datetime"]
    assert opened["agency_responsible"]  # the community whose case it is
    transferred = by_id[board["transferred"]]
    assert transferred["agency_responsible"] == "区城管局"
    assert transferred["status_notes"] == "转办：需要城管处理"
    resolved = by_id[board["resolved"]]
    assert resolved["status"] == "closed" and resolved["status_notes"] == "办结：已处理完毕"
    assert by_id[board["partner"]]["media_url"] is None  # filed without a photo
    for hidden in ("private", "rejected"):
        assert client.get(f"{BASE}/requests/{board[hidden]}.json").status_code == 404
    one = valid(client.get(f"{BASE}/requests/{board['open']}.json"), "service_requests")
    assert one == [opened]


def test_request_filters(client, board, app):
    """service_request_id (a comma list, overriding the rest), service_code, status, start/end_date and
    the 90-day default window."""
    def ids(**params):
        resp = client.get(f"{BASE}/requests.json", query_string=params)
        return {int(i["service_request_id"]) for i in valid(resp, "service_requests")}

    assert ids(service_request_id=f"{board['open']},{board['private']},{board['resolved']}",
               status="open") == {board["open"], board["resolved"]}
    assert ids(status="closed") == {board["resolved"]}
    assert ids(status="open") == {board["open"], board["transferred"], board["partner"]}
    assert ids(status="open,closed") == ids()
    assert ids(service_code="garbage,noise") == {board["open"], board["resolved"]}
    future = (utcnow() + timedelta(days=1)).isoformat()
    assert ids(start_date=future) == set()
    with app.app_context():
        db.session.execute(update(Report).where(Report.id == board["open"])
                           .values(created_at=utcnow() - timedelta(days=100)))
        db.session.commit()
    assert board["open"] not in ids()
    old = (utcnow() - timedelta(days=120)).isoformat()
    assert board["open"] in ids(start_date=old)
    for bad in ({"status": "pending"}, {"start_date": "yesterday"}, {"service_request_id": "x"}):
        resp = client.get(f"{BASE}/requests.json", query_string=bad)
        assert resp.status_code == 400
        valid(resp, "errors")


def test_requests_in_xml_say_what_json_says(client, board):
    """The XML answer holds the same requests, field for field (empty elements for none)."""
    items = client.get(f"{BASE}/requests.json").json
    root = xml(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    requests = root.findall("request")
    assert [r.findtext("service_request_id") for r in requests] == [i["service_request_id"] for i in items]
    for element, item in zip(requests, items, strict=True):
        for field, value in item.items():
            assert element.findtext(field) == ("" if value is None else str(value)), field
    one = xml(client.get(f"{BASE}/requests/{board['transferred']}.xml"))
    assert one.find("request").findtext("agency_responsible") == "区城管局"


def test_the_most_a_request_list_answers_is_a_setting(app_factory, case, board):
    """OPEN311_MAX_REQUESTS caps one answer (the newest first)."""
    small = app_factory(OPEN311_MAX_REQUESTS=2).test_client()
    items = small.get(f"{BASE}/requests.json").json
    assert [int(i["service_request_id"]) for i in items] == [board["partner"], board["resolved"]]


def test_updates_since_a_time(client, board):
    """FixMyStreet's servicerequestupdates: the board's timeline steps in a window, oldest first."""
    updates = valid(client.get(f"{BASE}/servicerequestupdates.json"), "service_request_updates")
    of_resolved = [u for u in updates if u["service_request_id"] == str(board["resolved"])]
    assert [u["status"] for u in of_resolved] == ["OPEN", "OPEN", "IN_PROGRESS", "FIXED"]
    assert of_resolved[-1]["description"] == "办结：已处理完毕"
    hidden = {str(board["private"]), str(board["rejected"])}
    assert not [u for u in updates if u["service_request_id"] in hidden]
    later = (utcnow() + timedelta(minutes=5)).isoformat()
    assert client.get(f"{BASE}/servicerequestupdates.json", query_string={"start_date": later}).json == []
    root = xml(client.get(f"{BASE}/servicerequestupdates.xml"))
    assert root.tag == "service_request_updates"
    assert len(root.findall("request_update")) == len(updates)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_georeport_client_reads_the_service(app, board, fmt):
    """The georeport client from PyPI, over real HTTP, in both formats: services, a definition, the
    requests (with its filters) and one request."""
    with served(app) as root:
        client = GeoReport(root, output_format=fmt)
        services = client.get_service_list()
        assert [s["service_code"] for s in services][:2] == ["sanitation", "garbage"]
        assert client.get_service_definition("garbage")["service_code"] == "garbage"
        requests = client.get_service_requests()
        assert len(requests) == 4
        assert {r["service_request_id"] for r in requests} == {
            str(board[k]) for k in ("open", "transferred", "resolved", "partner")}
        closed = client.get_service_requests(status="closed")
        closed = closed if isinstance(closed, list) else [closed]  # one XML element reads as a dict
        assert [r["service_request_id"] for r in closed] == [str(board["resolved"])]
        one = client.get_service_request(str(board["transferred"]))
        assert one["agency_responsible"] == "区城管局" and one["status"] == "open"
