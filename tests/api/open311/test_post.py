"""POST requests, tokens and the errors of the spec, over the same filing as the mini-program's."""

import json

from sqlalchemy import select

from suishoupai import crypto
from suishoupai.extensions import db
from suishoupai.media.models import Media
from suishoupai.open311.models import PartnerRequest
from suishoupai.reports.models import ReportPhoto
from tests.helpers.open311 import (
    BASE,
    CENTRE_WGS84,
    OTHER_STREET_WGS84,
    form,
    new_key,
    photo_server,
    post,
    valid,
    xml,
    xml_errors,
)
from tests.helpers.reports import CENTRE


def test_a_case_filed_through_open311_is_the_case_staff_open(client, case, key, app):
    """A point files at once: the answer's id is the report the console and the mini-program open,
    filed by the partner's account, routed to the grid as any case."""
    resp = post(client, **form(key["api_key"], email="li@example.cn", phone="13900001111",
                               first_name="李", last_name="雷"))
    assert resp.status_code == 201, resp.data
    [answer] = valid(resp, "post_response")
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    report_id = int(answer["service_request_id"])
    staff = case.get("demo-district-admin", report_id)
    assert staff.status_code == 200
    assert staff.json["category"]["code"] == "garbage"
    assert staff.json["reporter"]["name"] == "市民热线"
    assert staff.json["status"] == "assigned"  # routed to the centre grid's member
    assert case.get("demo-grid-member", report_id).status_code == 200
    with app.app_context():
        row = db.session.scalar(select(PartnerRequest).where(PartnerRequest.report_id == report_id))
        assert "13900001111" not in row.contact_enc  # kept encrypted, like a resident's phone
        assert json.loads(crypto.decrypt(row.contact_enc))["phone"] == "13900001111"
    public = client.get(f"{BASE}/requests/{report_id}.json").json[0]
    assert "13900001111" not in json.dumps(public) and "li@example.cn" not in json.dumps(public)


def test_xml_answer_and_the_media_url_through_the_photo_pipeline(app_factory, auth, demo):
    """media_url is fetched (a local server here, private hosts allowed outside production) and filed as
    the case's photo, re-encoded by the pipeline; the XML answer holds the id."""
    app = app_factory(OPEN311_MEDIA_PRIVATE_HOSTS=True)
    client = app.test_client()
    key = new_key(client, auth.__class__(client).headers("demo-district-admin"))
    with photo_server(big=1000) as base:
        resp = post(client, "xml", **form(key["api_key"], media_url=f"{base}/photo.jpg"))
    assert resp.status_code == 201, resp.data
    root = xml(resp)
    assert root.tag == "service_requests"
    report_id = int(root.find("request").findtext("service_request_id"))
    with app.app_context():
        photo = db.session.scalar(select(Media).join(ReportPhoto, ReportPhoto.media_id == Media.id)
                                  .where(ReportPhoto.report_id == report_id))
        assert photo is not None and photo.source_format == "JPEG" and photo.public
    public = client.get(f"{BASE}/requests/{report_id}.json").json[0]
    assert public["media_url"].endswith(".jpg")
    assert client.get(public["media_url"]).status_code == 200


def test_media_url_refusals(app_factory, auth, demo):
    """Only http(s); no redirects; at most OPEN311_MEDIA_MAX_BYTES; only photos; and no private or
    loopback host unless allowed outside production. Each refusal is a 400 and files nothing."""
    allowed = app_factory(OPEN311_MEDIA_PRIVATE_HOSTS=True, OPEN311_MEDIA_MAX_BYTES=5000)
    client = allowed.test_client()
    key = new_key(client, auth.__class__(client).headers("demo-district-admin"))["api_key"]
    with photo_server(big=10_000) as base:
        for url, text in [("ftp://127.0.0.1/photo.jpg", "http"), (f"{base}/moved", "302"),
                          (f"{base}/big.jpg", "KB"), (f"{base}/missing.jpg", "404"),
                          (f"{base}/text", "JPEG")]:
            resp = post(client, **form(key, media_url=url))
            assert resp.status_code == 400, (url, resp.data)
            assert text in resp.json[0]["description"], (url, resp.json)
        strict = app_factory()  # the default: private hosts refused
        strict_client = strict.test_client()
        resp = post(strict_client, **form(key, media_url=f"{base}/photo.jpg"))
        assert resp.status_code == 400 and "公网" in resp.json[0]["description"]
        for host in ("http://localhost/p.jpg", "http://10.0.0.1/p.jpg", "http://[::1]/p.jpg",
                     "http://169.254.169.254/latest"):
            assert post(strict_client, **form(key, media_url=host)).status_code == 400, host
    with allowed.app_context():
        assert db.session.scalars(select(PartnerRequest)).all() == []


def test_private_hosts_are_never_fetched_in_production(app):
    """The setting that lets tests fetch from this machine has no effect in production."""
    from suishoupai.open311.fetch import _allowed

    with app.app_context():
        app.config.update(OPEN311_MEDIA_PRIVATE_HOSTS=True)
        assert _allowed("127.0.0.1") and _allowed("10.1.2.3")
        app.config.update(ENV="production")
        assert not _allowed("127.0.0.1") and not _allowed("::ffff:127.0.0.1") and not _allowed("10.1.2.3")
        assert _allowed("8.8.8.8")


