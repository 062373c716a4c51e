"""Every step of a report's lifecycle, asked of the lifecycle first; the routes stay thin."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select

from suishoupai.database import utcnow
from suishoupai.errors import Conflict, InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.media import service as media
from suishoupai.org.actor import Actor
from suishoupai.org.models import Department, GridMember, OrgUnit
from suishoupai.reports import follows, photo_checks
from suishoupai.reports.clocks import (
    SYSTEM,
    clock_of,
    current_handling,
    hand_to,
    photo_ids,
    record,
    set_status,
)
from suishoupai.reports.lifecycle import TOP_LEVEL, Action, AlreadyEscalated, Party, Status, check
from suishoupai.reports.models import Report, ReportEvent
from suishoupai.reports.queries import case_of, load_for_update, parties_of

__all__ = ["SYSTEM", "current_handling", "record"]


# --- lifecycle steps ----------------------------------------------------------------------------


@dataclass
class Step:
    """A step under way: the locked report, how the caller stands to it (None: the system) and the
    status the lifecycle leads it to. No step changes the caller's parties, so the answer reuses them."""

    actor: Actor | None
    report: Report
    parties: set[Party]
    to: Status


def take_step(actor: Actor, report_id: int, action: Action, body: dict) -> Step:
    """Lock the report (404 outside the caller's work), ask the lifecycle whether the caller may take
    `action` now (409 otherwise), then take it with the step's loaded body."""
    report = load_for_update(actor, report_id)
    parties = parties_of(actor, report)
    step = Step(actor, report, parties, check(action, case_of(report), parties))
    HANDLERS[action](step, **body)
    return step


def system_step(report: Report, action: Action, **body) -> None:
    """A step the sweep takes on a report it already holds locked."""
    parties = {Party.SYSTEM}
    HANDLERS[action](Step(None, report, parties, check(action, case_of(report), parties)), **body)


def accept_report(actor: Actor, report_id: int, note: str | None = None) -> Report:
    """Take the case (受理) by id."""
    return take_step(actor, report_id, Action.ACCEPT, {"note": note}).report


def _accept(step: Step, note: str | None = None) -> None:
    """Take the case (受理): the grid member, the department it was transferred to, or an admin."""
    report = step.report
    # read before the report changes: the read's autoflush would write the report twice
    handling = current_handling(report)
    previous = set_status(report, step.to)
    now = utcnow()
    report.accepted_at = report.accepted_at or now
    if handling is not None and handling.accepted_at is None:
        handling.accepted_at = now
    report.holder_accepted = handling is not None
    if Party.GRID in step.parties and previous == Status.ASSIGNED:
        report.assignee_id = step.actor.user_id
        if handling is not None:
            handling.assignee_id = step.actor.user_id
    record(report, step.actor, "accept", previous, note)


def _transfer(step: Step, department_id: int, note: str | None = None) -> None:
    """Hand the case to the competent department (社区吹哨、部门报到), which gets its own clock; the
    dispatcher (the street when a street or district admin sends it, else the community) is recorded,
    for a department that hands the case back."""
    report = step.report
    department = db.session.get(Department, department_id)
    if department is None or department.district_id != report.district_id:
        raise NotFound("部门不存在", code="org.department_not_found")
    if department.id == report.department_id:
        raise Conflict("案件已在该部门办理", code="report.same_department",
                       details={"department_id": department.id, "status": report.status})
    dispatcher = "street" if step.parties & {Party.STREET, Party.DISTRICT} else "community"
    hand_to(report, "department", department.id, None)
    report.department_id = department.id
    previous = set_status(report, step.to)
    record(report, step.actor, "transfer", previous, note, {
        "department_id": department.id, "department": department.name, "dispatcher": dispatcher})


def dispatcher_of(report: Report) -> str:
    """Who sent the case to its department last: community or street (routing counts as community)."""
    data = db.session.scalar(select(ReportEvent.data).where(
        ReportEvent.report_id == report.id, ReportEvent.action == "transfer")
        .order_by(ReportEvent.id.desc()).limit(1))
    return "street" if data and json.loads(data).get("dispatcher") == "street" else "community"


