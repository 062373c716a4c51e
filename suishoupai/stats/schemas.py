"""Shapes of the stats endpoints."""

import re

import marshmallow as ma
from marshmallow import validate

from suishoupai.fields import MAX_ID, Instant
from suishoupai.stats.tables import TABLES

SCOPE_PATTERN = r"^(grid|community|street|district):[1-9][0-9]{0,9}$"


class ScopeField(ma.fields.String):
    """`kind:id`, e.g. `district:1`, loaded as (kind, id)."""

    default_error_messages = {"invalid_scope": "格式应为 grid:ID、community:ID、street:ID 或 district:ID"}

    def __init__(self, **kwargs):
        """The pattern goes into the OpenAPI document; the check itself is in _deserialize."""
        kwargs.setdefault("metadata", {})["pattern"] = SCOPE_PATTERN
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        """Split kind and id; an id beyond the id range is refused like bad syntax."""
        text = super()._deserialize(value, attr, data, **kwargs)
        match = re.fullmatch(SCOPE_PATTERN, text)
        if not match or int(text.split(":")[1]) > MAX_ID:
            raise self.make_error("invalid_scope")
        kind, unit_id = text.split(":")
        return kind, int(unit_id)


class SummaryArgs(ma.Schema):
    """?scope=kind:id&from=&to= (cases filed in [from, to); the last 30 days by default)."""

    scope = ScopeField(required=True, metadata={"example": "district:1"})
    from_ = Instant(data_key="from", attribute="from")
    to = Instant()


class CsvArgs(SummaryArgs):
    """The summary's arguments and which table the file holds."""

    table = ma.fields.String(load_default="overview", validate=validate.OneOf(list(TABLES)),
                             metadata={"description": "overview 总览 | grids 按网格 | departments 按部门 "
                                                      "| categories 按类别 | statuses 按状态 "
                                                      "| definitions 口径说明"})


class TrendArgs(SummaryArgs):
    """The summary's arguments and the size of a step."""

    bucket = ma.fields.String(load_default="day", validate=validate.OneOf(["day", "week", "month"]),
                              metadata={"description": "day 按日 | week 按周（周一起）"
                                                       "| month 按月（北京时间）"})


class UnitsArgs(SummaryArgs):
    """The summary's arguments and the level to break the scope down into."""

    level = ma.fields.String(required=True,
                             validate=validate.OneOf(["street", "community", "grid", "department"]),
                             metadata={"description": "street 街道 | community 社区 | grid 网格 "
                                                      "| department 部门；须低于统计范围的层级"})


class Rate(ma.Schema):
    """A rate with its counts; rank among rows with enough sample (null otherwise or where not ranked)."""

    value = ma.fields.Float(allow_none=True, metadata={"description": "numerator / denominator, null on 0/0"})
    numerator = ma.fields.Integer()
    denominator = ma.fields.Integer()
    rank = ma.fields.Integer(allow_none=True)


class Rates(ma.Schema):
    """The seven rates."""

    response_rate = ma.fields.Nested(Rate, metadata={"description": "响应率"})
    closure_rate = ma.fields.Nested(Rate, metadata={"description": "办结率"})
    on_time_resolution_rate = ma.fields.Nested(Rate, metadata={"description": "按时办结率"})
    satisfaction_rate = ma.fields.Nested(Rate, metadata={"description": "满意率"})
    reopened_share = ma.fields.Nested(Rate, metadata={"description": "重新办理率"})
    transfer_rate = ma.fields.Nested(Rate, metadata={"description": "转办率"})
    first_contact_rate = ma.fields.Nested(Rate, metadata={"description": "首接办结率"})


class Hours(ma.Schema):
    """Mean, median and p90 hours over n clocks."""

    mean = ma.fields.Float(allow_none=True)
    median = ma.fields.Float(allow_none=True)
    p90 = ma.fields.Float(allow_none=True)
    n = ma.fields.Integer()


