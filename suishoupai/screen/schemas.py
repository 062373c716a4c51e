"""Shapes of the screen endpoints."""

import marshmallow as ma
from marshmallow import validate

from suishoupai.fields import MAX_ID
from suishoupai.stats.schemas import Rate


class ScreenTokenIn(ma.Schema):
    """A new screen token: where it hangs, and the unit it shows (the caller's own by default)."""

    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=40),
                            metadata={"example": "街道指挥中心大屏"})
    unit_id = ma.fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class ScreenUnit(ma.Schema):
    """A unit of the tree."""

    id = ma.fields.Integer()
    kind = ma.fields.String()
    name = ma.fields.String()


class ScreenTokenOut(ma.Schema):
    """A screen token as staff see it."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    unit = ma.fields.Nested(ScreenUnit)
    created_at = ma.fields.AwareDateTime()
    revoked_at = ma.fields.AwareDateTime(allow_none=True)
    last_seen_at = ma.fields.AwareDateTime(allow_none=True)
    active = ma.fields.Boolean()


class ScreenTokenCreated(ScreenTokenOut):
    """A new token: the secret is shown this once (only its hash is kept)."""

    token = ma.fields.String(metadata={"description": "以 scr_ 开头；大屏以 Authorization: Bearer 携带"})


class ScreenToday(ma.Schema):
    """ScreenToday's counters."""

    from_ = ma.fields.AwareDateTime(data_key="from", attribute="from")
    filed = ma.fields.Integer()
    accepted = ma.fields.Integer()
    closed = ma.fields.Integer()
    overdue = ma.fields.Integer()


class ScreenDefinition(ma.Schema):
    """What a counter counts."""

    key = ma.fields.String()
    text = ma.fields.String()


class ScreenRate(Rate):
    """One of the month's 三率."""

    key = ma.fields.String()
    name = ma.fields.String()


class ScreenMonth(ma.Schema):
    """The month so far."""

    from_ = ma.fields.AwareDateTime(data_key="from", attribute="from")
    cases = ma.fields.Integer()
    rates = ma.fields.List(ma.fields.Nested(ScreenRate))


class ScreenWishes(ma.Schema):
    """The wish board: waiting to be claimed, claimed, fulfilled (incl. confirmed)."""

    waiting = ma.fields.Integer()
    claimed = ma.fields.Integer()
    fulfilled = ma.fields.Integer()


class ScreenTopRider(ma.Schema):
    """A month's points leader, name shortened."""

    rank = ma.fields.Integer()
    name = ma.fields.String()
    platform = ma.fields.String()
    points = ma.fields.Integer()


class ScreenRiders(ma.Schema):
    """Verified riders, riders holding a governance post, the month's leaders."""

    verified = ma.fields.Integer()
    on_duty = ma.fields.Integer()
    month = ma.fields.String()
    top = ma.fields.List(ma.fields.Nested(ScreenTopRider))


class ScreenLatest(ma.Schema):
    """A newest case, without who filed it."""

    id = ma.fields.Integer()
    category = ma.fields.String()
    grid = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    status_label = ma.fields.String()
    created_at = ma.fields.AwareDateTime()


class ScreenPoint(ma.Schema):
    """One of today's reports on the map (GCJ-02)."""

    id = ma.fields.Integer()
    lat = ma.fields.Float()
    lng = ma.fields.Float()
    status = ma.fields.String()
    category = ma.fields.String()


class ScreenData(ma.Schema):
    """Everything the wall shows."""

    unit = ma.fields.Nested(ScreenUnit)
    as_of = ma.fields.AwareDateTime()
    today = ma.fields.Nested(ScreenToday)
    counter_definitions = ma.fields.List(ma.fields.Nested(ScreenDefinition))
    month = ma.fields.Nested(ScreenMonth)
    wishes = ma.fields.Nested(ScreenWishes)
    riders = ma.fields.Nested(ScreenRiders)
    latest = ma.fields.List(ma.fields.Nested(ScreenLatest))
    points = ma.fields.List(ma.fields.Nested(ScreenPoint))


class ScreenGrid(ma.Schema):
    """A grid of the screen's unit with its polygon (GCJ-02 GeoJSON)."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    community_id = ma.fields.Integer(allow_none=True)
    geometry = ma.fields.Dict(allow_none=True)
