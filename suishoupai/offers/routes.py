"""治理岗 · 揭榜挂帅 · 积分超市 endpoints, for riders and for the admins who run them."""

from flask import url_for

from suishoupai.extensions import Blueprint, errors
from suishoupai.limits import limited
from suishoupai.offers import bounties, posts, rewards
from suishoupai.offers import present as cards
from suishoupai.offers import schemas as s
from suishoupai.org.actor import current_actor
from suishoupai.pagination import PageArgs
from suishoupai.web import writes

blp = Blueprint("offers", __name__, url_prefix="/api/v1", description="治理岗 · 揭榜挂帅 · 积分超市")


# governance posts

@blp.route("/posts")
@blp.arguments(s.PostQuery, location="query")
@blp.response(200, s.PostPage)
def list_posts(args):
    """Posts of my home community to claim, or the posts I hold."""
    actor = current_actor()
    return cards.page(posts.list_for_rider(actor, args), lambda items: cards.post_cards(items, actor))


@blp.route("/posts/<id:post_id>/claim", methods=["POST"])
@errors(403, 404, 409)
@limited("claim")
@blp.arguments(s.NoFields)
@writes
@blp.response(200, s.PostOut)
def claim_post(_body, post_id):
    """Claim a place on a post (verified riders); exactly as many as its capacity."""
    actor = current_actor()
    post, _claim = posts.claim(actor, post_id)
    return cards.post_cards([post], actor)[0]


@blp.route("/posts/<id:post_id>/leave", methods=["POST"])
@errors(404, 409)
@limited("claim")
@blp.arguments(s.NoFields)
@writes
@blp.response(200, s.PostOut)
def leave_post(_body, post_id):
    """Leave a post I hold; the place frees up."""
    actor = current_actor()
    return cards.post_cards([posts.leave(actor, post_id)], actor)[0]


@blp.route("/admin/posts")
@errors(403)
@blp.arguments(s.AdminListQuery, location="query")
@blp.response(200, s.PostPage)
def admin_list_posts(args):
    """Posts of the communities in my reach."""
    actor = current_actor()
    return cards.page(posts.list_admin(actor, args), lambda items: cards.post_cards(items, actor))


@blp.route("/admin/posts", methods=["POST"])
@errors(403, 404)
@blp.arguments(s.PostIn)
@writes(idempotent=True)
@blp.response(201, s.PostOut)
def create_post(data):
    """Define a governance post (title, duties, capacity, monthly points)."""
    actor = current_actor()
    post = posts.create(actor, data)
    return cards.post_cards([post], actor)[0], 201, {"Location": url_for("offers.admin_get_post",
                                                                         post_id=post.id)}


@blp.route("/admin/posts/<id:post_id>")
@errors(403, 404)
@blp.response(200, s.PostOut)
def admin_get_post(post_id):
    """One post in my reach."""
    actor = current_actor()
    return cards.post_cards([posts.admin_get(actor, post_id)], actor)[0]


@blp.route("/admin/posts/<id:post_id>", methods=["PATCH"])
@errors(403, 404, 409)
@blp.arguments(s.PostPatch)
@writes
@blp.response(200, s.PostOut)
def edit_post(data, post_id):
    """Change a post; capacity never below the current holders."""
    actor = current_actor()
    return cards.post_cards([posts.edit(actor, post_id, data)], actor)[0]


@blp.route("/admin/posts/<id:post_id>/claims")
@errors(403, 404)
@blp.arguments(s.ClaimQuery, location="query")
@blp.response(200, s.PostClaimPage)
def post_claims(args, post_id):
    """Who holds, or held, a post."""
    return cards.page(posts.claims_of(current_actor(), post_id, args), cards.post_claim_cards)


@blp.route("/admin/posts/<id:post_id>/duties", methods=["POST"])
@errors(403, 404, 409)
@blp.arguments(s.DutyIn)
@writes
@blp.response(200, s.DutyOut)
def confirm_duty(data, post_id):
    """Confirm a holder's month of duty; the post's points are awarded once, however often confirmed."""
    duty, award = posts.confirm_duty(current_actor(), post_id, data["user_id"], data["month"])
    return cards.duty_view(duty, award)


