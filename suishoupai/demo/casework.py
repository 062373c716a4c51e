"""The demo history's 随手拍 cases: filed through `file_report`, worked through `take_step`.

Most are taken up and resolved in time and closed by the reporter or the sweep; some are taken up or
resolved late (the sweep marks and escalates them), passed to a department, escalated to the
community, rejected, or reopened. Cases filed in the last days are still open: the queues.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import partial

from shapely.geometry import Point

from suishoupai.database import utcnow
from suishoupai.demo import wording
from suishoupai.extensions import db
from suishoupai.reports import filing
from suishoupai.reports import service as steps
from suishoupai.reports.lifecycle import Action, Status
from suishoupai.reports.models import Report

CATEGORIES = list(wording.REPORTS)
WEIGHTS = [wording.REPORTS[c][0] for c in CATEGORIES]
#: filing hours, weighted to the day (few at night)
HOURS = list(range(24))
HOUR_WEIGHTS = [1, 0, 0, 0, 0, 1, 2, 5, 8, 9, 9, 8, 6, 6, 7, 8, 8, 9, 9, 8, 6, 4, 3, 2]
#: resolutions in which the resolver sends the case's own filing photo back as the after-photo, which
#: the after-photo check flags: the handful of flags a real district's admins find to review
LAZY_RESOLUTIONS = 0.005


def plan_day(sim, cast, day: datetime) -> None:
    """Schedule one day's filings: fewer at weekends, slowly more as the platform becomes known."""
    progress = (day - sim.start) / (sim.end - sim.start)
    mean = cast.cases_per_day * (0.75 + 0.5 * progress) * (0.7 if day.weekday() >= 5 else 1.0)
    for _ in range(max(0, round(sim.rng.gauss(mean, mean ** 0.5)))):
        hour = sim.rng.choices(HOURS, HOUR_WEIGHTS)[0]
        sim.at(day.replace(hour=hour, minute=0, second=0) + timedelta(seconds=sim.rng.randrange(3600)),
               partial(file_case, sim, cast))


def _spot(rng: random.Random, shape) -> tuple[float, float]:
    """A point inside a grid's outline (GCJ-02 lat, lng)."""
    min_x, min_y, max_x, max_y = shape.bounds
    while True:
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if shape.contains(Point(x, y)):
            return round(y, 6), round(x, 6)


def file_case(sim, cast) -> None:
    """A resident (sometimes a rider) files a case with a photo near home."""
    rng = sim.rng
    reporter = rng.choice(cast.riders) if rng.random() < 0.12 else rng.choice(cast.residents)
    grids = cast.grids_of.get(reporter.community_id) if rng.random() < 0.7 else None
    grid = rng.choice(grids or cast.grids)
    lat, lng = _spot(rng, grid.shape)
    code = rng.choices(CATEGORIES, WEIGHTS)[0]
    picture = sim.next_picture("before", grid.community_id)
    data = {"category": code, "description": rng.choice(wording.REPORTS[code][1]),
            "location": {"lat": lat, "lng": lng, "coord_type": "gcj02"},
            "address": f"{rng.choice(wording.ADDRESSES)}{rng.randint(1, 300)}号附近", "public": True,
            "media_ids": [sim.photo(reporter.user_id, "report", picture)]}
    report = filing.file_report(sim.actor(reporter.user_id), data).report
    sim.filed_picture[report.id] = picture
    sim.count("cases filed")
    _plan(sim, cast, report.id, reporter.user_id)


def _hours_until(when: datetime) -> float:
    """Hours from the simulated now to `when` (at least a few minutes)."""
    return max((when - utcnow()).total_seconds() / 3600, 0.1)


def _timely(rng: random.Random, window: float, late_share: float) -> float:
    """When a handler acts within a window of hours: mostly inside it, `late_share` of the time after."""
    if rng.random() < late_share:
        return window * rng.uniform(1.1, 2.4)
    return window * rng.uniform(0.05, 0.9)


def _holder(cast, report: Report) -> int:
    """Who holds the case now: the department it went to, the grid member, or the community's admin."""
    handling = steps.current_handling(report)
    if handling is not None and handling.party == "department":
        return cast.department_users[handling.party_id]
    if report.assignee_id is not None and report.status != Status.ESCALATED:
        return report.assignee_id
    return cast.admin_of[report.community_id]


def _step(sim, cast, rid: int, action: Action, body: dict, then=None, by: int | None = None) -> None:
    """Take one step as the case's holder (or `by`); `then` plans what follows."""
    report = db.session.get(Report, rid)
    if action in (Action.CONFIRM, Action.REOPEN) and report.status not in (Status.RESOLVED, Status.CLOSED):
        return
    if action == Action.CONFIRM and report.status == Status.CLOSED:
        return  # the sweep closed it first: the reporter's answer came too late to matter
    actor_id = by if by is not None else _holder(cast, report)
    if action == Action.RESOLVE and report.status == Status.ESCALATED:
        # supervised since it was accepted (the sweep escalated it): the holder takes it up again first
        steps.take_step(sim.actor(actor_id), rid, Action.ACCEPT, {"note": "督办后加快处理"})
        sim.count(f"step:{Action.ACCEPT}")
    if action == Action.RESOLVE and (report.category.needs_after_photo or sim.rng.random() < 0.6):
        lazy = sim.rng.random() < LAZY_RESOLUTIONS and rid in sim.filed_picture
        picture = sim.filed_picture[rid] if lazy else sim.next_picture("after", actor_id)
        body = {**body, "media_ids": [sim.photo(actor_id, "resolution", picture)]}
    steps.take_step(sim.actor(actor_id), rid, action, body)
    sim.count(f"step:{action}")
    if then is not None:
        then()


