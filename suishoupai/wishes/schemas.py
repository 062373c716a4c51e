"""Shapes of the 微心愿 endpoints."""

import marshmallow as ma
from marshmallow import validate

from suishoupai.auth.schemas import PHONE, DepartmentRef, PersonName
from suishoupai.fields import Id
from suishoupai.pagination import PageArgs
from suishoupai.wishes.lifecycle import Status

CATEGORIES = ["健康", "养老", "助残", "助学", "就业", "生活物资", "文体娱乐", "其他"]
STATUSES = [s.value for s in Status]
AREAS = ["community", "street", "district"]


class Beneficiary(ma.Schema):
    """The person a grid member enters a wish for (private)."""

    name = ma.fields.String(required=True, validate=validate.Length(1, 32))
    contact = ma.fields.String(validate=PHONE, allow_none=True)
    address = ma.fields.String(validate=validate.Length(max=100), allow_none=True)


class WishCreate(ma.Schema):
    """A new wish; `beneficiary` and `grid_id` only when a grid member enters it on someone's behalf."""

    category = ma.fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    title = ma.fields.String(required=True, validate=validate.Length(2, 40))
    description = ma.fields.String(required=True, validate=validate.Length(5, 500))
    estimated_value = ma.fields.Integer(strict=True, validate=validate.Range(0, 100_000), allow_none=True)
    wish_by = ma.fields.Date(allow_none=True)
    campaign_id = Id(allow_none=True)
    community_id = Id(allow_none=True)
    grid_id = Id(allow_none=True)
    address = ma.fields.String(validate=validate.Length(max=100), allow_none=True)
    media_ids = ma.fields.List(Id(), validate=validate.Length(max=6), load_default=list)
    beneficiary = ma.fields.Nested(Beneficiary, allow_none=True)


class WishQuery(PageArgs):
    """?scope=&community=&category=&status=&campaign=."""

    scope = ma.fields.String(load_default="board",
                             validate=validate.OneOf(["board", "mine", "claimed", "grid"]))
    community = Id(strict=False)
    category = ma.fields.String(validate=validate.OneOf(CATEGORIES))
    status = ma.fields.String(validate=validate.OneOf(STATUSES))
    campaign = Id(strict=False)


class ReviewBody(ma.Schema):
    """Publish (open to the community, or wider by an admin) or reject (with a reason shown to the wisher)."""

    decision = ma.fields.String(required=True, validate=validate.OneOf(["publish", "reject"]))
    reason = ma.fields.String(validate=validate.Length(1, 200), allow_none=True)
    open_to = ma.fields.String(load_default="community", validate=validate.OneOf(AREAS), metadata={
        "description": "认领范围：本社区（默认）、本街道或全区登记的志愿者；后两者须社区及以上管理员"})


class OpenToBody(ma.Schema):
    """Who may claim: volunteers of the wish's community, street or district."""

    open_to = ma.fields.String(required=True, validate=validate.OneOf(AREAS))


class ReasonBody(ma.Schema):
    """Why a claim is given back."""

    reason = ma.fields.String(validate=validate.Length(1, 200), allow_none=True)


class FulfilBody(ma.Schema):
    """Evidence of fulfilment."""

    note = ma.fields.String(validate=validate.Length(max=500), allow_none=True)
    media_ids = ma.fields.List(Id(), validate=validate.Length(1, 9), required=True)
    hours = ma.fields.Float(validate=validate.Range(0.5, 24), allow_none=True, allow_nan=False,
                            metadata={"description": "服务时长（小时），计入志愿者名册"})


class ConfirmBody(ma.Schema):
    """Optional thanks, shown on the board."""

    thanks = ma.fields.String(validate=validate.Length(max=200), allow_none=True)


class EmptyBody(ma.Schema):
    """No fields."""


class BeneficiaryOut(ma.Schema):
    """Only for the wisher, the place's staff and the standing claimant; masked (王**, 139****5678, no
    address) for all but the wisher, in full from the recorded reveal step."""

    name = ma.fields.String()
    contact = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    masked = ma.fields.Boolean()


class ContactCard(ma.Schema):
    """A grid member's name and masked phone."""

    name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)


class NameOut(ma.Schema):
    """{name}."""

    name = ma.fields.String()


class WishPhotoOut(ma.Schema):
    """A photo of the wish or of its fulfilment."""

    id = ma.fields.Integer()
    stage = ma.fields.String()
    url = ma.fields.String()
    thumb_url = ma.fields.String()


