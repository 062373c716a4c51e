"""Shapes of the 随手拍 endpoints."""

import marshmallow as ma
from marshmallow import validate

from suishoupai.auth.schemas import DepartmentRef
from suishoupai.fields import Id, Instant, StrictBoolean
from suishoupai.org.geo import COORD_TYPES
from suishoupai.org.schemas import CoordArgs, MemberCard
from suishoupai.pagination import PageArgs
from suishoupai.reports.deadlines import Unit
from suishoupai.reports.lifecycle import Status

UNITS = [u.value for u in Unit]


class Location(ma.Schema):
    """A spot as the phone gave it."""

    lat = ma.fields.Float(required=True, validate=validate.Range(-90, 90), allow_nan=False)
    lng = ma.fields.Float(required=True, validate=validate.Range(-180, 180), allow_nan=False)
    coord_type = ma.fields.String(required=True, validate=validate.OneOf(COORD_TYPES))


class ReportCreate(ma.Schema):
    """A new report: category, what and where, 1–9 photos uploaded first via POST /media."""

    category = ma.fields.String(required=True, validate=validate.Length(1, 32))
    description = ma.fields.String(required=True, validate=validate.Length(5, 500))
    location = ma.fields.Nested(Location, required=True)
    address = ma.fields.String(validate=validate.Length(max=200), allow_none=True)
    media_ids = ma.fields.List(Id(), required=True, validate=validate.Length(1, 9))
    public = StrictBoolean(load_default=True)

    @ma.validates("media_ids")
    def _distinct(self, value, **_kwargs):
        """The same photo twice is a client bug worth saying."""
        if len(set(value)) != len(value):
            raise ma.ValidationError("照片重复")


class ReportQuery(CoordArgs, PageArgs):
    """?scope=&status=&category=&from=&to= on the report lists."""

    scope = ma.fields.String(load_default="mine",
                             validate=validate.OneOf(["mine", "assigned", "grid", "community", "public"]))
    status = ma.fields.String(validate=validate.OneOf([s.value for s in Status] + ["open", "overdue"]))
    category = ma.fields.String(validate=validate.Length(1, 32))
    from_ = Instant(data_key="from", attribute="from")
    to = Instant()
    flagged = ma.fields.Boolean(metadata={"description": "admins: with after-photo flags not yet reviewed"})


class ReporterContact(ma.Schema):
    """The reporter's name and full phone, for the staff handling the case (recorded)."""

    name = ma.fields.String()
    phone = ma.fields.String(allow_none=True, metadata={"description": "null when the reporter gave none"})


class ReassignBody(ma.Schema):
    """Give the case to another grid member."""

    assignee_id = Id(required=True)
    note = ma.fields.String(validate=validate.Length(max=500), allow_none=True)


class HandoverBody(ma.Schema):
    """Move all open cases to another grid member."""

    to_user_id = Id(required=True)


class HandoverResult(ma.Schema):
    """How many cases moved."""

    moved = ma.fields.Integer()


class CategoryRef(ma.Schema):
    """{code, name}."""

    code = ma.fields.String()
    name = ma.fields.String()


class Photo(ma.Schema):
    """A photo's URLs."""

    id = ma.fields.Integer()
    url = ma.fields.String()
    thumb_url = ma.fields.String()


class LocationOut(ma.Schema):
    """A spot in the requested datum."""

    lat = ma.fields.Float()
    lng = ma.fields.Float()
    coord_type = ma.fields.String()


class ReportCard(ma.Schema):
    """What every report card shows: category, text, status and spot."""

    id = ma.fields.Integer()
    category = ma.fields.Nested(CategoryRef)
    description = ma.fields.String()
    status = ma.fields.String(metadata={"enum": [st.value for st in Status]})
    status_label = ma.fields.String()
    location = ma.fields.Nested(LocationOut)


