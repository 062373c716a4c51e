"""The review queue and staff decisions."""

import marshmallow as ma
from marshmallow import validate

from suishoupai.pagination import PageArgs

STATUSES = ["pending", "pass", "review", "risky"]


class QueueArgs(PageArgs):
    """?status=review&subject_type=&limit=&cursor="""

    status = ma.fields.String(load_default="review", validate=validate.OneOf(STATUSES))
    subject_type = ma.fields.String(load_default=None, validate=validate.OneOf(["report", "wish"]))


class DecideBody(ma.Schema):
    """Staff's verdict on content in review."""

    decision = ma.fields.String(required=True, validate=validate.OneOf(["pass", "risky"]))
    note = ma.fields.String(load_default=None, validate=validate.Length(max=200))


class PhotoUrls(ma.Schema):
    """Signed URLs of a photo under review."""

    url = ma.fields.String()
    thumb_url = ma.fields.String()


class CheckOut(ma.Schema):
    """One checked text or photo."""

    id = ma.fields.Integer()
    subject_type = ma.fields.String(metadata={"enum": ["report", "wish"]})
    subject_id = ma.fields.Integer()
    field = ma.fields.String(metadata={
        "description": "text, note:<事件id>, fulfil_note, thanks, photo:<照片id>"})
    kind = ma.fields.String(metadata={"enum": ["text", "image"]})
    status = ma.fields.String(metadata={"enum": STATUSES})
    provider = ma.fields.String(allow_none=True, metadata={"description": "none | wechat | staff"})
    label = ma.fields.Integer(allow_none=True, metadata={
        "description": "微信的标签（100 正常，10001 广告 …）"})
    content = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)
    photo = ma.fields.Nested(PhotoUrls, allow_none=True)
    created_at = ma.fields.AwareDateTime()
    checked_at = ma.fields.AwareDateTime(allow_none=True)
