"""Who sees which reports, and the lists; one visibility rule serves detail, steps and lists."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, false, or_, select

from suishoupai.auth.actor import Actor
from suishoupai.auth.models import Role
from suishoupai.auth.scope import placed_party, placed_within
from suishoupai.errors import Forbidden, NotFound
from suishoupai.extensions import db
from suishoupai.pagination import keyset_page
from suishoupai.reports.lifecycle import OPEN, Party, Status
from suishoupai.reports.models import Category, Report, ReportFlag

ADMIN_ROLES = (Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN)


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


def _scoped(actor: Actor, scope: str) -> Select:
    """The base query of a list scope; a scope the role has no part in is a 403."""
    stmt = select(Report)
    if scope == "mine":
        return stmt.where(Report.reporter_id == actor.user_id)
    if scope == "public":
        return stmt.where(on_public_board())
    if scope == "assigned":
        if actor.role == Role.GRID_MEMBER:
            return stmt.where(Report.assignee_id == actor.user_id, Report.is_open.is_(True))
        if actor.role == Role.DEPARTMENT:
            return stmt.where(Report.department_id == actor.department_id, Report.is_open.is_(True))
        if actor.role in ADMIN_ROLES:
            level = {Role.COMMUNITY_ADMIN: 1, Role.STREET_ADMIN: 2, Role.DISTRICT_ADMIN: 2}[actor.role]
            return stmt.where(_staff_clause(actor), Report.escalation_level >= level,
                              Report.is_open.is_(True))
    if scope == "grid" and actor.role == Role.GRID_MEMBER:
        return stmt.where(_staff_clause(actor))
    if scope == "community" and actor.role in ADMIN_ROLES:
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
    if args.get("flagged") is not None:
        stmt = stmt.where(_flagged(actor) if args["flagged"] else ~_flagged(actor))
    if args.get("from"):
        stmt = stmt.where(Report.created_at >= args["from"])
    if args.get("to"):
        stmt = stmt.where(Report.created_at < args["to"])
    return keyset_page(stmt, [Report.created_at, Report.id], args["limit"], args.get("cursor"))


def _flagged(actor: Actor) -> ColumnElement[bool]:
    """Reports with after-photo flags no admin has reviewed yet; a filter for admins only."""
    if actor.role not in ADMIN_ROLES:
        raise Forbidden("只有社区及以上管理员可以按核查标记筛选", code="report.flagged_forbidden")
    return select(ReportFlag.id).where(ReportFlag.report_id == Report.id,
                                       ReportFlag.reviewed_at.is_(None)).exists()
