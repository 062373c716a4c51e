"""Notifications: the inbox pages, filters, marks read and holds under fuzzing."""

import pytest

from tests.helpers.notify import enqueue, inbox


def test_inbox_pages_filters_and_marks_read_only_ones_own(case, app, nf):
    """Newest first with a cursor, unread filter and badge count; others' ids are not found."""
    mine = [enqueue(app, nf, "demo-resident", f"i{n}", body=f"第{n}条") for n in range(5)]
    theirs = enqueue(app, nf, "demo-resident-2", "other")
    first = inbox(case, "demo-resident", limit=2)
    assert [i["id"] for i in first["items"]] == mine[:-3:-1] and first["unread_count"] == 5
    second = inbox(case, "demo-resident", limit=2, cursor=first["next_cursor"])
    third = inbox(case, "demo-resident", limit=2, cursor=second["next_cursor"])
    assert [i["id"] for i in second["items"] + third["items"]] == mine[2::-1] and third["next_cursor"] is None
    h = case.h("demo-resident")
    read = case.client.post(f"/api/v1/inbox/{mine[0]}/read", headers=h)
    assert read.status_code == 200 and read.json["read_at"] and read.json["body"] == "第0条"
    again = case.client.post(f"/api/v1/inbox/{mine[0]}/read", headers=h)
    assert again.json["read_at"] == read.json["read_at"]
    unread = inbox(case, "demo-resident", unread="true")
    assert len(unread["items"]) == 4 and unread["unread_count"] == 4
    for path in (f"/api/v1/inbox/{theirs}/read", "/api/v1/inbox/2147483647/read"):
        resp = case.client.post(path, headers=h)
        assert resp.status_code == 404 and resp.json["error"]["code"] == "notify.not_found"
    assert case.client.post("/api/v1/inbox/read-all", headers=h).json == {"marked": 4}
    assert case.client.post("/api/v1/inbox/read-all", headers=h).json == {"marked": 0}
    assert inbox(case, "demo-resident-2")["unread_count"] == 1  # untouched


def test_inbox_refuses_bad_requests_clearly(case, app):
    """No token → 401; a forged cursor or an unknown parameter → 422; nothing is a 500."""
    assert case.client.get("/api/v1/inbox").status_code == 401
    h = case.h("demo-resident")
    bad = case.client.get("/api/v1/inbox?cursor=bm90LWEtY3Vyc29y", headers=h)
    assert bad.status_code == 422 and bad.json["error"]["code"] == "pagination.bad_cursor"
    assert case.client.get("/api/v1/inbox?unread=perhaps", headers=h).status_code == 422
    assert case.client.get("/api/v1/inbox?colour=red", headers=h).status_code == 422
    assert case.client.post("/api/v1/inbox/0/read", headers=h).status_code == 404


@pytest.mark.slow
def test_inbox_endpoints_hold_under_fuzzing(app, client, demo):
    """Generated requests to every inbox operation get documented, non-5xx answers."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.generation import GenerationMode

    from tests.helpers.openapi import CHECKS

    token = client.post("/api/v1/auth/dev-login", json={"openid": "demo-resident"}).json["token"]
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app).include(path_regex="^/api/v1/inbox")

    @schema.auth()
    class Resident:
        """Authenticate as the demo resident."""

        def get(self, case, context):
            """The token."""
            return token

        def set(self, case, data, context):
            """As a bearer header."""
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    def fuzz(case):
        """One generated request."""
        case.call_and_validate(checks=CHECKS)

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 5
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            settings(max_examples=30, deadline=None, database=None,
                     suppress_health_check=list(HealthCheck))(given(case=strategy)(fuzz))()
