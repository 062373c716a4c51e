"""Who sees which reports, and the lists; one visibility rule serves detail, steps and lists."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import ColumnElement, Select, bindparam, case, false, func, literal, or_, select
from sqlalchemy.orm import aliased

from suishoupai.auth.models import ADMIN_ROLES, Role, User
from suishoupai.database import utcnow
from suishoupai.errors import Forbidden, NotFound
from suishoupai.extensions import db
from suishoupai.media.models import Media
from suishoupai.org.actor import Actor
from suishoupai.org.models import Department, OrgUnit
from suishoupai.org.scope import placed_party, placed_within, placed_within_bound
from suishoupai.pagination import keyset_run, keyset_select
from suishoupai.reports.lifecycle import OPEN, Case, Party, Status
from suishoupai.reports.models import Category, Report, ReportFlag, ReportFollow, ReportHandling, ReportPhoto


def _staff_clause(actor: Actor) -> ColumnElement[bool]:
    """Reports the caller works on by role: their grids, their department's, their unit's."""
    if actor.role == Role.DEPARTMENT:
        return Report.department_id == actor.department_id if actor.department_id else false()
    return placed_within(actor, Report.grid_id, Report.community_id, Report.street_id, Report.district_id)


def on_public_board() -> ColumnElement[bool]:
    """Reports anyone may see: public, not rejected, and passed by content security."""
    return Report.public.is_(True) & (Report.moderation == "pass") & (Report.status != Status.REJECTED)
def worked_by(actor: Actor) -> ColumnElement[bool]:
    """Reports the caller works on (not merely may read): their grids, department or unit."""
    return _staff_clause(actor)


def visible(actor: Actor) -> ColumnElement[bool]:
    """Everything the caller may open: own reports, the public board, and their work."""
    return or_(Report.reporter_id == actor.user_id, on_public_board(), _staff_clause(actor))


def get_visible(actor: Actor, report_id: int) -> Report:
    """A report the caller may see; anything else is "not found"."""
    report = db.session.scalars(select(Report).where(Report.id == report_id, visible(actor))).first()
    if report is None:
        raise NotFound("案件不存在", code="report.not_found")
    return report


def load_for_update(actor: Actor, report_id: int, missing_ok: bool = False) -> Report | None:
    """Lock a report the caller works on (or filed), so two concurrent steps cannot both pass."""
    stmt = select(Report).where(
        Report.id == report_id,
        or_(Report.reporter_id == actor.user_id, _staff_clause(actor))).with_for_update(of=Report)
    report = db.session.scalars(stmt.execution_options(populate_existing=True)).first()
    if report is None and not missing_ok:
        raise NotFound("案件不存在", code="report.not_found")
    return report


def parties_of(actor: Actor, report: Report) -> set[Party]:
    """How the caller stands to this report, for the lifecycle's who-may-do-what."""
    parties: set[Party] = set()
    if report.reporter_id == actor.user_id:
        # staff who file in their own grid are reporters of that case, never its handlers
        return {Party.REPORTER}
    if actor.role == Role.DEPARTMENT and report.department_id == actor.department_id:
        parties.add(Party.DEPARTMENT)
    placed = placed_party(actor, report.grid_id, report.community_id, report.street_id, report.district_id)
    if placed:
        parties.add(Party(placed))
    return parties


def case_of(report: Report, now: datetime | None = None) -> Case:
    """The facts about a report the lifecycle decides by."""
    resolved = report.resolved_at
    return Case(Status(report.status), department_holds=report.department_id is not None,
                escalation_level=report.escalation_level, rated=report.rating is not None,
                reopen_window=timedelta(days=current_app.config["REPORT_REOPEN_DAYS"]),
                resolved_for=None if resolved is None else (now or utcnow()) - resolved)