# bounties

@blp.route("/bounties")
@blp.arguments(s.BountyQuery, location="query")
@blp.response(200, s.BountyPage)
def list_bounties(args):
    """Open bounties of my home community, or the ones I took."""
    actor = current_actor()
    return cards.page(bounties.list_for_rider(actor, args), lambda items: cards.bounty_cards(items, actor))


@blp.route("/bounties/<id:bounty_id>")
@errors(404)
@blp.response(200, s.BountyOut)
def get_bounty(bounty_id):
    """One bounty, with my claim on it."""
    actor = current_actor()
    return cards.bounty_cards([bounties.get_for_rider(actor, bounty_id)], actor)[0]


@blp.route("/bounties/<id:bounty_id>/claim", methods=["POST"])
@errors(403, 404, 409)
@limited("claim")
@blp.arguments(s.NoFields)
@writes
@blp.response(200, s.BountyClaimOut)
def claim_bounty(_body, bounty_id):
    """Take a bounty (揭榜, verified riders); no more than it allows."""
    return cards.claim_cards([bounties.claim(current_actor(), bounty_id)])[0]


@blp.route("/bounties/<id:bounty_id>/complete", methods=["POST"])
@errors(403, 404, 409)
@blp.arguments(s.CompleteIn)
@writes
@blp.response(200, s.BountyClaimOut)
def complete_bounty(data, bounty_id):
    """Report a bounty done, with a note and 1–9 photos, for staff to verify."""
    held = bounties.complete(current_actor(), bounty_id, data.get("note"), data["media_ids"])
    return cards.claim_cards([held])[0]


@blp.route("/admin/bounties")
@errors(403)
@blp.arguments(s.BountyAdminQuery, location="query")
@blp.response(200, s.BountyPage)
def admin_list_bounties(args):
    """Bounties of the communities in my reach."""
    actor = current_actor()
    return cards.page(bounties.list_admin(actor, args), lambda items: cards.bounty_cards(items, actor))


@blp.route("/admin/bounties", methods=["POST"])
@errors(403, 404)
@blp.arguments(s.BountyIn)
@writes(idempotent=True)
@blp.response(201, s.BountyOut)
def create_bounty(data):
    """Publish a bounty: a problem, its points, deadline and how many may take it."""
    actor = current_actor()
    bounty = bounties.create(actor, data)
    return cards.bounty_cards([bounty], actor)[0], 201, {"Location": url_for("offers.admin_get_bounty",
                                                                             bounty_id=bounty.id)}


@blp.route("/admin/bounties/<id:bounty_id>")
@errors(403, 404)
@blp.response(200, s.BountyOut)
def admin_get_bounty(bounty_id):
    """One bounty in my reach."""
    actor = current_actor()
    return cards.bounty_cards([bounties.admin_get(actor, bounty_id)], actor)[0]


@blp.route("/admin/bounties/<id:bounty_id>", methods=["PATCH"])
@errors(403, 404, 409)
@blp.arguments(s.BountyPatch)
@writes
@blp.response(200, s.BountyOut)
def edit_bounty(data, bounty_id):
    """Change an open bounty, or close it early."""
    actor = current_actor()
    return cards.bounty_cards([bounties.edit(actor, bounty_id, data)], actor)[0]


@blp.route("/admin/bounties/<id:bounty_id>/claims")
@errors(403, 404)
@blp.arguments(s.BountyClaimQuery, location="query")
@blp.response(200, s.BountyClaimPage)
def bounty_claims(args, bounty_id):
    """Everyone who took a bounty, with evidence and awards."""
    return cards.page(bounties.claims_of(current_actor(), bounty_id, args), cards.claim_cards)


