"""WeChat login against a local server playing WeChat; tokens; the caller's profile."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import select

from suishoupai.auth.models import User
from suishoupai.extensions import db

LOGIN = "/api/v1/auth/wechat-login"


def test_login_creates_resident_and_token_works(client, wechat):
    """A first login creates a resident; the token opens /me; session_key stays on the server."""
    resp = client.post(LOGIN, json={"code": "union-alice"})
    assert resp.status_code == 200
    body = resp.json
    assert body["user"]["role"] == "resident"
    assert "sk-union-alice-secret" not in resp.get_data(as_text=True)
    assert "session_key" not in str(body)
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires.tzinfo is not None and expires > datetime.now(UTC) + timedelta(days=6)
    call = wechat.calls[-1]
    assert call["params"] == {"appid": "wx-test-app", "secret": "wx-test-secret",
                              "js_code": "union-alice", "grant_type": "authorization_code"}
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json["id"] == body["user"]["id"]
    with client.application.app_context():
        user = db.session.scalars(select(User).where(User.openid == "o-union-alice")).one()
        assert user.unionid == "u-union-alice"
        assert user.session_key_enc and "sk-union-alice" not in user.session_key_enc


def test_second_login_is_the_same_user(client):
    """Logging in again finds the account instead of creating another."""
    first = client.post(LOGIN, json={"code": "bob"}).json["user"]["id"]
    second = client.post(LOGIN, json={"code": "bob"}).json["user"]["id"]
    assert first == second


@pytest.mark.parametrize(("code", "status", "error"), [
    ("bad-code", 400, "auth.invalid_code"),
    ("used-code", 400, "auth.code_used"),
    ("limited", 429, "auth.wechat_rate_limited"),
    ("risky", 403, "auth.risky_user"),
    ("weird", 502, "auth.wechat_error"),
    ("server-error", 502, "auth.wechat_error"),
    ("not-json", 502, "auth.wechat_error"),
    ("truncated", 502, "auth.wechat_error"),
    ("redirect", 502, "auth.wechat_error"),
    ("errcode-text", 502, "auth.wechat_error"),
    ("openid-number", 502, "auth.wechat_error"),
    ("slow", 503, "auth.wechat_unavailable"),
])
def test_wechat_errors_are_clear(client, code, status, error):
    """Each WeChat failure becomes a stated 4xx/5xx with Chinese text, and no user is created."""
    resp = client.post(LOGIN, json={"code": code})
    assert resp.status_code == status
    assert resp.json["error"]["code"] == error
    assert any("\u4e00" <= ch <= "\u9fff" for ch in resp.json["error"]["message"])
    with client.application.app_context():
        assert db.session.scalar(select(User).where(User.openid == f"o-{code}")) is None


def test_wechat_unreachable_is_503(app_factory):
    """WeChat down (connection refused) → 503, never 500."""
    app = app_factory(WECHAT_API_BASE="http://127.0.0.1:9")
    resp = app.test_client().post(LOGIN, json={"code": "x"})
    assert resp.status_code == 503
    assert resp.json["error"]["code"] == "auth.wechat_unavailable"


@pytest.mark.parametrize("missing", ["WECHAT_APPID", "WECHAT_SECRET"])
def test_wechat_not_configured_says_so(app_factory, wechat, missing):
    """Without an appid or secret, login answers 503 "not configured" and never calls WeChat."""
    app = app_factory(**{missing: ""})
    calls = len(wechat.calls)
    resp = app.test_client().post(LOGIN, json={"code": "alice"})
    assert resp.status_code == 503
    assert resp.json["error"]["code"] == "auth.wechat_not_configured"
    assert "未配置微信登录" in resp.json["error"]["message"]
    assert len(wechat.calls) == calls


def test_login_body_is_validated(client):
    """Missing or oversized code → 422 naming the field."""
    resp = client.post(LOGIN, json={})
    assert resp.status_code == 422
    assert resp.json["error"]["details"]["fields"] == {"code": ["必填项"]}
    assert client.post(LOGIN, json={"code": "x" * 129}).status_code == 422


def _token(app, **claims):
    """A token signed with the app's key (or another) carrying the given claims."""
    secret = claims.pop("secret", app.config["SECRET_KEY"])
    alg = claims.pop("alg", "HS256")
    now = datetime.now(UTC)
    payload = {"sub": "1", "tv": 0, "iat": now, "exp": now + timedelta(hours=1), "typ": "access"}
    payload.update(claims)
    return jwt.encode(payload, secret, algorithm=alg)


