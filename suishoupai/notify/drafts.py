"""What each report step tells whom, in natural zh-CN: one small function per timeline action."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import NamedTuple

from suishoupai.auth.models import ROLE_LABELS
from suishoupai.notify import recipients as to
from suishoupai.notify.fields import clean, shorten, when
from suishoupai.reports.models import Report, ReportEvent


class Draft(NamedTuple):
    """What one step tells whom."""

    kind: str
    recipients: list[int | None]
    title: str
    body: str


#: timeline action → the draft it produces
STEPS: dict[str, Callable[[Report, ReportEvent, str], Draft]] = {}


def step(action: str):
    """Register the draft of a timeline action."""
    def register(func):
        """Keep the function under its action."""
        STEPS[action] = func
        return func
    return register


def _what(report: Report) -> str:
    """The case in a few words: category, description and place."""
    place = f"（{shorten(clean(report.address), 30)}）" if report.address else ""
    return f"{report.category.name}：{shorten(clean(report.description), 40)}{place}"


def _by(at) -> str:
    """A deadline inside a sentence."""
    return f"请于{when(at)}前" if at else "请尽快"


def _extra(event: ReportEvent) -> dict:
    """The timeline event's JSON extras."""
    return json.loads(event.data) if event.data else {}


@step("file")
def _filed(r: Report, e: ReportEvent, cat: str) -> Draft:
    """A case routed to nobody (no grid there, or nobody on it) waits in the community's queue: its
    admins hear of it. Any other filing tells nobody here: its assign or transfer step does."""
    queued = r.assignee_id is None and r.department_id is None
    return Draft("report_assigned", to.unit_admins(r, 1) if queued else [], f"待派单：{cat}",
                 f"{_what(r)}。该位置暂无网格员，请社区派单或受理，{_by(r.accept_due_at)}受理。")


@step("assign")
def _assigned(r: Report, e: ReportEvent, cat: str) -> Draft:
    """A new case for the grid member it was routed or reassigned to."""
    return Draft("report_assigned", [r.assignee_id], f"新派单：{cat}",
                 f"{_what(r)}。{_by(r.accept_due_at)}受理。")


@step("handover")
def _handed_over(r: Report, e: ReportEvent, cat: str) -> Draft:
    """A transferred case's new coordinating grid member (工作交接)."""
    return Draft("report_assigned", [r.assignee_id], f"交接案件：{cat}",
                 f"{_what(r)}。该案件已转办部门处理，现由您跟进。")


@step("accept")
def _accepted(r: Report, e: ReportEvent, cat: str) -> Draft:
    """The reporter hears that someone took the case."""
    who = ROLE_LABELS.get(e.actor_role, "工作人员")
    return Draft("report_accepted", [r.reporter_id], "您的随手拍已受理",
                 f"您反映的“{cat}”问题已由{who}受理，正在处理。")


@step("transfer")
def _transferred(r: Report, e: ReportEvent, cat: str) -> Draft:
    """The department's staff get the case (社区吹哨、部门报到)."""
    return Draft("report_transferred", to.department_staff(r.department_id), f"转办案件：{cat}",
                 f"{_what(r)}。{_by(r.accept_due_at)}受理。")


@step("return")
def _returned(r: Report, e: ReportEvent, cat: str) -> Draft:
    """The dispatcher's admins must pass a case a department handed back on again; its grid member hears."""
    extra = _extra(e)
    level, department = 2 if extra.get("to") == "street" else 1, extra.get("department", "部门")
    return Draft("report_returned", [*to.unit_admins(r, level), r.assignee_id], f"部门退回：{cat}",
                 f"{_what(r)}。{department}退回，原因：{e.note or '未说明'}，请重新派单。")


@step("escalate")
def _escalated(r: Report, e: ReportEvent, cat: str) -> Draft:
    """The admins of the unit the case was reported up to supervise it."""
    level = _extra(e).get("level", 1)
    unit = "社区" if level == 1 else "街道"
    return Draft("report_escalated", to.unit_admins(r, level), f"案件上报{unit}：{cat}",
                 f"{_what(r)}。上报原因：{e.note or '未说明'}，请督办。")


