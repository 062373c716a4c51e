"""积分超市 over HTTP: redeem, pickup and cancel move points and stock together; refusals; the last item."""

from suishoupai.offers.models import Redemption, Reward
from suishoupai.points import audit


def test_redeem_pickup_cancel(o):
    """Redeeming debits points and stock; the code picks it up; cancelling refunds and restocks."""
    reward_id = o.new_reward(cost=120, stock=5, per_user_limit=2)
    rider = o.rider("兑换", points=500)
    key = {"Idempotency-Key": "redeem-1"}
    first = o.client.post(f"/api/v1/rewards/{reward_id}/redeem", json={}, headers=o.h(rider) | key)
    assert first.status_code == 201, first.json
    assert first.json["status"] == "pending" and len(first.json["pickup_code"]) == 6
    assert first.json["balance"] == 380
    replay = o.client.post(f"/api/v1/rewards/{reward_id}/redeem", json={}, headers=o.h(rider) | key)
    assert replay.json["id"] == first.json["id"] and o.balance(rider) == 380
    blank = o.client.post(f"/api/v1/rewards/{reward_id}/redeem", json={},
                          headers=o.h(rider) | {"Idempotency-Key": " "})
    assert blank.status_code == 422 and blank.json["error"]["code"] == "idempotency.key_invalid"
    assert o.row(Reward, reward_id).stock == 4
    second = o.post(rider, f"/rewards/{reward_id}/redeem")
    assert second.status_code == 201 and second.json["balance"] == 260
    limit = o.post(rider, f"/rewards/{reward_id}/redeem")
    assert limit.status_code == 409 and limit.json["error"]["code"] == "reward.limit_reached"
    assert o.balance(rider) == 260 and o.row(Reward, reward_id).stock == 3
    cancelled = o.post(rider, f"/redemptions/{second.json['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert cancelled.json["balance"] == 380 and o.row(Reward, reward_id).stock == 4
    twice = o.post(rider, f"/redemptions/{second.json['id']}/cancel")
    assert twice.status_code == 409 and twice.json["error"]["code"] == "redemption.illegal_transition"
    redemption_id = first.json["id"]
    wrong = "000000" if first.json["pickup_code"] != "000000" else "111111"
    bad = o.post("demo-community-admin", f"/admin/redemptions/{redemption_id}/pickup", code=wrong)
    assert bad.status_code == 422 and bad.json["error"]["code"] == "redemption.bad_code"
    staff_view = o.get("demo-community-admin", "/redemptions?scope=staff&status=pending").json["items"]
    assert [r["id"] for r in staff_view] == [redemption_id] and staff_view[0]["pickup_code"] is None
    picked = o.post("demo-community-admin", f"/admin/redemptions/{redemption_id}/pickup",
                    code=first.json["pickup_code"])
    assert picked.status_code == 200 and picked.json["status"] == "picked_up"
    late = o.post(rider, f"/redemptions/{redemption_id}/cancel")
    assert late.status_code == 409 and late.json["error"]["message"] == "奖品已领取，不能取消"
    mine = o.get(rider, "/redemptions").json["items"]
    assert [(r["id"], r["status"]) for r in mine] == [(second.json["id"], "cancelled"),
                                                      (redemption_id, "picked_up")]
    with o.app.app_context():
        assert audit.verify().ok


def test_redeem_refusals_change_nothing(o):
    """Short balance, empty stock, inactive or foreign rewards: clear 4xx, no points or stock move."""
    helmet = o.new_reward(cost=300, stock=1, per_user_limit=1)
    poor = o.rider("余额少", points=50)
    short = o.post(poor, f"/rewards/{helmet}/redeem")
    assert short.status_code == 409 and short.json["error"]["code"] == "points.insufficient"
    assert o.row(Reward, helmet).stock == 1 and o.balance(poor) == 50
    rich = o.rider("余额多", points=1000)
    assert o.post(rich, f"/rewards/{helmet}/redeem").status_code == 201
    other = o.rider("也想要", points=1000)
    gone = o.post(other, f"/rewards/{helmet}/redeem")
    assert gone.status_code == 409 and gone.json["error"]["message"] == "该奖品已兑完"
    assert o.balance(other) == 1000
    off = o.new_reward(active=False)
    assert o.post(rich, f"/rewards/{off}/redeem").json["error"]["code"] == "reward.inactive"
    outsider = o.rider("外社区兑换", community=o.ELSEWHERE, points=1000)
    assert o.post(outsider, f"/rewards/{helmet}/redeem").status_code == 404
    assert o.post("demo-resident", f"/rewards/{helmet}/redeem").status_code == 403
    assert o.get(rich, "/rewards").json["items"][0]["my_redeemed"] in (0, 1)


def test_staff_cancel_refunds(o):
    """Staff may cancel a pending redemption in their reach; the redeemer's points come back."""
    reward_id = o.new_reward(cost=100, stock=1)
    rider = o.rider("员工取消", points=100)
    redemption_id = o.post(rider, f"/rewards/{reward_id}/redeem").json["id"]
    resp = o.post("demo-community-admin", f"/redemptions/{redemption_id}/cancel")
    assert resp.status_code == 200 and resp.json["status"] == "cancelled" and resp.json["balance"] is None
    assert o.balance(rider) == 100 and o.row(Reward, reward_id).stock == 1
    assert o.row(Redemption, redemption_id).refund_txn_id is not None


def test_last_reward_item_race(o):
    """Eight people redeeming the last item at once: exactly one gets it, nobody else pays; a ninth
    who cannot afford it is told so and never holds the item while the others are turned away."""
    riders = [o.rider(f"抢兑{i}", points=1000) for i in range(8)]
    poor = o.rider("积分不够", points=50)
    for round_ in range(3):
        reward_id = o.new_reward(cost=100, stock=1, per_user_limit=5)
        results = o.race(f"/api/v1/rewards/{reward_id}/redeem", [*riders, poor])
        assert sorted(code for code, _ in results) == [201] + [409] * 8, results
        assert sorted(e["code"] for code, e in results if code == 409) == (
            ["points.insufficient"] + ["reward.out_of_stock"] * 7)
        assert o.row(Reward, reward_id).stock == 0
        assert sum(o.balance(r) for r in riders) == 8 * 1000 - 100 * (round_ + 1)
        assert o.balance(poor) == 50
    with o.app.app_context():
        assert audit.verify().ok
