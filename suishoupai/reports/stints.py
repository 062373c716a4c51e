"""Each party's stint on a case, as the detail shows it: who holds it now, and every clock met or missed.

A stint's acceptance is answered by accepting or by handing the case on (转办, 退回, 上报 all answer
it), as the stats count it; its resolution by resolving. A stint handed on before its resolve
deadline owes no resolution.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org import index as org_index
from suishoupai.reports.models import Report, ReportHandling

PARTY_LABELS = {"grid": "网格", "department": "部门", "community": "社区", "street": "街道"}


def _judge(done: datetime | None, due: datetime | None, now: datetime, ended: datetime | None) -> str | None:
    """met / missed / pending for a deadline, or None when the stint ended owing nothing by it."""
    if due is None:
        return None
    if done is not None:
        return "met" if done <= due else "missed"
    if ended is not None:
        return "missed" if ended > due else None
    return "missed" if now > due else "pending"


def _names(stints: list[ReportHandling]) -> tuple[dict, dict, dict]:
    """Unit names, department names and assignees' shown names for the stints."""
    ids = {s.assignee_id for s in stints} - {None}
    people = {row.id: User.display_name.fget(row) for row in db.session.execute(
        select(User.id, User.real_name, User.nickname).where(User.id.in_(ids)))} if ids else {}
    return org_index.unit_names(), org_index.department_names(), people


def _party(stint: ReportHandling, units: dict, departments: dict, people: dict, staff: bool) -> dict:
    """Who a stint belongs to: the party, its unit or department, and (for staff) the grid member."""
    names = departments if stint.party == "department" else units
    out = {"party": stint.party, "party_label": PARTY_LABELS.get(stint.party, stint.party),
           "id": stint.party_id, "name": names.get(stint.party_id, "") if stint.party_id else ""}
    if staff:
        out["assignee"] = ({"id": stint.assignee_id, "name": people.get(stint.assignee_id, "")}
                           if stint.assignee_id else None)
    return out


def view(report: Report, staff: bool) -> tuple[dict | None, list[dict]]:
    """The current handler (the open stint's party, else the last one's) and, for staff, every stint
    oldest first with its deadlines judged."""
    stints = list(db.session.scalars(select(ReportHandling).where(ReportHandling.report_id == report.id)
                                     .order_by(ReportHandling.id)))
    if not stints:
        return None, []
    units, departments, people = _names(stints)
    current = next((s for s in reversed(stints) if s.ended_at is None), stints[-1])
    handler = _party(current, units, departments, people, staff)
    if not staff:
        return handler, []
    now = utcnow()
    out = []
    for s in stints:
        responded = s.accepted_at or s.ended_at
        out.append({**_party(s, units, departments, people, staff),
                    "started_at": s.started_at, "accept_due_at": s.accept_due_at,
                    "resolve_due_at": s.resolve_due_at, "accepted_at": s.accepted_at,
                    "resolved_at": s.resolved_at, "ended_at": s.ended_at,
                    "accept": _judge(responded, s.accept_due_at, now, None),
                    "resolve": _judge(s.resolved_at, s.resolve_due_at, now, s.ended_at)})
    return handler, out
