"""Shapes of the export, the deletion and the privacy notice."""

import marshmallow as ma
from marshmallow import validate

CONFIRM_WORD = "注销"


class EraseConfirm(ma.Schema):
    """The explicit confirmation deleting an account needs."""

    confirm = ma.fields.String(required=True, validate=validate.Equal(CONFIRM_WORD, error="请输入“注销”确认"),
                               metadata={"description": f"must be “{CONFIRM_WORD}”"})


class Erased(ma.Schema):
    """What the deletion did."""

    erased_at = ma.fields.AwareDateTime()
    reports_kept = ma.fields.Integer(metadata={"description": "reports kept on the record, unlinked"})
    redemptions_cancelled = ma.fields.Integer(metadata={"description": "refunded by reversal"})


class Export(ma.Schema):
    """Everything held about the caller (times ISO 8601; phones in full: this is the caller's own data)."""

    format = ma.fields.String()
    generated_at = ma.fields.AwareDateTime()
    profile = ma.fields.Dict()
    reports = ma.fields.List(ma.fields.Dict(), metadata={"description": "with photos' URLs and timelines"})
    follows = ma.fields.List(ma.fields.Dict())
    wishes = ma.fields.List(ma.fields.Dict(), metadata={"description": "the caller's own, with beneficiary"})
    claims = ma.fields.List(ma.fields.Dict())
    volunteer = ma.fields.Dict(allow_none=True)
    rider = ma.fields.Dict(allow_none=True)
    points = ma.fields.Dict(metadata={"description": "balance, statement, awards, redemptions, posts"})
    uploads = ma.fields.List(ma.fields.Dict())
    notifications = ma.fields.List(ma.fields.Dict())
    role_changes = ma.fields.List(ma.fields.Dict())
    access_log = ma.fields.List(ma.fields.Dict(), metadata={"description": "reveals of the caller's data"})


class NoticeItem(ma.Schema):
    """One kind of data: what, why, how long."""

    data = ma.fields.String()
    purpose = ma.fields.String()
    retention = ma.fields.String()


class NoticeRight(ma.Schema):
    """A right and how to use it."""

    right = ma.fields.String()
    how = ma.fields.String()


class PrivacyNotice(ma.Schema):
    """用户隐私保护指引: the data collected, why, for how long (from this deployment's settings)."""

    title = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(NoticeItem))
    rights = ma.fields.List(ma.fields.Nested(NoticeRight))
    periods = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
