"""Whom a wish is for: entered on someone's behalf, masked for everyone entitled, in full to nobody."""


from sqlalchemy import select

from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.wishes.models import Wish
from tests.helpers.wishes import SECRET_ADDRESS, SECRET_NAME, SECRET_PHONE


def test_on_behalf_path(w, app):
    """A grid member enters a wish for someone without a phone, and confirms it for them."""
    resp = w.on_behalf()
    assert resp.status_code == 201, resp.json
    assert resp.json["on_behalf"] and resp.json["beneficiary"]["name"] == "刘**"
    wish_id = resp.json["id"]
    assert w.post("demo-community-admin", wish_id, "review", decision="publish").status_code == 200
    claimed = w.post("demo-rider", wish_id, "claim").json
    assert claimed["beneficiary"]["address"] is None and claimed["grid_member"]["name"] == "王网格"
    assert w.post("demo-rider", wish_id, "beneficiary/reveal").json["address"] == SECRET_ADDRESS
    w.post("demo-rider", wish_id, "fulfil", media_ids=[w.photo("demo-rider")])
    resp = w.post("demo-grid-member", wish_id, "confirm")
    assert resp.status_code == 200 and resp.json["status"] == "confirmed"
    with app.app_context():
        wish = db.session.get(Wish, wish_id)
        assert wish.wisher_id is None and SECRET_NAME not in wish.beneficiary_name_enc


def _visible(resp) -> bool:
    """Whether any piece of the beneficiary's identity is in a response in full."""
    text = resp.get_data(as_text=True)
    return any(s in text for s in (SECRET_NAME, SECRET_PHONE, SECRET_ADDRESS))


def _masked(resp) -> bool:
    """Whether the beneficiary's surname and masked phone are in a response."""
    text = resp.get_data(as_text=True)
    return "刘**" in text and "139*****0000" not in text and "139****0000" in text


def test_privacy_matrix(w, client, app):
    """For every role and read endpoint, nobody reads the beneficiary in full; the masked form appears
    only where allowed."""
    wish_id = w.published(w.on_behalf)
    with app.app_context():
        other_gm = db.session.scalar(select(User.openid).where(User.openid.like("demo-gm-demo-s1-%")))
    client.post("/api/v1/volunteers", json={"community_id": 1, "kind": "volunteer"},
                headers=w.h("other-volunteer"))
    reads = {
        "detail": lambda h: client.get(f"/api/v1/wishes/{wish_id}", headers=h),
        "board": lambda h: client.get("/api/v1/wishes?scope=board", headers=h),
        "board-claimed": lambda h: client.get("/api/v1/wishes?scope=board&status=claimed", headers=h),
        "mine": lambda h: client.get("/api/v1/wishes?scope=mine", headers=h),
        "claimed": lambda h: client.get("/api/v1/wishes?scope=claimed", headers=h),
        "grid": lambda h: client.get("/api/v1/wishes?scope=grid", headers=h),
    }
    allowed_before = {("demo-grid-member", r) for r in ("detail", "board", "mine", "grid")} | {
        ("demo-community-admin", r) for r in ("detail", "board", "grid")} | {
        ("demo-street-admin", r) for r in ("detail", "board", "grid")}
    roles = ["demo-resident", "demo-volunteer", "other-volunteer", "demo-rider", "demo-grid-member",
             other_gm, "demo-community-admin", "demo-street-admin", "demo-department"]

    def check(allowed):
        for role in roles:
            for name, read in reads.items():
                resp = read(w.h(role))
                assert resp.status_code in (200, 403, 404), (role, name)
                assert not _visible(resp), (role, name)
                assert _masked(resp) == ((role, name) in allowed), (role, name, resp.status_code)

    check(allowed_before)
    w.post("demo-volunteer", wish_id, "claim")
    # the claimant now sees the masked form; the wish moved from "board" to "board-claimed"
    allowed_after = {(r, "board-claimed" if n == "board" else n) for r, n in allowed_before} | {
        ("demo-volunteer", r) for r in ("detail", "board-claimed", "claimed")}
    check(allowed_after)
