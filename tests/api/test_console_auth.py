"""Signing out, and the demo staff list of the development sign-in page."""


def test_logout_revokes_the_token(client, auth):
    """After logout the same token answers 401 auth.token_revoked."""
    headers = auth.headers("demo-community-admin", role="community_admin")
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    resp = client.get("/api/v1/me", headers=headers)
    assert resp.status_code == 401 and resp.json["error"]["code"] == "auth.token_revoked"


def test_logout_needs_a_token(client):
    """Signing out without being signed in is a 401."""
    assert client.post("/api/v1/auth/logout").status_code == 401


def test_dev_accounts_lists_the_demo_staff(client, demo):
    """The demo staff in org order with their role labels and units; residents are not offered."""
    items = client.get("/api/v1/auth/dev-accounts").json["items"]
    assert [i["openid"] for i in items] == ["demo-district-admin", "demo-street-admin",
                                           "demo-community-admin", "demo-grid-member", "demo-department"]
    admin = items[2]
    assert admin["role"] == "community_admin" and admin["role_label"] == "社区管理员"
    assert admin["nickname"] == "周社区" and admin["unit"]
    assert items[4]["role_label"] == "职能部门"


def test_dev_accounts_is_absent_without_dev_login(app_factory):
    """Where dev-login is off, the list does not exist either."""
    client = app_factory(DEV_LOGIN=False).test_client()
    assert client.get("/api/v1/auth/dev-accounts").status_code == 404
