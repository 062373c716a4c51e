"""Shapes of Open311's form and query parameters, and of the admin API for keys and waiting requests."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from suishoupai.fields import MAX_ID, Instant
from suishoupai.org.geo import COORD_TYPES

#: how many ids one GET requests may name
MAX_IDS = 100


def _text(high: int, low: int = 0, **kwargs) -> ma.fields.String:
    """A text field of bounded length."""
    return ma.fields.String(validate=validate.Length(low, high), **kwargs)


class CommaList(ma.fields.Field):
    """A comma-separated list (service_request_id=1,2,3), each item checked by ``item``."""

    def __init__(self, item: ma.fields.Field, most: int, **kwargs):
        super().__init__(**kwargs)
        self.item, self.most = item, most

    def _deserialize(self, value, attr, data, **kwargs):
        """Split, drop empties, load each item."""
        if not isinstance(value, str):
            raise ma.ValidationError("须为以逗号分隔的列表")
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if not parts or len(parts) > self.most:
            raise ma.ValidationError(f"须为 1 到 {self.most} 项")
        return [self.item.deserialize(p) for p in parts]


class RequestForm(ma.Schema):
    """POST requests' form (application/x-www-form-urlencoded or multipart); other keys are ignored, as
    the spec lets clients send jurisdiction_id and the like."""

    class Meta:
        unknown = ma.EXCLUDE

    api_key = _text(100)
    service_code = _text(32, 1, required=True)
    lat = ma.fields.Float(validate=validate.Range(-90, 90), allow_nan=False)
    long = ma.fields.Float(validate=validate.Range(-180, 180), allow_nan=False)
    address_string = _text(200, 1)
    address_id = _text(100)
    description = _text(500, 5, required=True)
    media_url = _text(2000, 1)
    email = ma.fields.Email(validate=validate.Length(max=200))
    device_id = _text(100)
    account_id = _text(100)
    first_name = _text(64)
    last_name = _text(64)
    phone = _text(32)


class RequestQuery(ma.Schema):
    """GET requests' parameters."""

    class Meta:
        unknown = ma.EXCLUDE

    service_request_id = CommaList(ma.fields.Integer(validate=validate.Range(1, MAX_ID)), MAX_IDS)
    service_code = CommaList(ma.fields.String(validate=validate.Length(1, 32)), 50)
    start_date = Instant()
    end_date = Instant()
    status = CommaList(ma.fields.String(validate=validate.OneOf(["open", "closed"])), 2)


class UpdateQuery(ma.Schema):
    """GET servicerequestupdates' window."""

    class Meta:
        unknown = ma.EXCLUDE

    start_date = Instant()
    end_date = Instant()


# the admin API (in the OpenAPI document)

class KeyIn(ma.Schema):
    """A new partner key: who it is for, the unit it files in (the caller's district by default) and
    its rate limit."""

    name = _text(60, 1, required=True, metadata={"example": "12345 市民热线"})
    unit_id = ma.fields.Integer(validate=validate.Range(1, MAX_ID))
    rate_limit = _text(64, 1, load_default="100 per hour;1000 per day",
                       metadata={"description": "如 100 per hour;1000 per day", "example": "100 per hour"})


class KeyUnit(ma.Schema):
    """The unit a key is bound to."""

    id = ma.fields.Integer()
    kind = ma.fields.String()
    name = ma.fields.String()


class KeyOut(ma.Schema):
    """A partner key as staff see it."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    key_prefix = ma.fields.String(metadata={"description": "密钥开头几位，用于辨认"})
    unit = ma.fields.Nested(KeyUnit)
    rate_limit = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    revoked_at = ma.fields.AwareDateTime(allow_none=True)
    last_used_at = ma.fields.AwareDateTime(allow_none=True)
    active = ma.fields.Boolean()


class KeyCreated(KeyOut):
    """A new key: shown this once (only its hash is kept)."""

    api_key = ma.fields.String(metadata={
        "description": "以 o311_ 开头；合作方在 Open311 请求中以 api_key 参数携带"})


class PendingOut(ma.Schema):
    """A partner's request without a point, waiting for staff to place it."""

    id = ma.fields.Integer()
    token = ma.fields.String()
    service_code = ma.fields.String()
    description = ma.fields.String()
    address_string = ma.fields.String(allow_none=True)
    partner = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    report_id = ma.fields.Integer(allow_none=True)


class PlaceIn(ma.Schema):
    """Where a waiting request lies."""

    lat = ma.fields.Float(required=True, validate=validate.Range(-90, 90), allow_nan=False)
    lng = ma.fields.Float(required=True, validate=validate.Range(-180, 180), allow_nan=False)
    coord_type = ma.fields.String(load_default="gcj02", validate=validate.OneOf(COORD_TYPES))