class HoursPair(ma.Schema):
    """Hours to accept and to resolve."""

    to_accept = ma.fields.Nested(Hours)
    to_resolve = ma.fields.Nested(Hours)


class Figures(ma.Schema):
    """Counts, rates and hours of the scope or of one row."""

    cases = ma.fields.Integer()
    rejected = ma.fields.Integer()
    valid = ma.fields.Integer()
    open = ma.fields.Integer()
    overdue_open = ma.fields.Integer()
    rates = ma.fields.Nested(Rates)
    hours = ma.fields.Nested(HoursPair)


class UnitFigures(Figures):
    """A grid or department row; a null id is the cases that fell in no grid."""

    id = ma.fields.Integer(allow_none=True)
    name = ma.fields.String()


class CategoryFigures(Figures):
    """A category row."""

    code = ma.fields.String()
    name = ma.fields.String()


class StatusCount(ma.Schema):
    """Cases in one status."""

    status = ma.fields.String()
    label = ma.fields.String()
    count = ma.fields.Integer()


class RateDefinition(ma.Schema):
    """How a rate is counted."""

    key = ma.fields.String()
    name = ma.fields.String()
    basis = ma.fields.String(metadata={"enum": ["case", "clock"]})
    numerator = ma.fields.String()
    denominator = ma.fields.String()
    exclusions = ma.fields.String()
    unrated = ma.fields.String()
    higher_is_better = ma.fields.Boolean()
    min_sample = ma.fields.Integer()


class HoursDefinition(ma.Schema):
    """How an hours figure is measured."""

    key = ma.fields.String()
    name = ma.fields.String()
    measure = ma.fields.String()


class ScopeOut(ma.Schema):
    """The unit the figures cover."""

    kind = ma.fields.String()
    id = ma.fields.Integer()
    name = ma.fields.String()


class Summary(ma.Schema):
    """The stats summary with its definitions."""

    scope = ma.fields.Nested(ScopeOut)
    from_ = ma.fields.AwareDateTime(data_key="from", attribute="from")
    to = ma.fields.AwareDateTime()
    as_of = ma.fields.AwareDateTime()
    min_sample = ma.fields.Integer()
    definitions = ma.fields.List(ma.fields.Nested(RateDefinition))
    hours_definitions = ma.fields.List(ma.fields.Nested(HoursDefinition))
    notes = ma.fields.List(ma.fields.String())
    totals = ma.fields.Nested(Figures)
    by_status = ma.fields.List(ma.fields.Nested(StatusCount))
    by_category = ma.fields.List(ma.fields.Nested(CategoryFigures))
    by_grid = ma.fields.List(ma.fields.Nested(UnitFigures))
    by_department = ma.fields.List(ma.fields.Nested(UnitFigures))


class Header(ma.Schema):
    """Scope, window, when counted and the definitions, as the summary gives them."""

    scope = ma.fields.Nested(ScopeOut)
    from_ = ma.fields.AwareDateTime(data_key="from", attribute="from")
    to = ma.fields.AwareDateTime()
    as_of = ma.fields.AwareDateTime()
    min_sample = ma.fields.Integer()
    definitions = ma.fields.List(ma.fields.Nested(RateDefinition))
    hours_definitions = ma.fields.List(ma.fields.Nested(HoursDefinition))


class TrendPoint(Figures):
    """One bucket of the window: its label, bounds and figures."""

    name = ma.fields.String(metadata={"description": "2026-12-01 | 2026-11-30起一周 | 2026-12"})
    from_ = ma.fields.AwareDateTime(data_key="from", attribute="from")
    to = ma.fields.AwareDateTime()


class Trend(Header):
    """The scope's figures per bucket."""

    bucket = ma.fields.String()
    points = ma.fields.List(ma.fields.Nested(TrendPoint))


class Units(Header):
    """The figures of each unit of a level."""

    level = ma.fields.String()
    rows = ma.fields.List(ma.fields.Nested(UnitFigures))