def _unsigned(payload: dict) -> str:
    """An "alg": "none" token."""
    import base64
    import json

    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


def test_bad_tokens_are_401(client, auth):
    """Expired, forged, alg=none, malformed and revoked tokens are all refused."""
    user_id = auth.login("carol")["user"]["id"]
    app = client.application
    now = datetime.now(UTC)
    cases = {
        "auth.token_expired": _token(app, sub=str(user_id), iat=now - timedelta(days=9),
                                     exp=now - timedelta(seconds=5)),
        "auth.token_invalid": _token(app, sub=str(user_id), secret="another-secret-key-that-is-long-enough"),
    }
    none_token = _unsigned({"sub": str(user_id), "tv": 0, "typ": "access",
                            "iat": int(now.timestamp()), "exp": int(now.timestamp()) + 3600})
    for code, token in [*cases.items(), ("auth.token_invalid", none_token),
                        ("auth.token_invalid", "not.a.token")]:
        resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 401, code
        assert resp.json["error"]["code"] == code
    assert client.get("/api/v1/me").json["error"]["code"] == "auth.unauthorized"
    # a role change revokes earlier tokens
    old = auth.headers("carol")
    auth.login("carol", role="volunteer")
    resp = client.get("/api/v1/me", headers=old)
    assert resp.status_code == 401 and resp.json["error"]["code"] == "auth.token_revoked"


def test_phone_is_encrypted_and_masked(client, auth):
    """The phone is stored encrypted and only ever shown masked."""
    headers = auth.headers("dave")
    resp = client.patch("/api/v1/me", json={"phone": "13812341234", "nickname": "老王"},
                        headers=headers)
    assert resp.status_code == 200
    assert resp.json["phone"] == "138****1234" and resp.json["nickname"] == "老王"
    with client.application.app_context():
        user = db.session.scalars(select(User).where(User.openid == "dave")).one()
        assert user.phone_enc and "13812341234" not in user.phone_enc
    assert client.patch("/api/v1/me", json={"phone": "12345"}, headers=headers).status_code == 422


@pytest.mark.parametrize("field", ["role", "org_unit_id", "department_id"])
def test_resident_cannot_set_role_or_scope(client, auth, field):
    """Role and scope are refused by name, and nothing changes."""
    headers = auth.headers("eve")
    value = "district_admin" if field == "role" else 1
    resp = client.patch("/api/v1/me", json={field: value, "nickname": "改名"}, headers=headers)
    assert resp.status_code == 422
    assert field in resp.json["error"]["details"]["fields"]
    me = client.get("/api/v1/me", headers=headers).json
    assert me["role"] == "resident" and me["org_unit"] is None and me["nickname"] != "改名"


def test_dev_login_absent_unless_enabled(app_factory):
    """Without DEV_LOGIN the route does not exist at all."""
    app = app_factory(DEV_LOGIN=False)
    resp = app.test_client().post("/api/v1/auth/dev-login", json={"openid": "x"})
    assert resp.status_code == 404
    assert "/api/v1/auth/dev-login" not in app.test_client().get("/api/openapi.json").json["paths"]


def test_login_is_rate_limited(app_factory):
    """Too many logins from one address → 429 in the envelope."""
    app = app_factory(RATELIMIT_ENABLED=True, LIMIT_LOGIN_PER_IP="3 per hour")
    client = app.test_client()
    statuses = [client.post(LOGIN, json={"code": f"r{i}"}).status_code for i in range(5)]
    assert statuses[:3] == [200, 200, 200]
    resp = client.post(LOGIN, json={"code": "r9"})
    assert resp.status_code == 429 and resp.json["error"]["code"] == "rate_limited"


