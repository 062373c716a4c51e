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
    dry_run = ma.fields.Boolean(truthy={"true", "1"}, falsy={"false", "0"}, load_default=False, metadata={
        "description": "只检查并预览影响（新增、变更的网格，所在网格将改变的在办案件），不写入"})


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
    dry_run = ma.fields.Boolean()
    revision_id = ma.fields.Integer(metadata={"description": "the revision written (not on a dry run)"})
    effect = ma.fields.Nested(lambda: ImportEffect())


class MovedCase(ma.Schema):
    """An open case whose spot the new boundaries put in another grid (or in none)."""

    report_id = ma.fields.Integer()
    from_ = ma.fields.String(data_key="from", attribute="from", allow_none=True)
    to = ma.fields.String(allow_none=True)


class ImportEffect(ma.Schema):
    """What the import does to grids and to open cases (worked out before anything is written)."""

    added = ma.fields.List(ma.fields.String())
    changed = ma.fields.List(ma.fields.String(), metadata={"description": "redrawn, renamed or moved"})
    removed = ma.fields.List(ma.fields.String(), metadata={"description": "an import never removes a grid"})
    unlisted = ma.fields.List(ma.fields.String(), metadata={
        "description": "grids under the same parents the file leaves out; they keep their boundary"})
    open_cases_moved = ma.fields.Integer()
    moved = ma.fields.List(ma.fields.Nested(MovedCase), metadata={"description": "the first 200"})


class RevisionOut(ma.Schema):
    """A boundary revision: one import or change of boundaries."""

    id = ma.fields.Integer()
    note = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    grids_redrawn = ma.fields.Integer()


class GridBoundaryOut(ma.Schema):
    """A grid's boundary as one revision drew it (valid_to null: in force)."""

    revision_id = ma.fields.Integer(allow_none=True)
    valid_from = ma.fields.AwareDateTime()
    valid_to = ma.fields.AwareDateTime(allow_none=True)
    geometry = ma.fields.Dict()


class MemberIn(ma.Schema):
    """Put a user on a grid."""

    user_id = Id(required=True)
    duty = ma.fields.String(load_default=Duty.ON_DUTY.value,
                            validate=validate.OneOf([d.value for d in Duty]))


class HandoverIn(ma.Schema):
    """Hand a grid's duty from its on-duty member to another one, in one step."""

    from_user_id = Id(required=True, metadata={"description": "the member on duty now"})
    to_user_id = Id(required=True, metadata={
        "description": "who takes over: a member of this grid or another person in reach"})
    old = ma.fields.String(load_default="backup", validate=validate.OneOf(["backup", "remove"]),
                           metadata={"description": "backup: stays as backup; remove: leaves the grid"})


class DepartmentOut(ma.Schema):
    """A functional department."""

    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
