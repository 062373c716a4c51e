"""Shapes of the org endpoints."""

import marshmallow as ma
from marshmallow import validate

from suishoupai.fields import Id
from suishoupai.org.geo import COORD_TYPES
from suishoupai.org.models import Duty
from suishoupai.pagination import PageArgs


class CoordArgs(ma.Schema):
    """?coord_type= for answers that carry coordinates (GCJ-02 by default, as maps draw)."""

    coord_type = ma.fields.String(load_default="gcj02", validate=validate.OneOf(COORD_TYPES))


class LocateArgs(ma.Schema):
    """A spot on the map."""

    lat = ma.fields.Float(required=True, validate=validate.Range(-90, 90), allow_nan=False)
    lng = ma.fields.Float(required=True, validate=validate.Range(-180, 180), allow_nan=False)
    coord_type = ma.fields.String(required=True, validate=validate.OneOf(COORD_TYPES))


class UnitRef(ma.Schema):
    """A short reference to an org unit."""

    id = ma.fields.Integer()
    kind = ma.fields.String()
    name = ma.fields.String()
    code = ma.fields.String()


class MemberCard(ma.Schema):
    """A grid member as a resident sees them."""

    name = ma.fields.String()
    phone = ma.fields.String(allow_none=True, metadata={"description": "masked"})


class Located(ma.Schema):
    """Who handles a spot. ``inside`` is false when the spot is in no grid (community queue)."""

    inside = ma.fields.Boolean()
    grid = ma.fields.Nested(UnitRef, allow_none=True)
    community = ma.fields.Nested(UnitRef)
    street = ma.fields.Nested(UnitRef, allow_none=True)
    member = ma.fields.Nested(MemberCard, allow_none=True)


class TreeNode(UnitRef):
    """A unit with its children."""

    children = ma.fields.List(ma.fields.Nested(lambda: TreeNode()))


class GridArgs(CoordArgs, PageArgs):
    """Filter of the grid listing."""

    community = Id(strict=False)


class GridMemberOut(ma.Schema):
    """A member of a grid as staff see them."""

    user_id = ma.fields.Integer()
    duty = ma.fields.String()
    name = ma.fields.String()


class Grid(UnitRef):
    """A grid with its boundary in the requested coordinate type."""

    parent_id = ma.fields.Integer(allow_none=True)
    community_id = ma.fields.Integer(allow_none=True)
    area_m2 = ma.fields.Float(allow_none=True)
    coord_type = ma.fields.String()
    geometry = ma.fields.Dict(allow_none=True, metadata={"description": "GeoJSON Polygon/MultiPolygon"})
    members = ma.fields.List(ma.fields.Nested(GridMemberOut))


class ImportArgs(ma.Schema):
    """The datum the file was drawn in."""

    coord_type = ma.fields.String(required=True, validate=validate.OneOf(COORD_TYPES))


class FeatureCollection(ma.Schema):
    """A GeoJSON FeatureCollection; each feature's properties: code, name, kind, parent."""

    class Meta:
        unknown = ma.EXCLUDE  # files drawn by map tools carry "crs", "name", "bbox", …

    type = ma.fields.String(required=True, validate=validate.Equal("FeatureCollection"))
    features = ma.fields.List(ma.fields.Dict(), required=True, validate=validate.Length(min=1))


class Overlap(ma.Schema):
    """Two sibling units whose polygons overlap."""

    a = ma.fields.String()
    b = ma.fields.String()
    area_m2 = ma.fields.Float()


class Gap(ma.Schema):
    """Area of a parent that none of its children covers."""

    parent = ma.fields.String()
    area_m2 = ma.fields.Float()


class ImportSummary(ma.Schema):
    """What an import did and what it found."""

    created = ma.fields.Integer()
    updated = ma.fields.Integer()
    by_kind = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    repaired = ma.fields.List(ma.fields.String(), metadata={
        "description": "codes whose polygon was invalid (e.g. self-intersecting) and was repaired"})
    overlaps = ma.fields.List(ma.fields.Nested(Overlap))
    gaps = ma.fields.List(ma.fields.Nested(Gap))


class MemberIn(ma.Schema):
    """Put a user on a grid."""

    user_id = Id(required=True)
    duty = ma.fields.String(load_default=Duty.ON_DUTY.value,
                            validate=validate.OneOf([d.value for d in Duty]))




class DepartmentOut(ma.Schema):
    """A functional department."""

    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
