"""The admins' campaign list: only the campaigns of units in reach (and of those above it), paged."""

from datetime import date

from sqlalchemy import select

from suishoupai.auth.models import Role
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from tests.helpers.org import make_staff


def _unit(app, code):
    """A demo unit's id by its code."""
    with app.app_context():
        return db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))


def _open(client, headers, unit, name):
    """Open a campaign as the admin; its id."""
    resp = client.post("/api/v1/admin/campaigns", json={
        "unit_id": unit, "name": name, "starts_on": str(date(2027, 1, 1)),
        "ends_on": str(date(2027, 2, 1))}, headers=headers)
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def _names(client, headers, **query):
    """The names of the campaigns the caller's admin list holds."""
    resp = client.get("/api/v1/admin/campaigns", query_string={"limit": 100, **query}, headers=headers)
    assert resp.status_code == 200, resp.json
    return [c["name"] for c in resp.json["items"]]


def test_admins_see_campaigns_in_their_reach_only(w, client, app, auth):
    """S2's admin sees S2's, its community's and the district's campaigns, not S1's; S1's admin the
    mirror image; residents get 403."""
    district = w.h("demo-district-admin")
    _open(client, district, _unit(app, "DEMO-D"), "全区征集")
    _open(client, district, _unit(app, "DEMO-S1"), "武林街道征集")
    _open(client, district, _unit(app, "DEMO-S1-C1"), "武林社区征集")
    _open(client, w.h("demo-street-admin"), _unit(app, "DEMO-S2"), "天水街道征集")
    _open(client, w.h("demo-community-admin"), _unit(app, "DEMO-S2-C2"), "天水社区征集")
    make_staff(app, "s1-admin", Role.STREET_ADMIN, "DEMO-S1")

    mine = set(_names(client, w.h("demo-street-admin")))
    assert {"天水街道征集", "天水社区征集"} <= mine
    assert not mine & {"武林街道征集", "武林社区征集"}
    other = set(_names(client, auth.headers("s1-admin")))
    assert {"武林街道征集", "武林社区征集"} <= other
    assert not other & {"天水街道征集", "天水社区征集"}
    # the community admin sees its street's campaign above it, not the neighbour street's
    community = set(_names(client, w.h("demo-community-admin")))
    assert {"天水街道征集", "天水社区征集"} <= community and "武林街道征集" not in community
    assert "全区征集" in mine and "全区征集" in other and "全区征集" in community
    assert {"全区征集", "武林街道征集", "天水社区征集"} <= set(_names(client, district))

    resp = client.get("/api/v1/admin/campaigns", headers=w.h("demo-resident"))
    assert resp.status_code == 403 and resp.json["error"]["code"] == "auth.forbidden"


def test_campaign_pages_follow_the_cursor(w, client, app):
    """Five campaigns in pages of two: every one once, newest first, then no cursor."""
    headers = w.h("demo-street-admin")
    street = _unit(app, "DEMO-S2")
    made = [_open(client, headers, street, f"第{n}期征集") for n in range(5)]
    seen, cursor = [], None
    for _ in range(5):
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/admin/campaigns", query_string=query, headers=headers).json
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen[:5] == sorted(made, reverse=True)
    assert len(seen) == len(set(seen))
    resp = client.get("/api/v1/admin/campaigns?cursor=%%%", headers=headers)
    assert resp.status_code == 422 and resp.json["error"]["code"] == "pagination.bad_cursor"
