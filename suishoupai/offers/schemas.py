"""Shapes of the governance post, bounty and rewards shop endpoints."""

import marshmallow as ma
from marshmallow import validate

from suishoupai.auth.schemas import DepartmentRef
from suishoupai.fields import Id, StrictBoolean
from suishoupai.offers.models import BountyClaimStatus, BountyStatus, PostClaimStatus, RedemptionStatus
from suishoupai.pagination import PageArgs, page_of

MONTH_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"
POINTS = validate.Range(1, 10_000)


def _sane_year(value) -> None:
    """Deadlines within this century: far-off years overflow time-zone arithmetic."""
    if not 2000 <= value.year <= 2099:
        raise ma.ValidationError("须在 2000 到 2099 年之间")


def _text(low: int, high: int, **kwargs) -> ma.fields.String:
    """A required text field of bounded length."""
    return ma.fields.String(validate=validate.Length(low, high), **kwargs)


class NoFields(ma.Schema):
    """No fields."""


class EarnedAward(ma.Schema):
    """What an award earned: points, or why none (capped, pending review, ineligible)."""

    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "awarded | capped | pending_review | ineligible"})
    points = ma.fields.Integer()
    reason = ma.fields.String(allow_none=True)


# governance posts

class PostIn(ma.Schema):
    """A new governance post; community_id defaults to a community admin's own."""

    community_id = Id(allow_none=True)
    title = _text(2, 40, required=True)
    duties = _text(2, 1000, required=True)
    capacity = ma.fields.Integer(strict=True, required=True, validate=validate.Range(1, 1000))
    monthly_points = ma.fields.Integer(strict=True, required=True, validate=POINTS)
    active = StrictBoolean(load_default=True)


class PostPatch(ma.Schema):
    """Changes to a governance post."""

    title = _text(2, 40)
    duties = _text(2, 1000)
    capacity = ma.fields.Integer(strict=True, validate=validate.Range(1, 1000))
    monthly_points = ma.fields.Integer(strict=True, validate=POINTS)
    active = StrictBoolean()


class PostQuery(PageArgs):
    """?scope=available|mine."""

    scope = ma.fields.String(load_default="available", validate=validate.OneOf(["available", "mine"]))


class AdminListQuery(PageArgs):
    """?community=&active=."""

    community = Id(strict=False)
    active = ma.fields.Boolean()


class MyPostClaim(ma.Schema):
    """The caller's standing claim on a post."""

    id = ma.fields.Integer()
    claimed_at = ma.fields.AwareDateTime()


class PostOut(ma.Schema):
    """A governance post card."""

    id = ma.fields.Integer()
    community = ma.fields.Nested(DepartmentRef)
    title = ma.fields.String()
    duties = ma.fields.String()
    capacity = ma.fields.Integer()
    taken = ma.fields.Integer()
    remaining = ma.fields.Integer()
    monthly_points = ma.fields.Integer()
    active = ma.fields.Boolean()
    my_claim = ma.fields.Nested(MyPostClaim, allow_none=True)
    created_at = ma.fields.AwareDateTime()


class UserRef(ma.Schema):
    """{id, name} of a person."""

    id = ma.fields.Integer()
    name = ma.fields.String()


class PostClaimOut(ma.Schema):
    """Someone holding (or having held) a post."""

    id = ma.fields.Integer()
    post_id = ma.fields.Integer()
    user = ma.fields.Nested(UserRef)
    status = ma.fields.String(metadata={"description": " | ".join(PostClaimStatus)})
    claimed_at = ma.fields.AwareDateTime()
    left_at = ma.fields.AwareDateTime(allow_none=True)


class ClaimQuery(PageArgs):
    """?status=."""

    status = ma.fields.String(validate=validate.OneOf([s.value for s in PostClaimStatus]))


class DutyIn(ma.Schema):
    """A month of duty to confirm."""

    user_id = Id(required=True)
    month = ma.fields.String(required=True, validate=validate.Regexp(MONTH_PATTERN),
                             metadata={"example": "2026-11"})


class DutyOut(ma.Schema):
    """A confirmed month of duty and what it earned."""

    id = ma.fields.Integer()
    post_id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    month = ma.fields.String()
    confirmed_at = ma.fields.AwareDateTime()
    award = ma.fields.Nested(EarnedAward)


# bounties

class BountyIn(ma.Schema):
    """A new bounty (揭榜挂帅)."""

    community_id = Id(allow_none=True)
    title = _text(2, 60, required=True)
    description = _text(2, 2000, required=True)
    points = ma.fields.Integer(strict=True, required=True, validate=POINTS)
    deadline = ma.fields.AwareDateTime(required=True, validate=_sane_year)
    max_takers = ma.fields.Integer(strict=True, required=True, validate=validate.Range(1, 1000))


class BountyPatch(ma.Schema):
    """Changes to an open bounty; `close: true` ends it early."""

    title = _text(2, 60)
    description = _text(2, 2000)
    deadline = ma.fields.AwareDateTime(validate=_sane_year)
    max_takers = ma.fields.Integer(strict=True, validate=validate.Range(1, 1000))
    close = StrictBoolean()


class BountyQuery(PageArgs):
    """?scope=open|mine."""

    scope = ma.fields.String(load_default="open", validate=validate.OneOf(["open", "mine"]))


class BountyAdminQuery(PageArgs):
    """?community=&status=."""

    community = Id(strict=False)
    status = ma.fields.String(validate=validate.OneOf([s.value for s in BountyStatus]))


