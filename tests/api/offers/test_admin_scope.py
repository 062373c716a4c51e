"""Who manages offers where: admins within their reach only, street and district admins name a community."""

from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.offers.models import Post


def test_admin_scope(o):
    """Admins manage their reach only: ids elsewhere are 404; street and district admins pick a community."""
    home, elsewhere = o.unit(o.HOME), o.unit(o.ELSEWHERE)
    post_id, bounty_id, reward_id = o.new_post(), o.new_bounty(), o.new_reward()
    with o.app.app_context():
        db.session.add(User(openid="admin-elsewhere", role="community_admin", org_unit_id=elsewhere))
        db.session.commit()
    for path in (f"/admin/posts/{post_id}", f"/admin/bounties/{bounty_id}", f"/admin/rewards/{reward_id}"):
        assert o.get("admin-elsewhere", path).status_code == 404
        assert o.client.patch(f"/api/v1{path}", json={"title": "改名"} if "rewards" not in path
                              else {"name": "改名"}, headers=o.h("admin-elsewhere")).status_code == 404
    assert o.get("admin-elsewhere", "/admin/posts").json["items"] == []
    foreign = o.post("demo-community-admin", "/admin/posts", community_id=elsewhere, title="越界岗位",
                     duties="不应创建", capacity=1, monthly_points=10)
    assert foreign.status_code == 404 and foreign.json["error"]["code"] == "org.community_not_found"
    street = o.post("demo-street-admin", "/admin/rewards", community_id=home, name="电动车头盔", cost=300,
                    stock=2)
    assert street.status_code == 201 and street.json["community"]["name"] == "凤起社区"
    no_community = o.post("demo-street-admin", "/admin/rewards", name="电动车头盔", cost=300, stock=2)
    assert no_community.status_code == 404
    district = o.post("demo-district-admin", "/admin/posts", community_id=elsewhere, title="文明劝导岗",
                      duties="劝导电动车规范停放", capacity=2, monthly_points=30)
    assert district.status_code == 201
    # a rider never uses /admin/: refused before the body is read; staff below admin by the offers' rule
    assert o.post("demo-rider", "/admin/posts", title="骑手不能建岗", duties="x" * 5, capacity=1,
                  monthly_points=1).json["error"]["code"] == "auth.forbidden"
    assert o.post("demo-grid-member", "/admin/posts", title="网格员不能建岗", duties="x" * 5, capacity=1,
                  monthly_points=1).json["error"]["code"] == "points.admin_only"
    for name in ("占位甲", "占位乙"):
        assert o.post(o.rider(name), f"/posts/{post_id}/claim").status_code == 200
    shrink = o.client.patch(f"/api/v1/admin/posts/{post_id}", json={"capacity": 1},
                            headers=o.h("demo-community-admin"))
    assert shrink.status_code == 409 and shrink.json["error"]["code"] == "post.capacity_below_taken"
    assert o.row(Post, post_id).capacity == 2
    past = o.client.patch(f"/api/v1/admin/bounties/{bounty_id}",
                          json={"deadline": "2020-01-01T00:00:00+08:00"}, headers=o.h("demo-community-admin"))
    assert past.status_code == 422 and past.json["error"]["code"] == "bounty.deadline_past"
    far = o.post("demo-community-admin", "/admin/bounties", title="很远的截止", description="年份越界",
                 points=10, deadline="9999-12-31T23:59:59-05:00", max_takers=1)
    assert far.status_code == 422 and "deadline" in far.json["error"]["details"]["fields"]
