"""Request and response shapes of the console's own endpoints."""

import marshmallow as ma
from marshmallow import validate

from suishoupai.auth.schemas import Me
from suishoupai.fields import Id, Instant
from suishoupai.pagination import PageArgs
from suishoupai.reports import queue
from suishoupai.reports.lifecycle import Status
from suishoupai.reports.schemas import ReportItem


class TicketOpened(ma.Schema):
    """A new ticket: the QR carries ``ticket``; ``key`` stays in the browser that opened it."""

    ticket = ma.fields.String(metadata={"description": "what the QR carries (the mini-program code's scene)"})
    key = ma.fields.String(metadata={"description": "send as X-Ticket-Key when polling; never shown"})
    expires_at = ma.fields.AwareDateTime()
    qr_url = ma.fields.String()
    scene = ma.fields.String()


class TicketKey(ma.Schema):
    """The browser's proof that it opened the ticket."""

    key = ma.fields.String(data_key="X-Ticket-Key", load_default=None,
                           validate=validate.Length(1, 128),
                           metadata={"description": "the key answered when the ticket was opened"})


class TicketState(ma.Schema):
    """Where a ticket stands; ``token`` and ``user`` come once, on the first poll after approval."""

    status = ma.fields.String(validate=validate.OneOf(["pending", "approved", "expired", "used"]))
    token = ma.fields.String()
    expires_at = ma.fields.AwareDateTime()
    user = ma.fields.Nested(Me)


class QueueFilters(ma.Schema):
    """The queue's filters (also what a saved filter keeps)."""

    unit_id = Id(strict=False, metadata={"description": "a unit of the caller's reach (GET /admin/org)"})
    grid_id = Id(strict=False)
    category = ma.fields.String(validate=validate.Length(1, 32), metadata={"description": "category code"})
    status = ma.fields.String(validate=validate.OneOf([s.value for s in Status]))
    department_id = Id(strict=False)
    assignee_id = Id(strict=False)
    lateness = ma.fields.String(validate=validate.OneOf(["on_time", "late", "late3"]),
                                metadata={"description": "late3: at least three times the allowed time"})
    satisfaction = ma.fields.String(validate=validate.OneOf(list(queue.SATISFACTION) + ["unrated"]),
                                    metadata={"description": "rating 4–5, 3, 1–2, or none"})
    from_ = Instant(data_key="from", attribute="from", metadata={"description": "filed at or after"})
    to = Instant(metadata={"description": "filed before"})
    q = ma.fields.String(validate=validate.Length(1, 50),
                         metadata={"description": "text in the description or address"})


class QueueArgs(QueueFilters, PageArgs):
    """?tab= and the filters."""

    tab = ma.fields.String(required=True, validate=validate.OneOf(queue.TABS))


class QueueItem(ReportItem):
    """A queue card: the list card with the current handler's clock."""

    due_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "the current deadline"})
    seconds_left = ma.fields.Integer(allow_none=True, metadata={"description": "negative when over"})
    late_factor = ma.fields.Float(allow_none=True, metadata={"description": "elapsed over allowed time"})


class QueueCounts(ma.Schema):
    """Cases per tab in the caller's reach."""

    dispatch = ma.fields.Integer(metadata={"description": "待派单"})
    accept = ma.fields.Integer(metadata={"description": "待受理"})
    in_progress = ma.fields.Integer(metadata={"description": "处理中"})
    overdue = ma.fields.Integer(metadata={"description": "已超时"})
    flagged = ma.fields.Integer(metadata={"description": "待核查 (admins; 0 for others)"})
    moderation = ma.fields.Integer(metadata={"description": "待审核 (admins; 0 for others)"})
    as_of = ma.fields.AwareDateTime()


class SavedFilterIn(ma.Schema):
    """A filter to keep under a name."""

    name = ma.fields.String(required=True, validate=validate.Length(1, 40))
    tab = ma.fields.String(required=True, validate=validate.OneOf(queue.TABS))
    filters = ma.fields.Nested(QueueFilters, load_default=dict,
                               metadata={"description": "the queue's query arguments (no cursor or limit)"})


class SavedFilter(ma.Schema):
    """A kept filter."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    tab = ma.fields.String()
    filters = ma.fields.Dict(metadata={"description": "the queue arguments, as GET /admin/queue takes them"})
    created_at = ma.fields.AwareDateTime()


class SavedFilters(ma.Schema):
    """{items: [...]}."""

    items = ma.fields.List(ma.fields.Nested(SavedFilter))


class Ref(ma.Schema):
    """{id, name}."""

    id = ma.fields.Integer()
    name = ma.fields.String()


class MemberLoad(ma.Schema):
    """A grid member's open and overdue cases in one grid they serve."""

    user_id = ma.fields.Integer()
    name = ma.fields.String()
    grid = ma.fields.Nested(Ref)
    open = ma.fields.Integer()
    overdue = ma.fields.Integer()


class DepartmentLoad(Ref):
    """A department's open and overdue cases in the caller's reach."""

    open = ma.fields.Integer()
    overdue = ma.fields.Integer()


class LoadBoard(ma.Schema):
    """The load board (调度)."""

    members = ma.fields.List(ma.fields.Nested(MemberLoad))
    departments = ma.fields.List(ma.fields.Nested(DepartmentLoad))


class MapPoint(ma.Schema):
    """An open case on the map (GCJ-02)."""

    id = ma.fields.Integer()
    lat = ma.fields.Float()
    lng = ma.fields.Float()
    status = ma.fields.String()
    urgency = ma.fields.String(metadata={"enum": ["green", "yellow", "red"]})


class GridMap(ma.Schema):
    """Grids with their load, and open cases as points; polygons come from GET /admin/grids."""

    grids = ma.fields.List(ma.fields.Nested(DepartmentLoad))
    reports = ma.fields.List(ma.fields.Nested(MapPoint))
    truncated = ma.fields.Boolean(metadata={"description": "more open cases than the map shows"})