@step("overdue")
def _overdue(r: Report, e: ReportEvent, cat: str) -> Draft:
    """Whoever holds the case is chased (督办)."""
    which = "受理" if _extra(e).get("deadline") == "accept" else "办结"
    return Draft("report_overdue", to.holders(r), f"督办：{cat}案件已超时",
                 f"{_what(r)}。已超过{which}时限，请尽快处理。")


@step("resolve")
def _resolved(r: Report, e: ReportEvent, cat: str) -> Draft:
    """The reporter is asked to look at the result."""
    return Draft("report_resolved", [r.reporter_id], "您的随手拍已办结",
                 f"您反映的“{cat}”问题已处理完毕，请查看处理结果，确认或评价。")


@step("reject")
def _rejected(r: Report, e: ReportEvent, cat: str) -> Draft:
    """The reporter learns why the case was refused."""
    return Draft("report_rejected", [r.reporter_id], "您的随手拍未予受理",
                 f"您反映的“{cat}”问题未予受理。原因：{r.reject_reason or e.note or '未说明'}")


@step("reopen")
def _reopened(r: Report, e: ReportEvent, cat: str) -> Draft:
    """Whoever the case went back to: its grid member, the department that resolved it, or the queue."""
    return Draft("report_reopened", to.holders(r), f"重新办理：{cat}",
                 f"居民对处理结果不满意：{e.note or '未说明原因'}。{_by(r.accept_due_at)}重新受理。")


@step("rate")
def _rated(r: Report, e: ReportEvent, cat: str) -> Draft:
    """The resolver sees the rating."""
    comment = f"评价：{e.note}" if e.note else ""
    return Draft("report_rated", to.resolver(r), f"居民评价：{r.rating}星",
                 f"居民对“{cat}”的处理结果打了{r.rating}星。{comment}")


@step("confirm")
def _confirmed(r: Report, e: ReportEvent, cat: str) -> Draft:
    """The resolver hears that the reporter is satisfied."""
    return Draft("report_confirmed", to.resolver(r), "居民已确认办结",
                 f"居民已确认“{cat}”问题处理完毕，案件结案。")


#: timeline action → what the report's followers (附议) hear: the reporter's news, in their words
FOLLOWER_STEPS: dict[str, Callable[[Report, ReportEvent, str], Draft]] = {}


def follower_step(action: str):
    """Register the followers' draft of a timeline action."""
    def register(func):
        """Keep the function under its action."""
        FOLLOWER_STEPS[action] = func
        return func
    return register


@follower_step("accept")
def _followed_accepted(r: Report, e: ReportEvent, cat: str) -> Draft:
    """Followers hear that someone took the case."""
    return Draft("report_accepted", to.followers(r), "您附议的随手拍已受理",
                 f"您附议的“{cat}”问题已由{ROLE_LABELS.get(e.actor_role, '工作人员')}受理，正在处理。")


@follower_step("resolve")
def _followed_resolved(r: Report, e: ReportEvent, cat: str) -> Draft:
    """Followers may look at the result (confirming and rating stay the reporter's)."""
    return Draft("report_resolved", to.followers(r), "您附议的随手拍已办结",
                 f"您附议的“{cat}”问题已处理完毕，可查看处理结果。")


@follower_step("reject")
def _followed_rejected(r: Report, e: ReportEvent, cat: str) -> Draft:
    """Followers learn why the case was refused."""
    return Draft("report_rejected", to.followers(r), "您附议的随手拍未予受理",
                 f"您附议的“{cat}”问题未予受理。原因：{r.reject_reason or e.note or '未说明'}")


@follower_step("reopen")
def _followed_reopened(r: Report, e: ReportEvent, cat: str) -> Draft:
    """Followers hear the case is being worked again."""
    return Draft("report_reopened", to.followers(r), "您附议的随手拍重新办理",
                 f"您附议的“{cat}”问题已重新办理。")