BOUNTY_CLAIM_STATUSES = [s.value for s in BountyClaimStatus]


class BountyClaimQuery(PageArgs):
    """?status=."""

    status = ma.fields.String(validate=validate.OneOf(BOUNTY_CLAIM_STATUSES))


class PhotoOut(ma.Schema):
    """An evidence photo."""

    id = ma.fields.Integer()
    url = ma.fields.String()
    thumb_url = ma.fields.String()


class BountyClaimOut(ma.Schema):
    """A take on a bounty and where it stands."""

    id = ma.fields.Integer()
    bounty_id = ma.fields.Integer()
    user = ma.fields.Nested(UserRef)
    status = ma.fields.String(metadata={"description": " | ".join(BOUNTY_CLAIM_STATUSES)})
    claimed_at = ma.fields.AwareDateTime()
    note = ma.fields.String(allow_none=True)
    submitted_at = ma.fields.AwareDateTime(allow_none=True)
    verified_at = ma.fields.AwareDateTime(allow_none=True)
    reject_reason = ma.fields.String(allow_none=True)
    evidence = ma.fields.List(ma.fields.Nested(PhotoOut))
    award = ma.fields.Nested(EarnedAward, allow_none=True)


class BountyOut(ma.Schema):
    """A bounty card."""

    id = ma.fields.Integer()
    community = ma.fields.Nested(DepartmentRef)
    title = ma.fields.String()
    description = ma.fields.String()
    points = ma.fields.Integer()
    deadline = ma.fields.AwareDateTime()
    max_takers = ma.fields.Integer()
    taken = ma.fields.Integer()
    remaining = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": " | ".join(BountyStatus)})
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    my_claim = ma.fields.Nested(BountyClaimOut, allow_none=True)
    created_at = ma.fields.AwareDateTime()


class CompleteIn(ma.Schema):
    """Evidence that the problem is solved."""

    note = _text(1, 500, allow_none=True)
    media_ids = ma.fields.List(Id(), required=True, validate=validate.Length(1, 9))


class VerifyIn(ma.Schema):
    """Approve a completion, or reject it with a reason."""

    approve = ma.fields.Boolean(required=True)
    reason = _text(1, 200, allow_none=True)


# rewards shop

class RewardIn(ma.Schema):
    """A new item of the rewards shop."""

    community_id = Id(allow_none=True)
    name = _text(1, 40, required=True)
    description = _text(0, 500, allow_none=True)
    cost = ma.fields.Integer(strict=True, required=True, validate=POINTS)
    stock = ma.fields.Integer(strict=True, required=True, validate=validate.Range(0, 100_000))
    per_user_limit = ma.fields.Integer(strict=True, load_default=1, validate=validate.Range(1, 100))
    active = ma.fields.Boolean(load_default=True)


class RewardPatch(ma.Schema):
    """Changes to a reward; `stock` sets the count on hand."""

    name = _text(1, 40)
    description = _text(0, 500, allow_none=True)
    cost = ma.fields.Integer(strict=True, validate=POINTS)
    stock = ma.fields.Integer(strict=True, validate=validate.Range(0, 100_000))
    per_user_limit = ma.fields.Integer(strict=True, validate=validate.Range(1, 100))
    active = ma.fields.Boolean()


class RewardOut(ma.Schema):
    """A reward card."""

    id = ma.fields.Integer()
    community = ma.fields.Nested(DepartmentRef)
    name = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    cost = ma.fields.Integer()
    stock = ma.fields.Integer()
    per_user_limit = ma.fields.Integer()
    active = ma.fields.Boolean()
    my_redeemed = ma.fields.Integer(metadata={"description": "the caller's redemptions not cancelled"})


REDEMPTION_STATUSES = [s.value for s in RedemptionStatus]


class RedemptionQuery(PageArgs):
    """?scope=mine|staff&status=&community=."""

    scope = ma.fields.String(load_default="mine", validate=validate.OneOf(["mine", "staff"]))
    status = ma.fields.String(validate=validate.OneOf(REDEMPTION_STATUSES))
    community = Id(strict=False)


class RewardRef(ma.Schema):
    """{id, name} of a reward."""

    id = ma.fields.Integer()
    name = ma.fields.String()


class RedemptionOut(ma.Schema):
    """A redemption; the pickup code is shown to the redeemer only."""

    id = ma.fields.Integer()
    reward = ma.fields.Nested(RewardRef)
    user = ma.fields.Nested(UserRef)
    community = ma.fields.Nested(DepartmentRef)
    cost = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": " | ".join(REDEMPTION_STATUSES)})
    pickup_code = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    picked_up_at = ma.fields.AwareDateTime(allow_none=True)
    cancelled_at = ma.fields.AwareDateTime(allow_none=True)
    balance = ma.fields.Integer(allow_none=True,
                                metadata={"description": "the redeemer's balance now (to the redeemer only)"})


class PickupIn(ma.Schema):
    """The code the redeemer tells staff at the counter."""

    code = ma.fields.String(required=True, validate=validate.Regexp(r"^[0-9]{6}$"))


# list envelopes, built once each so the OpenAPI document names every schema once
PostPage = page_of(PostOut)
PostClaimPage = page_of(PostClaimOut)
BountyPage = page_of(BountyOut)
BountyClaimPage = page_of(BountyClaimOut)
RewardPage = page_of(RewardOut)
RedemptionPage = page_of(RedemptionOut)
