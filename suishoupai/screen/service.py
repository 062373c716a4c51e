"""What the wall screen shows: today's counters and the month's 三率 from the stats, the day's reports on
the map, the newest cases without who filed them, the wish board's progress, riders on duty and the
month's top riders. Every figure is counted by the stats (kept days and the facts), not here."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import func, select

from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.offers.models import Post, PostClaim, PostClaimStatus
from suishoupai.org import geo
from suishoupai.org.models import GRID_KINDS, Kind, OrgUnit
from suishoupai.points.ledger import local_periods
from suishoupai.points.models import PeriodTotal, Rider, RiderStatus
from suishoupai.reports.lifecycle import STATUS_LABELS, Status
from suishoupai.reports.models import Category, Report
from suishoupai.stats import days, definitions, facts
from suishoupai.stats.facts import beijing_day
from suishoupai.wishes.lifecycle import Status as WishStatus
from suishoupai.wishes.models import Wish

#: the newest cases in the rolling list, today's reports on the map, riders on the leaderboard
LATEST = 12
MAP_POINTS = 500
TOP_RIDERS = 8
#: today's filings the screen counts as accepted (受理 or any step past it) and as done
ACCEPTED = (Status.ACCEPTED, Status.TRANSFERRED, Status.ESCALATED, Status.RESOLVED, Status.CLOSED)
DONE = (Status.RESOLVED, Status.CLOSED)
MONTH_RATES = ("closure_rate", "on_time_resolution_rate", "satisfaction_rate")
COUNTER_DEFINITIONS = {
    "filed": "今日（北京时间 0 点起）在本单位上报的案件数，含驳回",
    "accepted": "今日上报的案件中，已受理或已进入转办、上报、办结、结案的件数",
    "closed": "今日上报的案件中，已办结或已结案的件数",
    "overdue": "本月上报、目前仍在办且已超过时限的案件数",
}


def _placement(unit: OrgUnit):
    """The report column placing a case in this unit."""
    return getattr(Report, f"{unit.kind}_id")


def _figures(unit: OrgUnit, start: datetime, end: datetime, now: datetime):
    """The stats rollup of the unit's filings in [start, end), with kept days where whole."""
    return days.partial(unit.kind, unit.id, {"unit": unit.id}, start, end, now).finish(now)[0].total


def data(unit: OrgUnit) -> dict:
    """The screen's answer for a unit, counted afresh: the day's edge is one day of facts, the month's
    whole days are kept, so a poll every few seconds stays cheap and a filing shows on the next one."""
    now = utcnow()
    figures = _counted(unit, now)
    return {"unit": {"id": unit.id, "kind": unit.kind, "name": unit.name}, "as_of": now,
            **figures, "latest": _latest(unit), "points": _points(unit, now)}


def _counted(unit: OrgUnit, now: datetime) -> dict:
    """The figures part: counters, 三率, wishes, riders."""
    facts.refresh()
    today = days.day_start(beijing_day(now))
    month = days.day_start(beijing_day(now).replace(day=1))
    end = now + timedelta(microseconds=1)  # [start, end) holds a report filed this very instant
    day = _figures(unit, today, end, now)
    month_total = _figures(unit, month, end, now)
    month_figures = month_total.figures()
    return {
        "today": {"from": today,
                  "filed": day.cases,
                  "accepted": sum(day.by_status.get(s, 0) for s in ACCEPTED),
                  "closed": sum(day.by_status.get(s, 0) for s in DONE),
                  "overdue": month_total.overdue_open},
        "counter_definitions": [{"key": k, "text": v} for k, v in COUNTER_DEFINITIONS.items()],
        "month": {"from": month, "cases": month_total.cases,
                  "rates": [{"key": key, "name": definitions.BY_KEY[key].name}
                            | month_figures["rates"][key] for key in MONTH_RATES]},
        "wishes": _wishes(unit),
        "riders": _riders(unit, now),
    }


def _newest_first():
    """Newest first in the order of the unit's (unit, created_at, id) index: ordered by id alone, the
    database walks the whole table backwards to find a unit's few cases of today."""
    return Report.created_at.desc(), Report.id.desc()


def _latest(unit: OrgUnit) -> list[dict]:
    """The newest cases: number, category, grid, status and time; nothing about who filed them."""
    grid = OrgUnit.__table__.alias("grid")
    rows = db.session.execute(
        select(Report.id, Category.name, grid.c.name, Report.status, Report.created_at)
        .join(Category, Category.id == Report.category_id).outerjoin(grid, grid.c.id == Report.grid_id)
        .where(_placement(unit) == unit.id).order_by(*_newest_first()).limit(LATEST)).all()
    return [{"id": r[0], "category": r[1], "grid": r[2], "status": r[3], "status_label": STATUS_LABELS[r[3]],
             "created_at": r[4]} for r in rows]