def _return(step: Step, reason: str) -> None:
    """退回: the department hands a case that is not its own back to its dispatcher, who must pass it
    on again; the department's stint ends (handing back answers its clock), the dispatcher's starts."""
    report = step.report
    department = db.session.get(Department, report.department_id)
    dispatcher = dispatcher_of(report)
    hand_to(report, dispatcher, report.community_id if dispatcher == "community" else report.street_id, None)
    report.department_id = None
    previous = set_status(report, step.to)
    record(report, step.actor, "return", previous, reason, {
        "department_id": department.id, "department": department.name, "to": dispatcher})


LEVELS = {"community": 1, "street": 2}


def _escalate(step: Step, reason: str, level: str | None = None) -> None:
    """Report the case upwards (上报) to community or street; the sweep does this too."""
    report = step.report
    target = LEVELS[level] if level else min(report.escalation_level + 1, TOP_LEVEL)
    if target <= report.escalation_level:
        raise AlreadyEscalated(report.status, report.escalation_level)
    unit_id = report.community_id if target == 1 else report.street_id
    hand_to(report, "community" if target == 1 else "street", unit_id, report.assignee_id,
             clock=clock_of(current_handling(report)))
    report.escalation_level = target
    previous = set_status(report, step.to)
    record(report, step.actor, "escalate", previous, reason, {"level": target})


def _resolve(step: Step, media_ids: Sequence[int] = (), note: str | None = None) -> None:
    """Close the work (办结) with after-photos taken by the resolver."""
    report = step.report
    if report.category.needs_after_photo and not media_ids:
        raise InvalidInput("办结需上传处理后的照片", code="report.after_photo_required",
                           details={"fields": {"media_ids": ["至少一张"]}})
    photos = media.attach(step.actor.user_id, list(media_ids), "resolution", public=report.public)
    handling = current_handling(report)
    previous = set_status(report, step.to)
    report.resolved_at = utcnow()
    if handling is not None:
        handling.resolved_at = report.resolved_at
    event = record(report, step.actor, "resolve", previous, note, media_ids=list(media_ids))
    photo_checks.check(report, event, photos)


def _reject(step: Step, reason: str, duplicate_of: int | None = None) -> None:
    """Refuse the case as invalid or as a duplicate of another, with the reason shown to the reporter."""
    report, actor = step.report, step.actor
    if duplicate_of is not None:
        if duplicate_of == report.id:
            raise InvalidInput("不能标记为自身的重复", code="report.duplicate_of_self",
                               details={"fields": {"duplicate_of": ["不能是本案件"]}})
        original = load_for_update(actor, duplicate_of)
        if original.status == Status.REJECTED or original.district_id != report.district_id:
            # the original must itself stand, so duplicates never chain or point across districts
            raise InvalidInput("重复的原案件须是本辖区未驳回的案件", code="report.bad_duplicate_of",
                               details={"fields": {"duplicate_of": ["原案件无效"]}})
        report.duplicate_of_id = duplicate_of
        # merging: whoever backed the duplicate, and its reporter, follow the original from now on
        moved = follows.move(report, original)
        record(original, actor, "merge", original.status, reason,
               {"duplicate": report.id, "followers": moved})
    # a rejected case leaves the public board, and so do its photos
    media.set_public(photo_ids(report), False)
    handling = current_handling(report)  # read before the report changes (one UPDATE, not two)
    report.reject_reason = reason
    previous = set_status(report, step.to)
    if handling is not None:
        handling.ended_at = utcnow()
    report.holder_accepted = False  # nobody holds a rejected case
    record(report, actor, "reject", previous, reason,
           {"duplicate_of": duplicate_of} if duplicate_of else None)


def _reopen(step: Step, note: str | None = None) -> None:
    """The reporter is not satisfied (重新办理): back to whoever resolved it, with fresh deadlines.

    The rating of the earlier round stays on its timeline event (rate), so satisfaction figures
    keep it; the case itself can be rated again.
    """
    report, to = step.report, step.to
    if report.department_id is not None:
        # the department resolved it: the department takes it back (reopen lands on "transferred")
        hand_to(report, "department", report.department_id, None)
        to = Status.TRANSFERRED
    else:
        hand_to(report, "grid" if report.grid_id else "community",
                 report.grid_id or report.community_id, report.assignee_id)
        if report.assignee_id is None:
            to = Status.SUBMITTED  # nobody to give it back to: the community's queue
    report.escalation_level = 0
    report.reopen_count += 1
    report.resolved_at = report.closed_at = report.accepted_at = None
    report.rating = report.rating_comment = None
    previous = set_status(report, to)
    record(report, step.actor, "reopen", previous, note)