@blp.route("/admin/bounty-claims/<id:claim_id>/verify", methods=["POST"])
@errors(403, 404, 409)
@blp.arguments(s.VerifyIn)
@writes
@blp.response(200, s.BountyClaimOut)
def verify_bounty_claim(data, claim_id):
    """Approve a completion (the bounty's points are awarded once) or reject it with a reason."""
    held, award = bounties.verify(current_actor(), claim_id, data["approve"], data.get("reason"))
    return cards.claim_cards([held], {held.id: award} if award else {})[0]


# rewards shop

@blp.route("/rewards")
@blp.arguments(PageArgs, location="query")
@blp.response(200, s.RewardPage)
def list_rewards(args):
    """The rewards shop of my home community."""
    actor = current_actor()
    return cards.page(rewards.list_for_rider(actor, args), lambda items: cards.reward_cards(items, actor))


@blp.route("/rewards/<id:reward_id>/redeem", methods=["POST"])
@errors(403, 404, 409)
@limited("redeem")
@blp.arguments(s.NoFields)
@writes(idempotent=True)
@blp.response(201, s.RedemptionOut)
def redeem(_body, reward_id):
    """Redeem points for a reward: points and stock move together; answers the pickup code."""
    actor = current_actor()
    redemption = rewards.redeem(actor, reward_id)
    return cards.redemption_cards([redemption], actor)[0], 201


@blp.route("/redemptions")
@errors(403)
@blp.arguments(s.RedemptionQuery, location="query")
@blp.response(200, s.RedemptionPage)
def list_redemptions(args):
    """My redemptions, or (staff) those of the communities in my reach."""
    actor = current_actor()
    return cards.page(rewards.list_redemptions(actor, args),
                      lambda items: cards.redemption_cards(items, actor))


@blp.route("/redemptions/<id:redemption_id>/cancel", methods=["POST"])
@errors(404, 409)
@limited("redeem")
@blp.arguments(s.NoFields)
@writes
@blp.response(200, s.RedemptionOut)
def cancel_redemption(_body, redemption_id):
    """Cancel before pickup (the redeemer, or staff): points refunded by reversal, item restocked."""
    actor = current_actor()
    return cards.redemption_cards([rewards.cancel(actor, redemption_id)], actor)[0]


@blp.route("/admin/rewards")
@errors(403)
@blp.arguments(s.AdminListQuery, location="query")
@blp.response(200, s.RewardPage)
def admin_list_rewards(args):
    """Rewards of the communities in my reach."""
    actor = current_actor()
    return cards.page(rewards.list_admin(actor, args), lambda items: cards.reward_cards(items, actor))


@blp.route("/admin/rewards", methods=["POST"])
@errors(403, 404)
@blp.arguments(s.RewardIn)
@writes(idempotent=True)
@blp.response(201, s.RewardOut)
def create_reward(data):
    """Put an item in a community's shop."""
    actor = current_actor()
    reward = rewards.create(actor, data)
    return cards.reward_cards([reward], actor)[0], 201, {"Location": url_for("offers.admin_get_reward",
                                                                             reward_id=reward.id)}


@blp.route("/admin/rewards/<id:reward_id>")
@errors(403, 404)
@blp.response(200, s.RewardOut)
def admin_get_reward(reward_id):
    """One reward in my reach."""
    actor = current_actor()
    return cards.reward_cards([rewards.admin_get(actor, reward_id)], actor)[0]


@blp.route("/admin/rewards/<id:reward_id>", methods=["PATCH"])
@errors(403, 404)
@blp.arguments(s.RewardPatch)
@writes
@blp.response(200, s.RewardOut)
def edit_reward(data, reward_id):
    """Change a reward, restock it, or take it off the shelf."""
    actor = current_actor()
    return cards.reward_cards([rewards.edit(actor, reward_id, data)], actor)[0]


@blp.route("/admin/redemptions/<id:redemption_id>/pickup", methods=["POST"])
@errors(403, 404, 409)
@blp.arguments(s.PickupIn)
@writes
@blp.response(200, s.RedemptionOut)
def pickup(data, redemption_id):
    """Hand a redeemed item over, on the redeemer's pickup code."""
    actor = current_actor()
    return cards.redemption_cards([rewards.pickup(actor, redemption_id, data["code"])], actor)[0]