class ReportItem(ReportCard):
    """A report as a list card."""

    address = ma.fields.String(allow_none=True)
    public = ma.fields.Boolean()
    moderation = ma.fields.String(metadata={
        "enum": ["pending", "pass", "review", "risky"],
        "description": "内容安全：pending 审核中，pass 通过，review 人工复核，"
                       "risky 不予展示（仅本人与工作人员可见）",
    })
    grid = ma.fields.Nested(DepartmentRef, allow_none=True)
    community = ma.fields.Nested(DepartmentRef, allow_none=True)
    department = ma.fields.Nested(DepartmentRef, allow_none=True)
    assignee = ma.fields.Nested(MemberCard, allow_none=True)
    reporter = ma.fields.Nested(DepartmentRef, metadata={"description": "staff only"})
    escalation_level = ma.fields.Integer()
    accept_due_at = ma.fields.AwareDateTime(allow_none=True)
    resolve_due_at = ma.fields.AwareDateTime(allow_none=True)
    overdue = ma.fields.Boolean()
    urgency = ma.fields.String(metadata={"enum": ["green", "yellow", "red"]})
    accepted_at = ma.fields.AwareDateTime(allow_none=True)
    resolved_at = ma.fields.AwareDateTime(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    rating = ma.fields.Integer(allow_none=True)
    reopen_count = ma.fields.Integer()
    duplicate_of = ma.fields.Integer(allow_none=True)
    reject_reason = ma.fields.String(allow_none=True)
    thumb_url = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    follower_count = ma.fields.Integer()
    following = ma.fields.Boolean()


class TimelineEntry(ma.Schema):
    """One step of the case."""

    action = ma.fields.String()
    label = ma.fields.String()
    actor = ma.fields.String()
    actor_role = ma.fields.String()
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    data = ma.fields.Dict()
    photos = ma.fields.List(ma.fields.Nested(Photo))
    at = ma.fields.AwareDateTime()


class Handler(ma.Schema):
    """The party holding the case: a grid, a department, or the community or street it went up or back to."""

    party = ma.fields.String(metadata={"enum": ["grid", "department", "community", "street"]})
    party_label = ma.fields.String()
    id = ma.fields.Integer(allow_none=True)
    name = ma.fields.String()
    assignee = ma.fields.Nested(DepartmentRef, allow_none=True, metadata={"description": "staff only"})


class Stint(Handler):
    """One party's stint with its own clock; accept and resolve say whether each deadline was met."""

    started_at = ma.fields.DateTime()
    accept_due_at = ma.fields.DateTime(allow_none=True)
    resolve_due_at = ma.fields.DateTime(allow_none=True)
    accepted_at = ma.fields.DateTime(allow_none=True)
    resolved_at = ma.fields.DateTime(allow_none=True)
    ended_at = ma.fields.DateTime(allow_none=True)
    accept = ma.fields.String(allow_none=True, metadata={
        "enum": ["met", "missed", "pending"],
        "description": "受理时限：met 按时（受理或转出），missed 超时，pending 未到期"})
    resolve = ma.fields.String(allow_none=True, metadata={
        "enum": ["met", "missed", "pending"],
        "description": "办结时限；null 表示在时限内已转出，不计办结"})


class ReportDetail(ReportItem):
    """A report with photos, timeline and the steps open to the caller."""

    photos = ma.fields.List(ma.fields.Nested(Photo))
    rating_comment = ma.fields.String(allow_none=True)
    actions = ma.fields.List(ma.fields.String())
    handler = ma.fields.Nested(Handler, allow_none=True,
                               metadata={"description": "who holds the case now (not on the public board)"})
    stints = ma.fields.List(ma.fields.Nested(Stint), metadata={"description": "staff only"})
    grid_revision_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "staff only: the boundary revision whose grids routed the report"})
    timeline = ma.fields.List(ma.fields.Nested(TimelineEntry))
    flags = ma.fields.List(ma.fields.Nested(lambda: AfterPhotoFlag()),
                           metadata={"description": "admins only"})


class CategoryOut(ma.Schema):
    """A category with its deadlines."""

    code = ma.fields.String()
    name = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    accept_amount = ma.fields.Integer()
    accept_unit = ma.fields.String()
    resolve_amount = ma.fields.Integer()
    resolve_unit = ma.fields.String()
    default_department_id = ma.fields.Integer(allow_none=True)
    route_to_department = ma.fields.Boolean()
    needs_after_photo = ma.fields.Boolean()
    escalate_community_factor = ma.fields.Float()
    escalate_street_factor = ma.fields.Float()
    active = ma.fields.Boolean()
    sort_order = ma.fields.Integer()


class CategoryIn(ma.Schema):
    """A new category (admins)."""

    code = ma.fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,31}$"))
    name = ma.fields.String(required=True, validate=validate.Length(1, 32))
    description = ma.fields.String(validate=validate.Length(max=200), allow_none=True)
    accept_amount = ma.fields.Integer(required=True, strict=True, validate=validate.Range(1, 1000))
    accept_unit = ma.fields.String(required=True, validate=validate.OneOf(UNITS))
    resolve_amount = ma.fields.Integer(required=True, strict=True, validate=validate.Range(1, 1000))
    resolve_unit = ma.fields.String(required=True, validate=validate.OneOf(UNITS))
    default_department_id = Id(allow_none=True)
    route_to_department = StrictBoolean()
    needs_after_photo = StrictBoolean()
    escalate_community_factor = ma.fields.Float(validate=validate.Range(0.1, 100), allow_nan=False)
    escalate_street_factor = ma.fields.Float(validate=validate.Range(0.1, 100), allow_nan=False)
    active = StrictBoolean()
    sort_order = ma.fields.Integer(strict=True, validate=validate.Range(0, 10_000))

    @ma.validates_schema
    def _factors_in_order(self, data, **_kwargs):
        """The street is reached later than the community."""
        community = data.get("escalate_community_factor")
        street = data.get("escalate_street_factor")
        if community is not None and street is not None and street <= community:
            raise ma.ValidationError("上报街道的倍数须大于上报社区的倍数", "escalate_street_factor")