def _plan(sim, cast, rid: int, reporter_id: int) -> None:
    """Choose the case's fate as filed and schedule its first step."""
    rng = sim.rng
    report = db.session.get(Report, rid)
    accept_in = _timely(rng, _hours_until(report.accept_due_at), 0.12)
    fate = rng.random()
    if report.status == Status.TRANSFERRED:  # filed straight to a department
        sim.after(accept_in, partial(_step, sim, cast, rid, Action.ACCEPT,
                                     {"note": "已收到，安排执法人员核查"},
                                     partial(_work, sim, cast, rid, reporter_id)))
    elif fate < 0.06:
        sim.after(rng.uniform(0.3, 3), partial(_step, sim, cast, rid, Action.REJECT,
                                               {"reason": rng.choice(wording.REJECT_REASONS)}))
    elif fate < 0.14:
        department_id = report.category.default_department_id or cast.default_department_id
        transfer = partial(_step, sim, cast, rid, Action.TRANSFER,
                           {"department_id": department_id, "note": "需执法部门处理，转办"},
                           partial(_department_takes, sim, cast, rid, reporter_id))
        sim.after(accept_in, partial(_step, sim, cast, rid, Action.ACCEPT, {"note": "已核实"},
                                     partial(sim.after, rng.uniform(0.5, 4), transfer)))
    elif fate < 0.18:
        escalation = {"reason": rng.choice(wording.ESCALATE_REASONS), "level": "community"}
        sim.after(rng.uniform(1, 6), partial(_step, sim, cast, rid, Action.ESCALATE, escalation,
                                             partial(_community_takes, sim, cast, rid, reporter_id)))
    else:
        sim.after(accept_in, partial(_step, sim, cast, rid, Action.ACCEPT,
                                     {"note": rng.choice(wording.ACCEPT_NOTES)},
                                     partial(_work, sim, cast, rid, reporter_id)))


def _department_takes(sim, cast, rid: int, reporter_id: int) -> None:
    """The department's own clock starts at the transfer: it accepts, then works the case."""
    report = db.session.get(Report, rid)
    handling = steps.current_handling(report)
    sim.after(_timely(sim.rng, _hours_until(handling.accept_due_at), 0.15),
              partial(_step, sim, cast, rid, Action.ACCEPT, {"note": "已收到转办，安排处理"},
                      partial(_work, sim, cast, rid, reporter_id)))


def _community_takes(sim, cast, rid: int, reporter_id: int) -> None:
    """The community admin takes up an escalated case within a day and works it."""
    sim.after(sim.rng.uniform(2, 20), partial(_step, sim, cast, rid, Action.ACCEPT,
                                              {"note": "社区已协调物业"},
                                              partial(_work, sim, cast, rid, reporter_id)))


def _work(sim, cast, rid: int, reporter_id: int) -> None:
    """Resolve the accepted case, mostly before its resolve deadline."""
    report = db.session.get(Report, rid)
    handling = steps.current_handling(report)
    due = handling.resolve_due_at if handling is not None else report.resolve_due_at
    sim.after(_timely(sim.rng, _hours_until(due), 0.1),
              partial(_step, sim, cast, rid, Action.RESOLVE, {"note": sim.rng.choice(wording.RESOLVE_NOTES)},
                      partial(_reporter_answers, sim, cast, rid, reporter_id)))


def _reporter_answers(sim, cast, rid: int, reporter_id: int, reopened: bool = False) -> None:
    """The reporter rates, confirms, asks for the work to be redone, or says nothing (the sweep closes)."""
    rng = sim.rng
    report = db.session.get(Report, rid)
    late = bool(report.overdue)
    if not reopened and rng.random() < 0.05:
        sim.after(rng.uniform(4, 40), partial(_step, sim, cast, rid, Action.REOPEN,
                                              {"note": rng.choice(wording.REOPEN_NOTES)},
                                              partial(_redo, sim, cast, rid, reporter_id), by=reporter_id))
        return
    when = rng.uniform(1, 60)
    if rng.random() < 0.65:
        rating = rng.choices([5, 4, 3, 2, 1], [30, 30, 20, 12, 8] if late else [62, 26, 8, 3, 1])[0]
        sim.after(when, partial(_step, sim, cast, rid, Action.RATE,
                                {"rating": rating, "comment": rng.choice(wording.RATING_COMMENTS[rating])},
                                by=reporter_id))
        when += rng.uniform(0.05, 2)
    if rng.random() < 0.55:
        sim.after(when, partial(_step, sim, cast, rid, Action.CONFIRM, {"note": None}, by=reporter_id))


def _redo(sim, cast, rid: int, reporter_id: int) -> None:
    """A reopened case is taken up again and resolved; the reporter then answers once more."""
    rng = sim.rng
    resolve = partial(_step, sim, cast, rid, Action.RESOLVE, {"note": "已重新处理到位"},
                      partial(_reporter_answers, sim, cast, rid, reporter_id, True))
    sim.after(rng.uniform(0.5, 6), partial(_step, sim, cast, rid, Action.ACCEPT, {"note": "重新受理"},
                                           partial(sim.after, rng.uniform(4, 40), resolve)))
