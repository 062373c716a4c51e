"""揭榜挂帅 over HTTP: take, complete with evidence, verify once; rejection frees the place; the sweep."""

from datetime import timedelta

from sqlalchemy import select, update

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.offers.models import Bounty, BountyClaim


def test_bounty_claim_complete_verify_award(o):
    """Take, complete with photos, verify: the bounty's points once; a second taker is over the limit."""
    bounty_id = o.new_bounty(max_takers=1, points=50)
    a, b = o.rider("揭榜甲"), o.rider("揭榜乙")
    took = o.post(a, f"/bounties/{bounty_id}/claim")
    assert took.status_code == 200 and took.json["status"] == "claimed"
    full = o.post(b, f"/bounties/{bounty_id}/claim")
    assert full.status_code == 409 and full.json["error"]["code"] == "bounty.full"
    assert o.post(b, f"/bounties/{bounty_id}/complete", media_ids=[o.photo(b)]).status_code == 403
    empty = o.post(a, f"/bounties/{bounty_id}/complete", note="已清理", media_ids=[])
    assert empty.status_code == 422 and "media_ids" in empty.json["error"]["details"]["fields"]
    done = o.post(a, f"/bounties/{bounty_id}/complete", note="已清理完毕", media_ids=[o.photo(a), o.photo(a)])
    assert done.status_code == 200 and done.json["status"] == "submitted" and len(done.json["evidence"]) == 2
    claim_id = done.json["id"]
    card = o.get(a, f"/bounties/{bounty_id}").json
    assert card["my_claim"]["id"] == claim_id and card["remaining"] == 0
    verify = f"/admin/bounty-claims/{claim_id}/verify"
    ok = o.post("demo-community-admin", verify, approve=True)
    assert ok.status_code == 200 and ok.json["status"] == "approved"
    assert ok.json["award"]["status"] == "awarded" and ok.json["award"]["points"] == 50
    again = o.post("demo-community-admin", verify, approve=True)
    assert again.status_code == 409 and again.json["error"]["code"] == "bounty.illegal_transition"
    assert o.balance(a) == 50
    listed = o.get("demo-community-admin", f"/admin/bounties/{bounty_id}/claims").json["items"]
    assert listed[0]["award"]["points"] == 50 and listed[0]["user"]["name"] == "揭榜甲"


def test_bounty_rejection_frees_the_place(o):
    """A rejected completion needs a reason, earns nothing and lets someone else take the place."""
    bounty_id = o.new_bounty(max_takers=1)
    a, b = o.rider("被拒"), o.rider("接手")
    o.post(a, f"/bounties/{bounty_id}/claim")
    claim_id = o.post(a, f"/bounties/{bounty_id}/complete", media_ids=[o.photo(a)]).json["id"]
    path = f"/admin/bounty-claims/{claim_id}/verify"
    no_reason = o.post("demo-community-admin", path, approve=False)
    assert no_reason.status_code == 422 and no_reason.json["error"]["code"] == "bounty.reason_required"
    assert o.row(BountyClaim, claim_id).status == "submitted"
    rejected = o.post("demo-community-admin", path, approve=False, reason="照片看不出清理效果")
    assert rejected.json["status"] == "rejected" and rejected.json["award"] is None
    assert o.balance(a) == 0
    assert o.post(b, f"/bounties/{bounty_id}/claim").status_code == 200


def test_expired_bounty_closes(o):
    """Past its deadline a bounty refuses claims; the sweep closes it and expires unfinished claims."""
    late, open_ = o.new_bounty(max_takers=3), o.new_bounty(max_takers=3)
    a, b = o.rider("迟到"), o.rider("准时")
    assert o.post(a, f"/bounties/{late}/claim").status_code == 200
    with o.app.app_context():
        db.session.execute(update(Bounty).where(Bounty.id == late)
                           .values(deadline=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    refused = o.post(b, f"/bounties/{late}/claim")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "bounty.closed"
    assert [x["id"] for x in o.get(b, "/bounties").json["items"]].count(late) == 0
    result = o.app.test_cli_runner().invoke(args=["points", "sweep"])
    assert result.exit_code == 0 and "1 个" in result.output, result.output
    assert o.row(Bounty, late).status == "closed" and o.row(Bounty, open_).status == "open"
    with o.app.app_context():
        assert db.session.scalar(select(BountyClaim.status).where(BountyClaim.bounty_id == late)) == "expired"
    again = o.app.test_cli_runner().invoke(args=["points", "sweep"])
    assert "0 个" in again.output