class CategoryPatch(CategoryIn):
    """Changes to a category (code stays)."""

    class Meta:
        exclude = ("code",)

    def __init__(self, *args, **kwargs):
        """Every field optional."""
        super().__init__(*args, partial=True, **kwargs)


class CalendarDayIn(ma.Schema):
    """A holiday (false), a make-up working day (true), or null to remove the exception."""

    is_workday = StrictBoolean(required=True, allow_none=True)
    note = ma.fields.String(validate=validate.Length(max=50), allow_none=True)


class CalendarDayOut(ma.Schema):
    """An exception to Mon–Fri."""

    day = ma.fields.Date()
    is_workday = ma.fields.Boolean()
    note = ma.fields.String(allow_none=True)


class YearArgs(ma.Schema):
    """?year=."""

    year = ma.fields.Integer(required=True, validate=validate.Range(2000, 2100))


class NearbyArgs(CoordArgs):
    """?lat&lng&coord_type&category: where the resident stands and what they are about to file."""

    lat = ma.fields.Float(required=True, validate=validate.Range(-90, 90), allow_nan=False)
    lng = ma.fields.Float(required=True, validate=validate.Range(-180, 180), allow_nan=False)
    category = ma.fields.String(validate=validate.Length(1, 32),
                                metadata={"description": "category code; every category when absent"})


class NearbyItem(ReportCard):
    """An open report close by, as the public may see it."""

    distance_m = ma.fields.Integer(metadata={"description": "to the nearest 10 m"})
    follower_count = ma.fields.Integer()
    following = ma.fields.Boolean()
    mine = ma.fields.Boolean()
    thumb_url = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class NearbyResult(ma.Schema):
    """At most 5 reports, nearest first."""

    items = ma.fields.List(ma.fields.Nested(NearbyItem))


class FollowState(ma.Schema):
    """Whether the caller follows (附议) the report, and how many do."""

    report_id = ma.fields.Integer()
    follower_count = ma.fields.Integer()
    following = ma.fields.Boolean()


class Suspect(ReportItem):
    """A suspected duplicate with the reasons: nearby (same category, close in space and time), photo."""

    distance_m = ma.fields.Float()
    reasons = ma.fields.List(ma.fields.String(metadata={"enum": ["nearby", "photo"]}))
    photo_bits = ma.fields.Integer(allow_none=True, metadata={"description": "perceptual hash distance"})


class SuspectList(ma.Schema):
    """Suspected duplicates, the same picture first, then nearest."""

    items = ma.fields.List(ma.fields.Nested(Suspect))


class CaseGrid(ma.Schema):
    """A grid's outline on a case file's map."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    community_id = ma.fields.Integer(allow_none=True)
    geometry = ma.fields.Dict(allow_none=True, metadata={"description": "GeoJSON Polygon/MultiPolygon"})


class CaseGrids(ma.Schema):
    """The case's grid and the other grids of its community, outlines in the requested datum."""

    grid_id = ma.fields.Integer(allow_none=True, metadata={"description": "the case's own grid"})
    coord_type = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(CaseGrid))


class MergeBody(ma.Schema):
    """Merge this report into an original: rejected as its duplicate, followers moved."""

    into = Id(required=True)
    reason = ma.fields.String(validate=validate.Length(1, 200), allow_none=True)


class FlagReviewBody(ma.Schema):
    """An admin's note on the flags they looked at."""

    note = ma.fields.String(validate=validate.Length(max=200), allow_none=True)


class AfterPhotoFlag(ma.Schema):
    """Something about an after-photo for the admin to look at."""

    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": ["same_as_before", "reused_photo", "far_from_report"]})
    label = ma.fields.String()
    photo = ma.fields.Nested(Photo)
    matched_photo = ma.fields.Nested(Photo, allow_none=True)
    matched_report_id = ma.fields.Integer(allow_none=True)
    distance = ma.fields.Float(metadata={"description": "hash bits, or metres for far_from_report"})
    created_at = ma.fields.AwareDateTime()
    reviewed_at = ma.fields.AwareDateTime(allow_none=True)
    review_note = ma.fields.String(allow_none=True)
