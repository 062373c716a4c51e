"""Shapes of the access-log endpoint."""

import marshmallow as ma
from marshmallow import validate

from suishoupai.fields import Id
from suishoupai.pagination import PageArgs

SUBJECT_KINDS = ["wish", "report", "user"]


class AccessLogQuery(PageArgs):
    """?subject_kind=&subject_id=&subject_user_id=&actor_id=."""

    subject_kind = ma.fields.String(validate=validate.OneOf(SUBJECT_KINDS))
    subject_id = Id(strict=False)
    subject_user_id = Id(strict=False)
    actor_id = Id(strict=False)


class ActorOut(ma.Schema):
    """Who looked, in which role."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    role = ma.fields.String()


class AccessRecordOut(ma.Schema):
    """One field of someone's data revealed to someone."""

    id = ma.fields.Integer()
    actor = ma.fields.Nested(ActorOut)
    subject_user_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "whose data; null when the person has no account (a wish entered on their behalf)"})
    subject_kind = ma.fields.String(metadata={"enum": SUBJECT_KINDS})
    subject_id = ma.fields.Integer()
    field = ma.fields.String(metadata={"enum": ["name", "phone", "address"]})
    reason = ma.fields.String(metadata={"description": "the step that revealed it"})
    reason_label = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