def _unit(app, code):
    """Id of a demo org unit."""
    from suishoupai.org.models import OrgUnit

    with app.app_context():
        return db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))


def test_admins_grant_roles_within_scope_and_rank(client, auth, app, demo):
    """A street admin makes a community admin in their street; not above their rank, not elsewhere."""
    street = auth.headers("demo-street-admin")
    target = auth.login("future-admin")["user"]["id"]
    target_headers = auth.headers("future-admin")
    own_community, other_community = _unit(app, "DEMO-S2-C1"), _unit(app, "DEMO-S1-C1")
    url = f"/api/v1/admin/users/{target}/role"
    resp = client.put(url, json={"role": "community_admin", "org_unit_id": other_community},
                      headers=street)
    assert resp.status_code == 404
    resp = client.put(url, json={"role": "street_admin", "org_unit_id": _unit(app, "DEMO-S2")},
                      headers=street)
    assert resp.status_code == 403 and resp.json["error"]["code"] == "auth.role_not_grantable"
    resp = client.put(url, json={"role": "community_admin", "org_unit_id": _unit(app, "DEMO-S2")},
                      headers=street)
    assert resp.status_code == 422 and resp.json["error"]["code"] == "auth.unit_kind_mismatch"
    assert client.get("/api/v1/me", headers=target_headers).json["role"] == "resident"
    resp = client.put(url, json={"role": "community_admin", "org_unit_id": own_community},
                      headers=street)
    assert resp.status_code == 200 and resp.json["org_unit"]["id"] == own_community
    # the old token carried the old role: revoked
    assert client.get("/api/v1/me", headers=target_headers).status_code == 401
    # a resident may not grant anything; a community admin cannot touch a street admin
    assert client.put(url, json={"role": "resident"},
                      headers=auth.headers("demo-resident")).status_code == 403
    street_admin_id = auth.login("demo-street-admin")["user"]["id"]
    resp = client.put(f"/api/v1/admin/users/{street_admin_id}/role", json={"role": "resident"},
                      headers=auth.headers("demo-community-admin"))
    assert resp.status_code == 404


def test_department_staff_need_a_department_of_the_district(client, auth, app, demo):
    """The department role names a department of the admin's district."""
    from suishoupai.org.models import Department

    with app.app_context():
        dept = db.session.scalar(select(Department.id).where(Department.code == "DEMO-SJ"))
    target = auth.login("inspector")["user"]["id"]
    url = f"/api/v1/admin/users/{target}/role"
    district = auth.headers("demo-district-admin")
    assert client.put(url, json={"role": "department"}, headers=district).status_code == 404
    resp = client.put(url, json={"role": "department", "department_id": dept}, headers=district)
    assert resp.status_code == 200 and resp.json["department"]["name"] == "区市场监管局"


def test_admins_cannot_reach_users_placed_elsewhere(client, auth, app, demo):
    """A community admin cannot change another street's staff, nor a grid member's role here."""
    from suishoupai.org.models import GridMember

    with app.app_context():
        s1_member = db.session.scalar(select(User.id).where(User.openid.like("demo-gm-demo-s1-%")))
        own_member = db.session.scalar(select(User.id).where(User.openid == "demo-grid-member"))
        dept = db.session.scalar(select(User.id).where(User.openid == "demo-department"))
    admin = auth.headers("demo-community-admin")
    for user_id in (s1_member, dept):
        resp = client.put(f"/api/v1/admin/users/{user_id}/role", json={"role": "volunteer"},
                          headers=admin)
        assert resp.status_code == 404 and resp.json["error"]["code"] == "auth.user_not_found"
    resp = client.put(f"/api/v1/admin/users/{own_member}/role", json={"role": "resident"},
                      headers=admin)
    assert resp.status_code == 403 and resp.json["error"]["code"] == "auth.use_grid_members"
    with app.app_context():
        assert db.session.get(User, s1_member).role == "grid_member"
        assert db.session.get(User, dept).role == "department"
        assert db.session.scalar(select(GridMember.id).where(GridMember.user_id == own_member))
