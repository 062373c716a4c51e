"""Shapes of the upload endpoint."""

import marshmallow as ma
from marshmallow import validate
from werkzeug.datastructures import FileStorage

PURPOSES = ("report", "resolution", "wish", "fulfilment", "avatar", "evidence", "other")


class Upload(ma.Schema):
    """The photo in the multipart field `file` (what wx.uploadFile sends), and its formData."""

    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
    purpose = ma.fields.String(load_default="other", validate=validate.OneOf(PURPOSES))

    @ma.validates("file")
    def _is_a_file(self, value, **_kwargs):
        """A text field named `file` is not a photo."""
        if not isinstance(value, FileStorage):
            raise ma.ValidationError("请以文件形式上传照片")


class MediaOut(ma.Schema):
    """An upload as its owner sees it; URLs of photos not yet public are signed and expire."""

    id = ma.fields.Integer()
    url = ma.fields.String(metadata={"description": "display variant, long side ≤ 1600 px"})
    thumb_url = ma.fields.String(metadata={"description": "thumbnail, long side ≤ 360 px"})
    width = ma.fields.Integer(metadata={"description": "pixel width of what `url` serves, upright"})
    height = ma.fields.Integer(metadata={"description": "pixel height of what `url` serves, upright"})
    purpose = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
