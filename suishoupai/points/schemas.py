"""Shapes of the riders, points, rule-book and statement endpoints."""

import marshmallow as ma
from marshmallow import validate

from suishoupai.auth.schemas import PHONE, PersonName
from suishoupai.fields import Id, StrictBoolean
from suishoupai.pagination import PageArgs, page_of
from suishoupai.points.models import AwardStatus, Platform, RiderStatus

CODE = validate.Regexp(r"^[a-z][a-z0-9_]{1,31}$", error="规则代码须为小写字母、数字和下划线")
#: "community:12" or "street:3"
SCOPE = validate.Regexp(r"^(community|street):[1-9][0-9]{0,9}$", error="范围须为 community:ID 或 street:ID")
#: "2026-11" or "2026"
PERIOD = validate.Regexp(r"^20[0-9]{2}(-(0[1-9]|1[0-2]))?$", error="期间须为 YYYY-MM 或 YYYY")
MONTH = validate.Regexp(r"^20[0-9]{2}-(0[1-9]|1[0-2])$", error="月份须为 YYYY-MM")
CAP = ma.fields.Integer(strict=True, validate=validate.Range(1, 100_000), allow_none=True)


class RiderCreate(ma.Schema):
    """Register as a rider of a home community."""

    platform = ma.fields.String(required=True, validate=validate.OneOf([p.value for p in Platform]))
    courier_id = ma.fields.String(required=True, validate=validate.Length(1, 40))
    phone = ma.fields.String(required=True, validate=PHONE)
    home_community_id = Id(required=True)
    real_name = PersonName(allow_none=True, metadata={
        "description": "登记的真实姓名：工作人员可见全名，积分榜显示为“王**”"})


class RiderOut(ma.Schema):
    """A registration, as its rider and the community's admins see it."""

    id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    name = ma.fields.String()
    platform = ma.fields.String()
    courier_id = ma.fields.String()
    phone = ma.fields.String(metadata={"description": "masked, 138****1234"})
    home_community_id = ma.fields.Integer()
    home_community = ma.fields.String()
    status = ma.fields.String(metadata={"enum": [s.value for s in RiderStatus]})
    reject_reason = ma.fields.String(allow_none=True)
    verified_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()


class RiderQuery(PageArgs):
    """?status=&community=."""

    status = ma.fields.String(validate=validate.OneOf([s.value for s in RiderStatus]))
    community = Id(strict=False)


class VerifyBody(ma.Schema):
    """Approve a registration, or reject it with a reason."""

    decision = ma.fields.String(load_default="approve", validate=validate.OneOf(["approve", "reject"]))
    reason = ma.fields.String(validate=validate.Length(1, 200), allow_none=True)


class EntryOut(ma.Schema):
    """One line of a holder's statement."""

    txn_id = ma.fields.Integer()
    amount = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": ["award", "adjustment", "spend", "reversal"]})
    memo = ma.fields.String()
    source_type = ma.fields.String()
    source_id = ma.fields.Integer()
    rule_code = ma.fields.String(allow_none=True)
    rule_name = ma.fields.String(allow_none=True)
    rule_version = ma.fields.Integer(allow_none=True)
    reverses_txn_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()


class MeOut(ma.Schema):
    """Balance and a page of statement entries, newest first."""

    balance = ma.fields.Integer()
    rider_status = ma.fields.String(allow_none=True)
    items = ma.fields.List(ma.fields.Nested(EntryOut))
    next_cursor = ma.fields.String(allow_none=True)


class AwardOut(ma.Schema):
    """What a source earned under a rule, or why it earned less or nothing."""

    id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    rule_code = ma.fields.String()
    rule_name = ma.fields.String()
    rule_version = ma.fields.Integer()
    source_type = ma.fields.String()
    source_id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    requested = ma.fields.Integer()
    points = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": [s.value for s in AwardStatus]})
    reason = ma.fields.String(allow_none=True)
    memo = ma.fields.String()
    txn_id = ma.fields.Integer(allow_none=True)
    reversal_txn_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()


AwardPage = page_of(AwardOut)


class AwardQuery(PageArgs):
    """?status=."""

    status = ma.fields.String(validate=validate.OneOf([s.value for s in AwardStatus]))


class AdminAwardQuery(AwardQuery):
    """?status=&community=."""

    community = Id(strict=False)


class AwardReviewBody(ma.Schema):
    """Approve or deny an award waiting for review."""

    decision = ma.fields.String(required=True, validate=validate.OneOf(["approve", "deny"]))


class AdjustmentIn(ma.Schema):
    """A manual award (+) or deduction (−) with the reason."""

    user_id = Id(required=True)
    amount = ma.fields.Integer(strict=True, required=True, validate=validate.Range(-10_000, 10_000))
    reason = ma.fields.String(required=True, validate=validate.Length(2, 150))


class AdjustmentOut(ma.Schema):
    """A recorded adjustment and the holder's balance after it."""

    id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    amount = ma.fields.Integer()
    reason = ma.fields.String()
    txn_id = ma.fields.Integer()
    balance = ma.fields.Integer()
    created_at = ma.fields.DateTime()


class LeaderboardQuery(ma.Schema):
    """?scope=community:ID|street:ID&period=2026-11|2026&limit=."""

    scope = ma.fields.String(required=True, validate=SCOPE)
    period = ma.fields.String(required=True, validate=PERIOD)
    limit = ma.fields.Integer(load_default=20, validate=validate.Range(1, 100))


class RankOut(ma.Schema):
    """One place on the board."""

    rank = ma.fields.Integer()
    user_id = ma.fields.Integer()
    name = ma.fields.String()
    platform = ma.fields.String(allow_none=True)
    points = ma.fields.Integer()


class LeaderboardOut(ma.Schema):
    """The board: points earned in the period, ties to whoever reached the total first."""

    scope = ma.fields.String()
    unit_name = ma.fields.String()
    period = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(RankOut))


class RuleOut(ma.Schema):
    """One version of a rule."""

    id = ma.fields.Integer()
    code = ma.fields.String()
    version = ma.fields.Integer()
    name = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    points = ma.fields.Integer()
    daily_cap = ma.fields.Integer(allow_none=True)
    monthly_cap = ma.fields.Integer(allow_none=True)
    effective_from = ma.fields.DateTime()
    effective_to = ma.fields.DateTime(allow_none=True)
    needs_review = ma.fields.Boolean()
    riders_only = ma.fields.Boolean()


class RuleCreate(ma.Schema):
    """A new rule."""

    code = ma.fields.String(required=True, validate=CODE)
    name = ma.fields.String(required=True, validate=validate.Length(2, 60))
    description = ma.fields.String(validate=validate.Length(max=500), allow_none=True)
    points = ma.fields.Integer(strict=True, required=True, validate=validate.Range(0, 10_000))
    daily_cap = CAP
    monthly_cap = CAP
    needs_review = StrictBoolean(load_default=False)
    riders_only = StrictBoolean(load_default=True)


class RuleEdit(ma.Schema):
    """Changes to a rule: a new version takes over now."""

    name = ma.fields.String(validate=validate.Length(2, 60))
    description = ma.fields.String(validate=validate.Length(max=500), allow_none=True)
    points = ma.fields.Integer(strict=True, validate=validate.Range(0, 10_000))
    daily_cap = CAP
    monthly_cap = CAP
    needs_review = StrictBoolean()
    riders_only = StrictBoolean()


class RuleHistoryQuery(ma.Schema):
    """?code=."""

    code = ma.fields.String(validate=CODE)


class StatementQuery(ma.Schema):
    """?month=2026-11."""

    month = ma.fields.String(required=True, validate=MONTH)