def _scope_where(actor: Actor, scope: str) -> tuple[tuple, list[ColumnElement[bool]], dict]:
    """The WHERE of a list scope, its values as named parameters (the caller is ``viewer``) and a key
    of its shape, so the statement is built once per shape; a scope the role has no part in is a 403."""
    viewer, is_open = bindparam("viewer"), Report.is_open.is_(True)
    if scope == "mine":
        return ("mine",), [Report.reporter_id == viewer], {}
    if scope == "public":
        return ("public",), [on_public_board()], {}
    if scope == "assigned":
        if actor.role == Role.GRID_MEMBER:
            return ("assigned", "member"), [Report.assignee_id == viewer, is_open], {}
        if actor.role == Role.DEPARTMENT:
            if actor.department_id is None:  # a department account not attached to one holds nothing
                return ("assigned", "no department"), [false()], {}
            return (("assigned", "department"), [Report.department_id == bindparam("department"), is_open],
                    {"department": actor.department_id})
        if actor.role in ADMIN_ROLES:
            level = {Role.COMMUNITY_ADMIN: 1, Role.STREET_ADMIN: 2, Role.DISTRICT_ADMIN: 2}[actor.role]
            key, placed, params = _placed(actor)
            # theirs to act on: cases reported up to their level, and cases a department handed back
            waiting = or_(Report.escalation_level >= level, Report.status == Status.RETURNED)
            return ("assigned", key, level), [placed, waiting, is_open], params
    if (scope == "grid" and actor.role == Role.GRID_MEMBER) or (
            scope == "community" and actor.role in ADMIN_ROLES):
        key, placed, params = _placed(actor)
        return (scope, key), [placed], params
    raise Forbidden("您的角色不能查看该范围的案件", code="report.scope_forbidden")


def _placed(actor: Actor) -> tuple[str, ColumnElement[bool], dict]:
    """`_staff_clause` for the grid member and administrator scopes, with bound values."""
    return placed_within_bound(actor, Report.grid_id, Report.community_id, Report.street_id,
                               Report.district_id)


def _scoped(actor: Actor, scope: str) -> Select:
    """The reports of a list scope as entities, values bound (the list itself reads `_card_select`)."""
    _key, where, params = _scope_where(actor, scope)
    return select(Report).where(*where).params(viewer=actor.user_id, **params)