class WishOut(ma.Schema):
    """A wish card."""

    id = ma.fields.Integer()
    category = ma.fields.String()
    title = ma.fields.String()
    description = ma.fields.String()
    estimated_value = ma.fields.Integer(allow_none=True)
    wish_by = ma.fields.Date(allow_none=True)
    status = ma.fields.String()
    status_label = ma.fields.String()
    moderation = ma.fields.String(metadata={"enum": ["pending", "pass", "review", "risky"],
                                            "description": "内容安全审核状态；心愿墙只展示 pass"})
    on_behalf = ma.fields.Boolean()
    community = ma.fields.Nested(DepartmentRef)
    campaign_id = ma.fields.Integer(allow_none=True)
    board_at = ma.fields.AwareDateTime(allow_none=True)
    claimed_at = ma.fields.AwareDateTime(allow_none=True)
    claim_due_at = ma.fields.AwareDateTime(allow_none=True)
    fulfilled_at = ma.fields.AwareDateTime(allow_none=True)
    fulfil_note = ma.fields.String(allow_none=True)
    confirmed_at = ma.fields.AwareDateTime(allow_none=True)
    confirmed_by_sweep = ma.fields.Boolean()
    thanks = ma.fields.String(allow_none=True)
    reject_reason = ma.fields.String(allow_none=True)
    claimant = ma.fields.Nested(NameOut, allow_none=True)
    open_to = ma.fields.String(metadata={"enum": AREAS, "description": "who may claim"})
    open_to_label = ma.fields.String()
    beneficiary = ma.fields.Nested(BeneficiaryOut, allow_none=True)
    grid_member = ma.fields.Nested(ContactCard, allow_none=True, metadata={
        "description": "the grid member to go through: who entered the wish, or its grid's on-duty member"})
    photos = ma.fields.List(ma.fields.Nested(WishPhotoOut))
    created_at = ma.fields.AwareDateTime()


class WishStep(ma.Schema):
    """A step of the wish's public progress."""

    action = ma.fields.String()
    label = ma.fields.String()
    actor_role = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    at = ma.fields.AwareDateTime()


class WishDetail(WishOut):
    """A wish with its progress and the caller's possible steps."""

    timeline = ma.fields.List(ma.fields.Nested(WishStep))
    actions = ma.fields.List(ma.fields.String())


class ProgressArgs(ma.Schema):
    """?community=&campaign=."""

    community = Id(strict=False)
    campaign = Id(strict=False)


class RankingArgs(ProgressArgs):
    """Rankings filter and size."""

    limit = ma.fields.Integer(load_default=20, validate=validate.Range(1, 100))


class ProgressOut(ma.Schema):
    """How many wishes reached each stage."""

    submitted = ma.fields.Integer()
    published = ma.fields.Integer()
    claimed = ma.fields.Integer()
    fulfilled = ma.fields.Integer()
    confirmed = ma.fields.Integer()
    rejected = ma.fields.Integer()
    waiting = ma.fields.Integer(metadata={"description": "published and not yet claimed"})


class RankEntry(ma.Schema):
    """A volunteer or unit and the wishes they fulfilled."""

    name = ma.fields.String()
    fulfilled = ma.fields.Integer()


class RankingsOut(ma.Schema):
    """Rankings by wishes fulfilled."""

    volunteers = ma.fields.List(ma.fields.Nested(RankEntry))
    units = ma.fields.List(ma.fields.Nested(RankEntry))


class CampaignIn(ma.Schema):
    """A collection campaign."""

    unit_id = Id(required=True)
    name = ma.fields.String(required=True, validate=validate.Length(2, 60))
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)


class CampaignOut(ma.Schema):
    """A collection campaign."""

    id = ma.fields.Integer()
    unit_id = ma.fields.Integer()
    name = ma.fields.String()
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date()


class CampaignArgs(ma.Schema):
    """?community=."""

    community = Id(strict=False)


class VolunteerIn(ma.Schema):
    """双报到 registration."""

    community_id = Id(required=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(["party_member", "volunteer", "unit"]))
    work_unit = ma.fields.String(validate=validate.Length(1, 60), allow_none=True)
    real_name = PersonName(allow_none=True, metadata={
        "description": "登记的真实姓名：工作人员可见全名，公开榜单显示为“王**”"})


VOLUNTEER_STATUSES = ["pending", "approved", "rejected"]


class ChurnOut(ma.Schema):
    """Claims taken and given back in the last days."""

    claims = ma.fields.Integer()
    releases = ma.fields.Integer()
    days = ma.fields.Integer()


class VolunteerOut(ma.Schema):
    """A 双报到 registration; only approved ones may claim wishes."""

    id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    home_community_id = ma.fields.Integer()
    home_community = ma.fields.String()
    kind = ma.fields.String()
    work_unit = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={"enum": VOLUNTEER_STATUSES})
    reject_reason = ma.fields.String(allow_none=True)
    reviewed_at = ma.fields.AwareDateTime(allow_none=True)
    registered_at = ma.fields.AwareDateTime()


class VolunteerStaffOut(VolunteerOut):
    """A registration in the staff list, with the volunteer's claim/release churn."""

    churn = ma.fields.Nested(ChurnOut)
    fulfilled = ma.fields.Integer(metadata={"description": "心愿已完成（含已确认）件数"})
    hours = ma.fields.Float(metadata={"description": "完成心愿时登记的服务时长合计（小时）"})


class VolunteerQuery(PageArgs):
    """?status=&community=."""

    status = ma.fields.String(validate=validate.OneOf(VOLUNTEER_STATUSES))
    community = Id(strict=False)


class VolunteerReviewBody(ma.Schema):
    """Approve, or reject with a reason shown to the volunteer."""

    decision = ma.fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason = ma.fields.String(validate=validate.Length(1, 200), allow_none=True)
