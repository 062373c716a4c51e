"""Suspected duplicates for staff (near in space and time, or the same picture), and merging them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from suishoupai.errors import Forbidden
from suishoupai.extensions import db
from suishoupai.media.models import Media
from suishoupai.org.actor import Actor
from suishoupai.org.geo import distance_m
from suishoupai.reports import service
from suishoupai.reports.lifecycle import REVIEWERS, Action, Case, Party, Status, check, may
from suishoupai.reports.models import Report, ReportFlag, ReportPhoto
from suishoupai.reports.proximity import bounding_box, similar
from suishoupai.reports.queries import case_of, get_visible, load_for_update, parties_of, worked_by

#: at most this many suspects are shown
LIMIT = 10


def _photos(*where) -> list[tuple[int, int, str]]:
    """(report id, media id, phash) of filing photos of the reports matching `where`."""
    return list(db.session.execute(
        select(ReportPhoto.report_id, Media.id, Media.phash)
        .join(Media, Media.id == ReportPhoto.media_id).join(Report, Report.id == ReportPhoto.report_id)
        .where(ReportPhoto.event_id.is_(None), *where)))


def suspects(actor: Actor, report_id: int) -> list[tuple[Report, float, list[str], int | None]]:
    """Reports the caller works on that may be the same problem: (report, metres, reasons, photo bits).

    Same category within the radius and filed within the window either side; or, in the same
    community and window, a filing photo within PHOTO_MATCH_BITS of one of this report's.
    """
    report = get_visible(actor, report_id)
    if not parties_of(actor, report) - {Party.REPORTER}:
        raise Forbidden("只有处理该案件的工作人员可以查看疑似重复", code="report.staff_only")
    config = current_app.config
    window = timedelta(days=config["DUPLICATE_DAYS"])
    common = (Report.id != report.id, Report.status != Status.REJECTED, worked_by(actor),
              Report.created_at.between(report.created_at - window, report.created_at + window))
    box = bounding_box(report.lat, report.lng, config["DUPLICATE_RADIUS_M"])
    near = set(db.session.scalars(select(Report.id).where(
        Report.category_id == report.category_id, Report.lat.between(box.min_lat, box.max_lat),
        Report.lng.between(box.min_lng, box.max_lng), *common)))
    pictures: dict[int, int] = {}
    own = [(media_id, phash) for _, media_id, phash in _photos(ReportPhoto.report_id == report.id)]
    for other_id, _, phash in _photos(Report.community_id == report.community_id, *common):
        match = similar(phash, own, config["PHOTO_MATCH_BITS"])
        if match is not None and match[1] < pictures.get(other_id, 65):
            pictures[other_id] = match[1]
    ids = near | set(pictures)
    if not ids:
        return []
    out = []
    for other in db.session.scalars(select(Report).where(Report.id.in_(ids))):
        metres = distance_m(report.lat, report.lng, other.lat, other.lng)
        # the box's corners lie outside the circle
        reasons = [reason for reason, hit in (
            ("nearby", other.id in near and metres <= config["DUPLICATE_RADIUS_M"]),
            ("photo", other.id in pictures)) if hit]
        if reasons:
            out.append((other, metres, reasons, pictures.get(other.id)))
    # the same picture is the strongest sign, then distance
    out.sort(key=lambda s: (s[3] is None, s[3] or 0, s[1], s[0].id))
    return out[:LIMIT]


def case_facts(actor: Actor, report: Report, parties: set[Party]) -> Case:
    """What the lifecycle decides a case file's actions by: the case itself, and for the steps beside
    the state machine whether there is a suspect to merge into and a flag to review (each looked up
    only when the caller could take that step)."""
    case = case_of(report)
    facts = {"moderation": report.moderation}
    if may(Action.REJECT, case, parties):
        facts["has_suspects"] = bool(suspects(actor, report.id))
    if parties & REVIEWERS:
        facts["open_flags"] = db.session.scalar(select(ReportFlag.id).where(
            ReportFlag.report_id == report.id, ReportFlag.reviewed_at.is_(None)).limit(1)) is not None
    return replace(case, **facts)


def merge(actor: Actor, report_id: int, into: int, reason: str | None) -> service.Step:
    """Reject a report as a duplicate of another (the one reject path), which moves its followers;
    offered while the heuristics suspect a duplicate (a case no suspect was found for is rejected
    with ``duplicate_of`` instead)."""
    report = load_for_update(actor, report_id)
    parties, case = parties_of(actor, report), case_of(report)
    suspected = may(Action.REJECT, case, parties) and bool(suspects(actor, report_id))
    check(Action.MERGE, replace(case, has_suspects=suspected), parties)
    return service.take_step(actor, report_id, Action.REJECT,
                             {"reason": reason or f"与案件 #{into} 重复，已合并处理", "duplicate_of": into})
