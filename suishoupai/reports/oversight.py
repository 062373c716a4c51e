"""What supervisors look at beside the queue: the load per grid member and department (调度), and the
open cases on the grid map, all inside the caller's reach."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from suishoupai.auth import names
from suishoupai.auth.models import Role, User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org import geo
from suishoupai.org import service as org_service
from suishoupai.org.actor import Actor
from suishoupai.org.models import GRID_KINDS, Department, GridMember, OrgUnit
from suishoupai.org.scope import visible
from suishoupai.reports.models import Report
from suishoupai.reports.queries import get_visible, holder_accepted, worked_by
from suishoupai.reports.queue import colour, late
from suishoupai.sql import count_if

#: open cases the map shows at most, soonest deadline first (a district's open load stays below it)
MAP_POINTS = 3000
#: grids a case file's map draws at most (a community has a few dozen)
MAP_GRIDS = 200


def _open_counts(actor: Actor, *keys, where=()) -> dict[tuple, tuple[int, int]]:
    """(open, overdue) of the open cases in reach, grouped by the given report columns."""
    now = utcnow()
    rows = db.session.execute(
        select(*keys, func.count(), count_if(late(now)))
        .where(worked_by(actor), Report.is_open.is_(True), *where).group_by(*keys))
    return {tuple(row[:-2]): (int(row[-2]), int(row[-1])) for row in rows}


def load(actor: Actor) -> dict:
    """Open and overdue cases per grid member (per grid they serve) and per department in reach."""
    # a case transferred to a department is the department's load, though its assignee stays
    by_member = _open_counts(actor, Report.assignee_id, Report.grid_id,
                             where=[Report.department_id.is_(None)])
    members = db.session.execute(
        select(GridMember.user_id, User.real_name, User.nickname, OrgUnit.id, OrgUnit.name)
        .join(User, User.id == GridMember.user_id).join(OrgUnit, OrgUnit.id == GridMember.grid_id)
        .where(visible(actor, OrgUnit.path)).order_by(OrgUnit.path, GridMember.id)).all()
    by_department = _open_counts(actor, Report.department_id)
    return {
        "members": [{"user_id": m.user_id, "name": names.shown(m.real_name, m.nickname),
                     "grid": {"id": m.id, "name": m.name},
                     **_pair(by_member.get((m.user_id, m.id), (0, 0)))} for m in members],
        "departments": [{"id": d.id, "name": d.name, **_pair(by_department.get((d.id,), (0, 0)))}
                        for d in _departments(actor)],
    }


def _pair(counts: tuple[int, int]) -> dict:
    """{open, overdue}."""
    return {"open": counts[0], "overdue": counts[1]}


def _departments(actor: Actor) -> list[Department]:
    """A department's own; the departments of an administrator's district; none for a grid member."""
    if actor.role == Role.DEPARTMENT:
        return [db.session.get(Department, actor.department_id)] if actor.department_id else []
    if actor.role == Role.GRID_MEMBER or not actor.scope_paths:
        return []
    district_id = int(actor.scope_paths[0].split("/")[1])
    return list(db.session.scalars(select(Department).where(Department.district_id == district_id)
                                   .order_by(Department.id)))


def grid_map(actor: Actor) -> dict:
    """The caller's grids with their open and overdue load (polygons: GET /admin/grids), and the open
    cases as points (GCJ-02) coloured by urgency; a department sees the grids its cases lie in."""
    by_grid = _open_counts(actor, Report.grid_id)
    held = [key[0] for key in by_grid if key[0] is not None]
    grids = db.session.execute(
        select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind.in_(GRID_KINDS), or_(
            visible(actor, OrgUnit.path), OrgUnit.id.in_(held))).order_by(OrgUnit.path)).all()
    now = utcnow()
    reports = db.session.execute(
        select(Report, holder_accepted(Report.id)).where(worked_by(actor), Report.is_open.is_(True))
        .order_by(Report.id.desc()).limit(MAP_POINTS + 1)).all()
    points = []
    for r, accepted in reports[:MAP_POINTS]:
        lat, lng = geo.from_wgs84(r.lat, r.lng, "gcj02")
        points.append({"id": r.id, "lat": lat, "lng": lng, "status": r.status,
                       "urgency": colour(r, bool(accepted), now)})
    return {"grids": [{"id": g.id, "name": g.name, **_pair(by_grid.get((g.id,), (0, 0)))} for g in grids],
            "reports": points, "truncated": len(reports) > MAP_POINTS}


def case_grids(actor: Actor, report_id: int, coord_type: str) -> dict:
    """The outlines a case file's map draws, for anyone who may see the case: its grid and the other
    grids of its community (the context around the spot), without their members. Department staff
    cannot list the district's grids (GET /admin/grids), yet they work on the cases transferred to them."""
    report = get_visible(actor, report_id)
    near = OrgUnit.id == report.grid_id
    if report.community_id is not None:
        near = or_(near, OrgUnit.community_id == report.community_id)
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.kind.in_(GRID_KINDS), near)
                               .order_by(OrgUnit.path).limit(MAP_GRIDS))
    return {"grid_id": report.grid_id, "coord_type": coord_type,
            "items": [{"id": u.id, "name": u.name, "community_id": u.community_id,
                       "geometry": org_service.outline(u, coord_type)} for u in units]}