def _confirm(step: Step, note: str | None = None) -> None:
    """The reporter confirms the fix (确认办结): the case closes."""
    previous = set_status(step.report, step.to)
    step.report.closed_at = utcnow()
    record(step.report, step.actor, "confirm", previous, note)


def _rate(step: Step, rating: int, comment: str | None = None) -> None:
    """The reporter rates the result (网上评), once a round; the case stays where it stands."""
    report = step.report
    report.rating, report.rating_comment = rating, comment
    previous = set_status(report, step.to)
    record(report, step.actor, "rate", previous, comment, {"rating": rating})


def _close(step: Step) -> None:
    """The sweep closes a resolved case the reporter left unanswered."""
    previous = set_status(step.report, step.to)
    step.report.closed_at = utcnow()
    record(step.report, None, "close", previous, "逾期未确认，系统自动结案")


# --- reassignment -------------------------------------------------------------------------------


def _member_in_scope(actor: Actor, user_id: int, grid_id: int | None,
                     community_id: int | None = None) -> int:
    """The grid the new assignee works in (the report's grid when they work it), within the
    caller's scope and, for a case, within the case's community (reassigning never moves a case
    between communities)."""
    grids = db.session.execute(
        select(GridMember.grid_id, OrgUnit.path, OrgUnit.community_id)
        .join(OrgUnit, OrgUnit.id == GridMember.grid_id).where(GridMember.user_id == user_id)).all()
    reachable = [g for g, path, community in grids if actor.covers(path)
                 and (community_id is None or community == community_id)]
    if not reachable:
        raise NotFound("该网格员不存在或不在本社区", code="report.assignee_not_found")
    return grid_id if grid_id in reachable else reachable[0]


def reassign_report(actor: Actor, report_id: int, assignee_id: int, note: str | None = None) -> Step:
    """Give a case to another grid member (改派) by id."""
    return take_step(actor, report_id, Action.ASSIGN, {"assignee_id": assignee_id, "note": note})


def _assign(step: Step, assignee_id: int, note: str | None = None) -> None:
    """Give a case to another grid member (改派), keeping its deadlines."""
    report = step.report
    report.grid_id = _member_in_scope(step.actor, assignee_id, report.grid_id, report.community_id)
    hand_to(report, "grid", report.grid_id, assignee_id, clock=clock_of(current_handling(report)))
    report.assignee_id = assignee_id
    report.department_id = None  # the grid member holds it again
    previous = set_status(report, step.to)
    record(report, step.actor, "assign", previous, note, {"assignee_id": assignee_id})


def handover(actor: Actor, from_user_id: int, to_user_id: int) -> int:
    """Move every open case of a grid member to another (leave, handover); deadlines kept."""
    _member_in_scope(actor, from_user_id, None)
    _member_in_scope(actor, to_user_id, None)
    ids = list(db.session.scalars(select(Report.id).where(
        Report.assignee_id == from_user_id, Report.is_open.is_(True)).order_by(Report.id)))
    moved = 0
    for report_id in ids:
        report = load_for_update(actor, report_id, missing_ok=True)
        if report is None:
            continue  # outside this admin's scope: another admin hands it over
        if report.status == Status.TRANSFERRED:
            report.assignee_id = to_user_id  # the department still holds it; only the coordinator changes
            record(report, actor, "handover", report.status, data={"assignee_id": to_user_id})
        else:
            reassign_report(actor, report_id, to_user_id, "网格员工作交接")
        moved += 1
    return moved


def open_load_of(user_id: ColumnElement[int]) -> ColumnElement[int]:
    """Open cases held by a grid member, for least-loaded routing: a count correlated to the
    member's user id column, so routing reads members and loads in one query."""
    reports = Report.__table__  # the routing query stays on the tables (see org.service._members_query)
    return (select(func.count()).where(reports.c.assignee_id == user_id, reports.c.is_open.is_(True))
            .scalar_subquery())


#: each action's operation, called with the step and the action's own loaded body
HANDLERS: dict[Action, Callable[..., None]] = {
    Action.ASSIGN: _assign,
    Action.ACCEPT: _accept,
    Action.TRANSFER: _transfer,
    Action.RETURN: _return,
    Action.ESCALATE: _escalate,
    Action.RESOLVE: _resolve,
    Action.REJECT: _reject,
    Action.REOPEN: _reopen,
    Action.CONFIRM: _confirm,
    Action.RATE: _rate,
    Action.CLOSE: _close,
}
