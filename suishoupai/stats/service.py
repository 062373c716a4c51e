"""The stats summary: who may ask for which part of the tree, and the answer assembled from grouped SQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from suishoupai.auth.models import Role
from suishoupai.database import utcnow
from suishoupai.errors import Forbidden, InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.models import Department, Kind, OrgUnit
from suishoupai.reports.lifecycle import STATUS_LABELS, Status
from suishoupai.reports.models import Category
from suishoupai.stats import cache, days, definitions, facts
from suishoupai.stats.figures import Rollup

#: the admins have stats for their unit, a grid member for their own grids
STATS_ROLES = (Role.GRID_MEMBER, Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN)
SCOPE_KINDS = {"district": (Kind.DISTRICT,), "street": (Kind.STREET,), "community": (Kind.COMMUNITY,),
               "grid": (Kind.GRID, Kind.MICROGRID)}
DEFAULT_DAYS = 30
#: the row of cases that fell in no grid (the community's queue)
NO_GRID = "未落入网格（社区待派）"


def resolve_scope(actor: Actor, kind: str, unit_id: int) -> tuple[OrgUnit, dict]:
    """The org unit asked for, if the caller's scope covers it (else 404), and its placement parameter."""
    if actor.role not in STATS_ROLES:
        raise Forbidden("您的角色不能查看统计", code="stats.forbidden")
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None or unit.kind not in SCOPE_KINDS[kind] or not actor.covers(unit.path):
        raise NotFound("统计范围不存在", code="stats.scope_not_found")
    return unit, {"grids": _grid_ids(unit)} if kind == "grid" else {"unit": unit.id}


def _grid_ids(unit: OrgUnit) -> list[int]:
    """The grids (and micro-grids) at or under a unit."""
    return list(db.session.scalars(select(OrgUnit.id).where(
        OrgUnit.path.startswith(unit.path, autoescape=True), OrgUnit.kind.in_(SCOPE_KINDS["grid"]))))


def window(args: dict, now: datetime) -> tuple[datetime, datetime]:
    """[from, to): by default the last DEFAULT_DAYS days up to the current minute; at most STATS_MAX_DAYS."""
    end = args.get("to") or now.replace(second=0, microsecond=0)
    try:
        start = args.get("from") or end - timedelta(days=DEFAULT_DAYS)
    except OverflowError:  # a `to` in the first days of year 1
        raise InvalidInput("时间超出范围", code="stats.bad_range",
                           details={"fields": {"to": ["时间超出范围"]}}) from None
    if start >= end:
        raise InvalidInput("开始时间须早于结束时间", code="stats.bad_range",
                           details={"fields": {"from": ["须早于 to"]}})
    limit = current_app.config["STATS_MAX_DAYS"]
    if end - start > timedelta(days=limit):
        raise InvalidInput(f"统计区间不能超过 {limit} 天", code="stats.range_too_long",
                           details={"fields": {"to": [f"区间不超过 {limit} 天"]}})
    return start, end


def summary(actor: Actor, args: dict) -> dict:
    """Counts, rates and hours for a scope and window, in total and per grid, department, category.

    The scope is checked on every call; the figures themselves may come from the short-lived cache.
    """
    kind, unit_id = args["scope"]
    unit, place = resolve_scope(actor, kind, unit_id)
    start, end = window(args, utcnow())
    return cache.summaries().get_or_compute(
        (kind, unit.id, start, end), lambda: _count(kind, unit, place, start, end))


def _count(kind: str, unit: OrgUnit, place: dict, start: datetime, end: datetime) -> dict:
    """Bring the facts up to date, add up the window's days and edges, and assemble the answer."""
    facts.refresh()
    now = utcnow()
    roll, p90 = days.partial(kind, unit.id, place, start, end, now).finish(now)
    min_sample = current_app.config["STATS_MIN_SAMPLE"]

    grids = _grid_rows(unit, roll, p90)
    departments = _department_rows(roll, p90)
    definitions.rank(grids, min_sample)
    definitions.rank(departments, min_sample)
    return {
        "scope": {"kind": kind, "id": unit.id, "name": unit.name},
        "from": start, "to": end, "as_of": now, "min_sample": min_sample,
        "definitions": [d.as_dict(min_sample) for d in definitions.RATES],
        "hours_definitions": [{"key": k} | v for k, v in definitions.HOURS.items()],
        "notes": list(definitions.NOTES),
        "totals": roll.total.figures(p90.get(("all", 0))),
        "by_status": [{"status": s.value, "label": STATUS_LABELS[s], "count": roll.total.by_status.get(s, 0)}
                      for s in Status],
        "by_category": _category_rows(roll),
        "by_grid": grids,
        "by_department": departments,
    }


def _grid_rows(unit: OrgUnit, roll: Rollup, p90: dict) -> list[dict]:
    """Every grid of the scope, with or without cases, then the no-grid queue if it holds any."""
    units = db.session.execute(select(OrgUnit.id, OrgUnit.name, OrgUnit.code).where(
        OrgUnit.id.in_(_grid_ids(unit))).order_by(OrgUnit.code)).all()
    rows = [{"id": u.id, "name": u.name} | roll.grids[u.id].figures(p90.get(("grid", u.id)))
            for u in units]
    if None in roll.grids:
        rows.append({"id": None, "name": NO_GRID} | roll.grids[None].figures())
    return rows


def _department_rows(roll: Rollup, p90: dict) -> list[dict]:
    """The departments that held cases of the scope, by their own clocks."""
    ids = sorted(roll.departments)
    names = dict(db.session.execute(
        select(Department.id, Department.name).where(Department.id.in_(ids))).all())
    return [{"id": i, "name": names.get(i, "")} | roll.departments[i].figures(p90.get(("department", i)))
            for i in ids]


def _category_rows(roll: Rollup) -> list[dict]:
    """Active categories and any others that have cases, in catalog order."""
    cats = db.session.execute(select(Category.id, Category.code, Category.name, Category.active)
                              .order_by(Category.sort_order, Category.id)).all()
    return [{"code": c.code, "name": c.name} | roll.categories[c.id].figures()
            for c in cats if c.active or c.id in roll.categories]