def _points(unit: OrgUnit, now: datetime) -> list[dict]:
    """Today's reports as map points (GCJ-02), newest first."""
    today = days.day_start(beijing_day(now))
    rows = db.session.execute(
        select(Report.id, Report.lat, Report.lng, Report.status, Category.name)
        .join(Category, Category.id == Report.category_id)
        .where(_placement(unit) == unit.id, Report.created_at >= today)
        .order_by(*_newest_first()).limit(MAP_POINTS)).all()
    points = []
    for rid, lat, lng, status, category in rows:
        lat, lng = geo.from_wgs84(lat, lng, "gcj02")
        points.append({"id": rid, "lat": lat, "lng": lng, "status": status, "category": category})
    return points


def _wishes(unit: OrgUnit) -> dict:
    """The unit's wishes on the board by where they stand."""
    column = getattr(Wish, f"{unit.kind}_id")
    counts = dict(db.session.execute(select(Wish.status, func.count()).where(
        column == unit.id, Wish.status.in_([s.value for s in (WishStatus.PUBLISHED, WishStatus.CLAIMED,
                                                               WishStatus.FULFILLED, WishStatus.CONFIRMED)]))
        .group_by(Wish.status)).all())
    return {"waiting": counts.get(WishStatus.PUBLISHED, 0), "claimed": counts.get(WishStatus.CLAIMED, 0),
            "fulfilled": counts.get(WishStatus.FULFILLED, 0) + counts.get(WishStatus.CONFIRMED, 0)}


def _communities(unit: OrgUnit):
    """The ids of the communities at or under the unit, as a subquery."""
    return select(OrgUnit.id).where(OrgUnit.kind == Kind.COMMUNITY,
                                    OrgUnit.path.startswith(unit.path, autoescape=True)).scalar_subquery()


def _riders(unit: OrgUnit, now: datetime) -> dict:
    """Verified riders of the unit, those holding a governance post now, and the month's points leaders
    (names shortened to the family name: the wall is seen by passers-by)."""
    communities = _communities(unit)
    verified = db.session.scalar(select(func.count()).select_from(Rider).where(
        Rider.status == RiderStatus.VERIFIED, Rider.home_community_id.in_(communities)))
    on_duty = db.session.scalar(select(func.count(func.distinct(PostClaim.user_id)))
                                .join(Post, Post.id == PostClaim.post_id)
                                .where(PostClaim.status == PostClaimStatus.ACTIVE,
                                       Post.community_id.in_(communities)))
    month = local_periods(now)[0]
    # the ledger keeps month totals per community and per street; a district adds its streets up
    if unit.kind == Kind.DISTRICT:
        units = select(OrgUnit.id).where(OrgUnit.kind == Kind.STREET, OrgUnit.parent_id == unit.id)
        places = PeriodTotal.unit_id.in_(units.scalar_subquery())
    else:
        places = PeriodTotal.unit_id == unit.id
    points = func.sum(PeriodTotal.points).label("points")
    top = db.session.execute(
        select(User.real_name, User.nickname, Rider.platform, points)
        .join(User, User.id == PeriodTotal.user_id).join(Rider, Rider.user_id == PeriodTotal.user_id)
        .where(PeriodTotal.period == month, places, Rider.status == RiderStatus.VERIFIED)
        .group_by(PeriodTotal.user_id, User.real_name, User.nickname, Rider.platform)
        .having(points > 0).order_by(points.desc(), PeriodTotal.user_id).limit(TOP_RIDERS)).all()
    return {"verified": verified or 0, "on_duty": on_duty or 0, "month": month,
            "top": [{"rank": i, "name": _short(real or nick), "platform": platform, "points": int(p)}
                    for i, (real, nick, platform, p) in enumerate(top, start=1)]}


def _short(name: str | None) -> str:
    """The first character and stars: 张** (a screen on a wall names nobody in full)."""
    return (name or "骑手")[:1] + "**"


def grids(unit: OrgUnit) -> list[dict]:
    """The unit's grids with their polygons in GCJ-02, for the screen's map."""
    rows = db.session.scalars(select(OrgUnit).where(OrgUnit.kind.in_(GRID_KINDS),
                                                    OrgUnit.path.startswith(unit.path, autoescape=True))
                              .order_by(OrgUnit.path)).all()
    return [{"id": g.id, "name": g.name, "community_id": g.community_id, "geometry": _gcj02(g.geometry)}
            for g in rows]


def _gcj02(geometry: str | None) -> dict | None:
    """A stored polygon (WGS-84 GeoJSON text) in GCJ-02."""
    if not geometry:
        return None
    return geo.transform_geometry(json.loads(geometry), lambda la, ln: geo.from_wgs84(la, ln, "gcj02"))
