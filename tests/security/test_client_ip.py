"""The client address comes only through trusted proxies, and no request header picks the host of the
URLs the service hands out."""

from urllib.parse import urlsplit

import pytest

from suishoupai.demo.seed import seed
from suishoupai.extensions import db
from suishoupai.settings import SettingsError
from tests.helpers.app import Auth
from tests.helpers.moderation import BUDGET
from tests.helpers.openapi import multipart, photo
from tests.helpers.reports import CENTRE, Case
from tests.helpers.security import assert_refused, token

FILE = "/api/v1/reports"


def filings(client, users: list[dict], forwarded: list[str]) -> list[int]:
    """One empty filing per user, each with its X-Forwarded-For; the statuses."""
    return [client.post(FILE, json={}, headers=headers | {"X-Forwarded-For": xff}).status_code
            for headers, xff in zip(users, forwarded, strict=True)]


def test_a_direct_client_rotating_x_forwarded_for_is_one_address(app_factory):
    """No proxy in front (PROXY_HOPS=0): a forged X-Forwarded-For per request changes nothing, the
    fourth filing from the one real address is refused."""
    app = app_factory(RATELIMIT_ENABLED=True, PROXY_HOPS=0, LIMIT_REPORT_PER_IP="3 per hour")
    client = app.test_client()
    users = [token(client, f"xff-{i}") for i in range(4)]
    assert filings(client, users[:3], [f"198.51.100.{i}" for i in range(3)]) == [422, 422, 422]
    resp = client.post(FILE, json={}, headers=users[3] | {"X-Forwarded-For": "198.51.100.99"})
    assert_refused(resp, "report", "ip", "3 per 1 hour")


def test_behind_one_proxy_the_address_is_the_one_the_proxy_saw(app_factory):
    """PROXY_HOPS=1: the proxy appends the address it saw; what the client wrote before it is ignored,
    so rotating it does not help, and another client behind the same proxy is counted apart."""
    app = app_factory(RATELIMIT_ENABLED=True, PROXY_HOPS=1, LIMIT_REPORT_PER_IP="3 per hour")
    client = app.test_client()
    users = [token(client, f"hop-{i}") for i in range(5)]
    assert filings(client, users[:3], [f"10.0.0.{i}, 203.0.113.7" for i in range(3)]) == [422, 422, 422]
    resp = client.post(FILE, json={}, headers=users[3] | {"X-Forwarded-For": "10.0.0.99, 203.0.113.7"})
    assert_refused(resp, "report", "ip", "3 per 1 hour")
    assert filings(client, users[4:], ["10.0.0.1, 203.0.113.8"]) == [422]


@pytest.mark.parametrize(("public_base", "expected"), [
    ("https://ssp.example.gov.cn", "https://ssp.example.gov.cn/media/"),
    ("https://gov.example.cn/ssp/", "https://gov.example.cn/ssp/media/"),
    ("", "https://localhost/media/"),
])
def test_x_forwarded_host_never_changes_photo_urls(app_factory, public_base, expected):
    """Behind a trusted proxy, a client's X-Forwarded-Host does not reach photo URLs: they start with
    PUBLIC_BASE_URL, or without it the request's own host (the proxy's X-Forwarded-Proto is trusted)."""
    app = app_factory(PROXY_HOPS=1, PUBLIC_BASE_URL=public_base)
    client = app.test_client()
    forged = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
              "X-Forwarded-For": "203.0.113.7"}
    headers = token(client, "host-forger") | forged
    upload = client.post("/api/v1/media", headers=headers, **multipart(photo()))
    assert upload.status_code == 201, upload.json
    again = client.get(f"/api/v1/media/{upload.json['id']}", headers=headers)
    for url in (upload.json["url"], upload.json["thumb_url"], again.json["url"]):
        assert url.startswith(expected), url
        assert "evil" not in url
        # the signed URL is served at the path it names
        parts = urlsplit(url)
        path = parts.path.removeprefix(urlsplit(public_base).path.rstrip("/"))
        served = client.get(path + "?" + parts.query)
        assert served.status_code == 200 and served.mimetype == "image/jpeg"


def test_photo_urls_handed_to_wechat_start_with_public_base_url(app_factory, wechat):
    """Content security without MODERATION_MEDIA_BASE_URL: the photo URL WeChat is asked to fetch is
    under PUBLIC_BASE_URL; with neither set the service refuses to start."""
    settings = {"MODERATION_PROVIDER": "wechat", "MODERATION_CALLBACK_TOKEN": "pushToken2026",
                "MODERATION_SYNC_TIMEOUT": BUDGET}
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL"):
        app_factory(**settings)
    app = app_factory(**settings, PUBLIC_BASE_URL="https://ssp.example.gov.cn")
    with app.app_context():
        seed(rider_points=0)
        db.session.commit()
    wechat.reset_security()
    client = app.test_client()
    case = Case(client, Auth(client))
    headers = case.h("demo-resident") | {"X-Forwarded-Host": "evil.example"}
    filed = client.post("/api/v1/reports", headers=headers, json={
        "category": "garbage", "description": "小区东门垃圾堆放三天无人清理",
        "location": CENTRE, "media_ids": [case.photo("demo-resident")]})
    assert filed.status_code == 201, filed.json
    (asked,) = [call for call in wechat.sec_calls if call["path"] == "/wxa/media_check_async"]
    assert asked["media_url"].startswith("https://ssp.example.gov.cn/media/display/")