def holder_accepted(report_id: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether the current holder of a report has taken it up: its open stint was accepted (NULL when
    no stint is open, as on a rejected case)."""
    stint = aliased(ReportHandling)
    return (select(stint.accepted_at.is_not(None))
            .where(stint.report_id == report_id, stint.ended_at.is_(None))
            .order_by(stint.id.desc()).limit(1).scalar_subquery())


#: the report columns a list card shows or decides by (parties, overdue, urgency)
CARD_REPORT_COLUMNS = (
    Report.id, Report.description, Report.status, Report.lat, Report.lng, Report.address, Report.public,
    Report.moderation, Report.is_open, Report.reporter_id, Report.grid_id, Report.community_id,
    Report.street_id, Report.district_id, Report.assignee_id, Report.department_id,
    Report.escalation_level, Report.accept_due_at, Report.resolve_due_at, Report.overdue,
    Report.clock_started_at, Report.accepted_at, Report.resolved_at, Report.closed_at, Report.rating,
    Report.reopen_count, Report.duplicate_of_id, Report.reject_reason, Report.created_at, Report.updated_at,
)


@cache
def _card_select() -> Select:
    """Everything a list card shows in one statement (built once; the caller binds ``viewer``): the
    report's columns, its category, unit and department names, its assignee's and reporter's name
    columns, its first filing photo and its 附议 count and whether the viewer follows it.

    Each is a scalar subquery by primary key (or by the (report_id, …) keys), so it costs an index
    lookup per row of the page and the ORDER BY stays that of the reports index. Not joins:
    PostgreSQL plans eight LEFT JOINs in about 40 ms (the join search grows exponentially; 0.3 ms
    as subqueries), and SQLite plans them as the same lookups."""
    def one(column, key) -> ColumnElement:
        """The column of the row whose primary key is the report's ``key``."""
        table = aliased(column.class_)
        return select(getattr(table, column.key)).where(table.id == key).scalar_subquery()

    def name_of(key) -> ColumnElement:
        """A user's shown name (User.display_name without its fallback) in one lookup, not two:
        real name, else nickname, an empty one counting as none, as Python's ``or`` has it."""
        user = aliased(User)
        return select(func.coalesce(func.nullif(user.real_name, ""), func.nullif(user.nickname, ""))) \
            .where(user.id == key).scalar_subquery()

    photo, thumb = aliased(ReportPhoto), aliased(Media)
    # "public:<sha256>" or "signed:<sha256>": the first filing photo's URL inputs in one lookup
    first_photo = (select(case((thumb.public.is_(True), literal("public:")), else_=literal("signed:"))
                          + thumb.sha256)
                   .join(photo, photo.media_id == thumb.id)
                   .where(photo.report_id == Report.id, photo.event_id.is_(None), photo.position == 0)
                   .scalar_subquery())

    follows = aliased(ReportFollow)
    follower_count = (select(func.count()).select_from(follows).where(follows.report_id == Report.id)
                      .scalar_subquery())
    following = select(follows.user_id).where(follows.report_id == Report.id,
                                              follows.user_id == bindparam("viewer")).exists()
    return select(
        *CARD_REPORT_COLUMNS,
        one(Category.code, Report.category_id).label("category_code"),
        one(Category.name, Report.category_id).label("category_name"),
        one(OrgUnit.name, Report.grid_id).label("grid_name"),
        one(OrgUnit.name, Report.community_id).label("community_name"),
        one(Department.name, Report.department_id).label("department_name"),
        name_of(Report.assignee_id).label("assignee_name"),
        one(User.phone_enc, Report.assignee_id).label("assignee_phone_enc"),
        name_of(Report.reporter_id).label("reporter_name"),
        first_photo.label("thumb"), holder_accepted(Report.id).label("holder_accepted"),
        follower_count.label("follower_count"), following.label("following"))


#: list statements by shape (scope, filters, cursor), each built once per process: a statement built
#: per request costs more to key for the compiled cache than to run (a few hundred shapes at most)
_LIST_STATEMENTS: dict[tuple, Select] = {}
KEYSET = [Report.created_at, Report.id]


def list_reports(actor: Actor, args: dict) -> dict:
    """A page of reports in a scope, newest first, filtered by status, category and time: rows of
    `_card_select` (present.list_items turns them into cards)."""
    key, where, params = _scope_where(actor, args["scope"])
    params = dict(params, viewer=actor.user_id)
    status = args.get("status")
    if status == "open":
        where.append(Report.is_open.is_(True))
    elif status == "overdue":
        where += [Report.is_open.is_(True), Report.overdue.is_(True)]
    elif status:
        where += [Report.status == bindparam("status"), Report.is_open.is_(Status(status) in OPEN)]
        params["status"] = status
        status = Status(status) in OPEN  # the shape knows whether the status is open, not which it is
    if args.get("category"):
        where.append(Report.category_id == select(Category.id).where(
            Category.code == bindparam("category")).scalar_subquery())
        params["category"] = args["category"]
    if args.get("flagged") is not None:
        where.append(_flagged(actor) if args["flagged"] else ~_flagged(actor))
    if args.get("from"):
        where.append(Report.created_at >= bindparam("created_from"))
        params["created_from"] = args["from"]
    if args.get("to"):
        where.append(Report.created_at < bindparam("created_to"))
        params["created_to"] = args["to"]
    cursor = args.get("cursor")
    shape = (key, status, bool(args.get("category")), args.get("flagged"), bool(args.get("from")),
             bool(args.get("to")), bool(cursor))
    stmt = _LIST_STATEMENTS.get(shape)
    if stmt is None:
        stmt = _LIST_STATEMENTS[shape] = keyset_select(_card_select().where(*where), KEYSET, bool(cursor))
    return keyset_run(stmt, KEYSET, args["limit"], cursor, params, rows=True)


def _flagged(actor: Actor) -> ColumnElement[bool]:
    """Reports with after-photo flags no admin has reviewed yet; a filter for admins only."""
    if actor.role not in ADMIN_ROLES:
        raise Forbidden("只有社区及以上管理员可以按核查标记筛选", code="report.flagged_forbidden")
    return select(ReportFlag.id).where(ReportFlag.report_id == Report.id,
                                       ReportFlag.reviewed_at.is_(None)).exists()
