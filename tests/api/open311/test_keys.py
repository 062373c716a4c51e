"""The admin API of partner keys: district admins issue (shown once), list and revoke them."""

from sqlalchemy import select

from suishoupai.extensions import db
from suishoupai.open311.models import PartnerKey
from tests.helpers.open311 import BASE, form, new_key, post


def test_a_key_is_shown_once_and_kept_hashed(client, admin, app):
    """The create answer holds the key; the list never does; the table holds only its hash."""
    created = new_key(client, admin, name="城市运行平台", rate_limit="50 per hour;500 per day")
    secret = created["api_key"]
    assert secret.startswith("o311_") and created["key_prefix"] == secret[:11]
    assert created["unit"]["kind"] == "district" and created["rate_limit"] == "50 per hour;500 per day"
    listed = client.get("/api/v1/admin/open311/keys", headers=admin).json
    assert [k["id"] for k in listed] == [created["id"]] and "api_key" not in listed[0]
    with app.app_context():
        row = db.session.scalar(select(PartnerKey))
        assert secret not in (row.key_hash, row.key_prefix) and len(row.key_hash) == 64


def test_only_district_admins_manage_keys(client, case):
    """Street and community admins, grid members and residents are refused (403)."""
    for openid in ("demo-street-admin", "demo-community-admin", "demo-grid-member", "demo-resident"):
        headers = case.h(openid)
        keys = "/api/v1/admin/open311/keys"
        assert client.post(keys, json={"name": "x"}, headers=headers).status_code == 403
        assert client.get(keys, headers=headers).status_code == 403


def test_bad_key_requests_change_nothing(client, admin, app):
    """An unreadable rate limit (422), a unit out of reach (404), revoking a missing key (404)."""
    for rate in ("lots", "0 per hour", "1 per 99999999999 hours", "9999999 per second", "1 per hour;;"):
        body = {"name": "x", "rate_limit": rate}
        resp = client.post("/api/v1/admin/open311/keys", json=body, headers=admin)
        assert resp.status_code == 422 and resp.json["error"]["code"] == "open311.bad_rate_limit", rate
    resp = client.post("/api/v1/admin/open311/keys", json={"name": "x", "unit_id": 999999}, headers=admin)
    assert resp.status_code == 404
    assert client.post("/api/v1/admin/open311/keys/999999/revoke", headers=admin).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(PartnerKey)).all() == []


def test_revoking_twice_changes_nothing(client, admin):
    """Revoking stamps the key once; the partner is refused from then on."""
    key = new_key(client, admin)
    first = client.post(f"/api/v1/admin/open311/keys/{key['id']}/revoke", headers=admin).json
    again = client.post(f"/api/v1/admin/open311/keys/{key['id']}/revoke", headers=admin).json
    assert first["revoked_at"] == again["revoked_at"] and not again["active"]
    assert post(client, **form(key["api_key"])).status_code == 403
    assert client.get(f"{BASE}/services.json").status_code == 200  # reads need no key
