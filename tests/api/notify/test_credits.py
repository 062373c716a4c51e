"""The admins' credit table: refused sends (43101) per person in reach and kind, scoped and paged."""

from sqlalchemy import select

from suishoupai.auth.models import Role, User
from suishoupai.extensions import db
from tests.helpers.notify import user_id
from tests.helpers.org import make_staff

URL = "/api/v1/admin/notify/credits"


def _miss(app, nf, openid, kind, times=1):
    """Record ``times`` sends of the kind refused for want of credit."""
    with app.app_context():
        for _ in range(times):
            nf.service.count_miss(user_id(openid), kind)
        db.session.commit()


def _s1_member(app):
    """A grid member of the other street (武林街道)."""
    with app.app_context():
        return db.session.scalar(select(User.openid).where(User.openid.like("demo-gm-demo-s1-%")))


def _rows(case, openid, **query):
    """The credit table as the caller sees it."""
    resp = case.client.get(URL, query_string={"limit": 100, **query}, headers=case.h(openid))
    assert resp.status_code == 200, resp.json
    return resp.json


def test_credit_table_is_scoped_to_the_people_in_reach(app, nf, case):
    """S2's admin sees S2's grid member and resident, not S1's member; S1's admin the other way."""
    far = _s1_member(app)
    _miss(app, nf, "demo-grid-member", "report_assigned", 3)
    _miss(app, nf, "demo-resident", "report_resolved")
    _miss(app, nf, far, "report_assigned", 2)
    make_staff(app, "s1-admin", Role.STREET_ADMIN, "DEMO-S1")

    with app.app_context():
        ids = {o: user_id(o) for o in ("demo-grid-member", "demo-resident", far)}
    rows = {(r["user_id"], r["kind"]): r for r in _rows(case, "demo-street-admin")["items"]}
    assert set(rows) == {(ids["demo-grid-member"], "report_assigned"),
                         (ids["demo-resident"], "report_resolved")}
    member = rows[(ids["demo-grid-member"], "report_assigned")]
    assert member["name"] == "王网格"
    assert member["refused"] == 3 and member["role"] == "grid_member"
    assert member["subscribable"] is True and member["last_refused_at"] and member["subscribed_at"] is None
    far_id = ids[far]
    other = _rows(case, "s1-admin")["items"]
    assert [(r["user_id"], r["refused"]) for r in other] == [(far_id, 2)]
    assert {r["user_id"] for r in _rows(case, "demo-district-admin")["items"]} >= {far_id, member["user_id"]}

    resp = case.client.get(URL, headers=case.h("demo-grid-member"))
    assert resp.status_code == 403 and resp.json["error"]["code"] == "auth.forbidden"


def test_credit_table_filters_and_pages(app, nf, case):
    """A subscription resets the count (kept as a 0 row, left out by refused_only); pages of one
    walk every row once; a bad cursor is a Chinese 422."""
    for kind in ("report_assigned", "report_overdue", "test"):
        _miss(app, nf, "demo-grid-member", kind)
    resp = case.client.post("/api/v1/inbox/quota/test/reset", headers=case.h("demo-grid-member"))
    assert resp.status_code == 200 and resp.json["missed"] == 0

    every = _rows(case, "demo-district-admin")["items"]
    assert {r["kind"]: r["refused"] for r in every} == {"report_assigned": 1, "report_overdue": 1, "test": 0}
    assert next(r for r in every if r["kind"] == "test")["subscribed_at"]
    refused = _rows(case, "demo-district-admin", refused_only="true")["items"]
    assert {r["kind"] for r in refused} == {"report_assigned", "report_overdue"}
    only = _rows(case, "demo-district-admin", kind="report_overdue")["items"]
    assert [r["kind"] for r in only] == ["report_overdue"]

    seen, cursor = [], None
    for _ in range(5):
        page = _rows(case, "demo-district-admin", limit=1, **({"cursor": cursor} if cursor else {}))
        seen += [(r["user_id"], r["kind"]) for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted((r["user_id"], r["kind"]) for r in every) and len(seen) == 3
    resp = case.client.get(URL, query_string={"cursor": "bm9wZQ"}, headers=case.h("demo-district-admin"))
    assert resp.status_code == 422 and resp.json["error"]["code"] == "pagination.bad_cursor"
    assert "游标" in resp.json["error"]["message"]
