"""Who sees which reports, and the lists; one visibility rule serves detail, steps and lists."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, false, or_, select

from suishoupai.auth.actor import Actor
from suishoupai.auth.models import Role
from suishoupai.errors import Forbidden, NotFound
from suishoupai.extensions import db
from suishoupai.pagination import keyset_page
from suishoupai.reports.lifecycle import OPEN, Party, Status
from suishoupai.reports.models import Category, Report

#: the admin role → the report column naming its unit
ADMIN_COLUMN = {Role.COMMUNITY_ADMIN: Report.community_id, Role.STREET_ADMIN: Report.street_id,
                Role.DISTRICT_ADMIN: Report.district_id}
ADMIN_PARTY = {Role.COMMUNITY_ADMIN: Party.COMMUNITY, Role.STREET_ADMIN: Party.STREET,
               Role.DISTRICT_ADMIN: Party.DISTRICT}


def unit_ids(actor: Actor) -> list[int]:
    """The org unit ids the caller's scope paths end in (their grids, or the unit they run)."""
    return [int(p.rstrip("/").rsplit("/", 1)[1]) for p in actor.scope_paths]


def _staff_clause(actor: Actor) -> ColumnElement[bool]:
    """Reports the caller works on by role: their grids, their department's, their unit's."""
    if actor.role == Role.GRID_MEMBER:
        return Report.grid_id.in_(unit_ids(actor)) if actor.scope_paths else false()
    if actor.role == Role.DEPARTMENT and actor.department_id:
        return Report.department_id == actor.department_id
    if actor.role in ADMIN_COLUMN and actor.scope_paths:
        return ADMIN_COLUMN[actor.role] == unit_ids(actor)[0]
    return false()


def visible(actor: Actor) -> ColumnElement[bool]:
    """Everything the caller may open: own reports, the public board, and their work."""
    return or_(Report.reporter_id == actor.user_id,
               (Report.public.is_(True)) & (Report.status != Status.REJECTED),
               _staff_clause(actor))


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
        parties.add(Party.REPORTER)
    if actor.role == Role.GRID_MEMBER and report.grid_id in unit_ids(actor):
        parties.add(Party.GRID)
    if actor.role == Role.DEPARTMENT and report.department_id == actor.department_id:
        parties.add(Party.DEPARTMENT)
    if actor.role in ADMIN_COLUMN and actor.scope_paths:
        column = ADMIN_COLUMN[actor.role]
        if getattr(report, column.key) == unit_ids(actor)[0]:
            parties.add(ADMIN_PARTY[actor.role])
    return parties


def _scoped(actor: Actor, scope: str) -> Select:
    """The base query of a list scope; a scope the role has no part in is a 403."""
    stmt = select(Report)
    if scope == "mine":
        return stmt.where(Report.reporter_id == actor.user_id)
    if scope == "public":
        return stmt.where(Report.public.is_(True), Report.status != Status.REJECTED)
    if scope == "assigned":
        if actor.role == Role.GRID_MEMBER:
            return stmt.where(Report.assignee_id == actor.user_id, Report.is_open.is_(True))
        if actor.role == Role.DEPARTMENT:
            return stmt.where(Report.department_id == actor.department_id, Report.is_open.is_(True))
        if actor.role in ADMIN_COLUMN:
            level = {Role.COMMUNITY_ADMIN: 1, Role.STREET_ADMIN: 2, Role.DISTRICT_ADMIN: 2}[actor.role]
            return stmt.where(_staff_clause(actor), Report.escalation_level >= level,
                              Report.is_open.is_(True))
    if scope == "grid" and actor.role == Role.GRID_MEMBER:
        return stmt.where(_staff_clause(actor))
    if scope == "community" and actor.role in ADMIN_COLUMN:
        return stmt.where(_staff_clause(actor))
    raise Forbidden("您的角色不能查看该范围的案件", code="report.scope_forbidden")


def list_reports(actor: Actor, args: dict) -> dict:
    """A page of reports in a scope, newest first, filtered by status, category and time."""
    stmt = _scoped(actor, args["scope"])
    status = args.get("status")
    if status == "open":
        stmt = stmt.where(Report.is_open.is_(True))
    elif status == "overdue":
        stmt = stmt.where(Report.is_open.is_(True), Report.overdue.is_(True))
    elif status:
        stmt = stmt.where(Report.status == status, Report.is_open.is_(Status(status) in OPEN))
    if args.get("category"):
        stmt = stmt.where(Report.category_id == select(Category.id).where(
            Category.code == args["category"]).scalar_subquery())
    if args.get("from"):
        stmt = stmt.where(Report.created_at >= args["from"])
    if args.get("to"):
        stmt = stmt.where(Report.created_at < args["to"])
    return keyset_page(stmt, [Report.created_at, Report.id], args["limit"], args.get("cursor"))
