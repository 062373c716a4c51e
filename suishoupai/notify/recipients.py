"""Who a report's step concerns, read from the report, its current handling stint and the org.

The same parties the reports domain lets act (reports/queries.py): the grid member holding the
case, the staff of the department it was transferred to, the admins of the unit it was escalated to.
"""

from __future__ import annotations

from sqlalchemy import select

from suishoupai.auth.models import Role, User
from suishoupai.extensions import db
from suishoupai.reports.models import Report, ReportEvent, ReportFollow, ReportHandling

#: escalation level (reports' Report.escalation_level) → admin role and the report column of its unit
LEVEL_ADMINS = {1: (Role.COMMUNITY_ADMIN, "community_id"), 2: (Role.STREET_ADMIN, "street_id")}


def department_staff(department_id: int | None) -> list[int]:
    """The department's users."""
    if department_id is None:
        return []
    return list(db.session.scalars(select(User.id).where(
        User.role == Role.DEPARTMENT, User.department_id == department_id).order_by(User.id)))


def unit_admins(report: Report, level: int) -> list[int]:
    """The admins of the community (1) or street (2) the report lies in."""
    role, column = LEVEL_ADMINS[level]
    unit_id = getattr(report, column)
    if unit_id is None:
        return []
    return list(db.session.scalars(select(User.id).where(
        User.role == role, User.org_unit_id == unit_id).order_by(User.id)))


def holders(report: Report) -> list[int]:
    """Whoever holds the case now (督办 goes to them): grid member, department or unit admins."""
    stint = db.session.scalars(select(ReportHandling).where(
        ReportHandling.report_id == report.id, ReportHandling.ended_at.is_(None))
        .order_by(ReportHandling.id.desc())).first()
    party = stint.party if stint else "grid"
    if party == "department":
        return department_staff(stint.party_id)
    if party in ("community", "street"):
        # the grid member keeps working an escalated case; the admins now supervise it
        return [*unit_admins(report, 1 if party == "community" else 2), report.assignee_id]
    return [report.assignee_id]


def resolver(report: Report) -> list[int]:
    """Who resolved the case last (rating and confirmation reach them), else its grid member."""
    actor_id = db.session.scalar(select(ReportEvent.actor_id).where(
        ReportEvent.report_id == report.id, ReportEvent.action == "resolve")
        .order_by(ReportEvent.id.desc()).limit(1))
    return [actor_id or report.assignee_id]


def followers(report: Report) -> list[int]:
    """Who follows (附议) the report; never its reporter."""
    return list(db.session.scalars(select(ReportFollow.user_id).where(
        ReportFollow.report_id == report.id, ReportFollow.user_id != report.reporter_id)
        .order_by(ReportFollow.user_id)))


def distinct(user_ids: list[int | None], actor_id: int | None) -> list[int]:
    """Recipients once each, in order, never the person who took the step."""
    seen: list[int] = []
    for user_id in user_ids:
        if user_id is not None and user_id != actor_id and user_id not in seen:
            seen.append(user_id)
    return seen