def test_address_string_waits_under_a_token_until_staff_place_it(client, case, key, admin):
    """No point: the answer is a token; tokens/{token} names no case until a district admin places the
    request, then the case's id, the case filed as the partner's."""
    resp = post(client, **{k: v for k, v in form(key["api_key"], address_string="延安路 100 号").items()
                           if k not in ("lat", "long")})
    assert resp.status_code == 201, resp.data
    [answer] = valid(resp, "post_response")
    token = answer["token"]
    assert "service_request_id" not in answer and answer["service_notice"]
    waiting = client.get(f"{BASE}/tokens/{token}.json")
    assert waiting.status_code == 200
    assert valid(waiting, "tokens") == [{"service_request_id": None, "token": token}]
    pending = client.get("/api/v1/admin/open311/pending", headers=admin).json
    assert [p["token"] for p in pending] == [token]
    place = f"/api/v1/admin/open311/pending/{pending[0]['id']}/place"
    placed = client.post(place, json=CENTRE, headers=admin)
    assert placed.status_code == 200, placed.json
    report_id = placed.json["report_id"]
    assert client.get(f"{BASE}/tokens/{token}.json").json[0]["service_request_id"] == str(report_id)
    root = xml(client.get(f"{BASE}/tokens/{token}.xml"))
    assert root.find("request").findtext("service_request_id") == str(report_id)
    assert case.get("demo-district-admin", report_id).json["reporter"]["name"] == "市民热线"
    again = client.post(place, json=CENTRE, headers=admin)
    assert again.status_code == 409
    assert client.get("/api/v1/admin/open311/pending", headers=admin).json == []


def test_errors_in_the_spec_shape(client, case, key, admin, app):
    """403 without a valid key, 400 for anything wrong with the request, 404 for what is not there:
    an array of {code, description} in JSON, <errors><error> in XML; nothing is filed."""
    api_key = key["api_key"]
    cases = [
        ({**form(api_key), "api_key": ""}, 403), ({**form(api_key), "api_key": "o311_nope"}, 403),
        (form(api_key, service_code="no_such"), 400), (form(api_key, description="短"), 400),
        ({k: v for k, v in form(api_key).items() if k != "description"}, 400),
        ({k: v for k, v in form(api_key).items() if k not in ("lat", "long")}, 400),
        (form(api_key, lat="91"), 400), (form(api_key, lat="abc"), 400),
        (form(api_key, **{"attribute[depth]": "3"}), 400), (form(api_key, email="not-an-email"), 400),
    ]
    for body, status in cases:
        resp = post(client, **body)
        assert resp.status_code == status, (body, resp.data)
        assert valid(resp, "errors")[0]["code"] == status
        resp = post(client, "xml", **body)
        assert resp.status_code == status
        [(code, description)] = xml_errors(resp)[:1]
        assert code == str(status) and description
    for path in ("requests/999999.json", "requests/abc.xml", "tokens/nope.json", "services/no_such.xml",
                 "no/such/thing.json"):
        resp = client.get(f"{BASE}/{path}")
        assert resp.status_code == 404, path
        if path.endswith(".xml"):
            assert xml_errors(resp)[0][0] == "404"
        else:
            assert valid(resp, "errors")[0]["code"] == 404
    with app.app_context():
        assert db.session.scalars(select(PartnerRequest)).all() == []


def test_a_key_files_only_inside_its_unit(client, case, admin, demo, app):
    """A key bound to the demo community refuses a point in the other street (400), files in its own."""
    from suishoupai.org.models import Kind, OrgUnit
    with app.app_context():
        community = db.session.scalar(select(OrgUnit.id).where(OrgUnit.kind == Kind.COMMUNITY,
                                                                OrgUnit.name == demo["community"]))
    api_key = new_key(client, admin, unit_id=community)["api_key"]
    for spot in (OTHER_STREET_WGS84, (0.0, 0.0)):  # the nearest community of (0, 0) is the demo's
        resp = post(client, **form(api_key, spot=spot))
        assert resp.status_code == 400 and "open311.outside_unit" in resp.json[0]["description"]
    assert post(client, **form(api_key, spot=CENTRE_WGS84)).status_code == 201


def test_revoked_key_and_rate_limit(app_factory, auth, demo):
    """A revoked key is refused from its next call (403); past its own rate limit a key gets 429 with
    Retry-After, counted in the service's limit store."""
    app = app_factory(RATELIMIT_ENABLED=True)
    client = app.test_client()
    headers = auth.__class__(client).headers("demo-district-admin")
    key = new_key(client, headers, rate_limit="2 per hour")
    assert post(client, **form(key["api_key"])).status_code == 201
    assert post(client, **form(key["api_key"], service_code="noise")).status_code == 201
    third = post(client, **form(key["api_key"], service_code="greenery"))
    assert third.status_code == 429 and int(third.headers["Retry-After"]) > 0
    assert third.json[0]["code"] == 429
    other = new_key(client, headers)
    assert client.post(f"/api/v1/admin/open311/keys/{other['id']}/revoke", headers=headers).status_code == 200
    resp = post(client, **form(other["api_key"]))
    assert resp.status_code == 403 and "open311.key_revoked" in resp.json[0]["description"]


def test_nul_and_oversized_bodies_are_400(client, key, app):
    """A NUL in a value (PostgreSQL stores none in text) or a body past MAX_CONTENT_LENGTH: 400 in the
    spec's shape, nothing filed."""
    resp = post(client, **form(key["api_key"], description="垃圾堆放\x00三天无人清理"))
    assert resp.status_code == 400 and "open311.bad_parameter" in resp.json[0]["description"]
    assert client.get(f"{BASE}/requests.json?service_code=gar%00bage").status_code == 400
    app.config["MAX_CONTENT_LENGTH"] = 1000
    resp = post(client, **form(key["api_key"], description="长" * 2000))
    assert resp.status_code == 400 and valid(resp, "errors")[0]["code"] == 400
    with app.app_context():
        assert db.session.scalars(select(PartnerRequest)).all() == []
