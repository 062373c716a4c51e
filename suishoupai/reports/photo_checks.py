"""Checked after-photos: a resolution photo that repeats a before-photo or an earlier closing photo of
the same resolver, or whose EXIF GPS lies far from the report, is flagged for the community admin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from flask import current_app
from sqlalchemy import select, update

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.media.models import Media
from suishoupai.org.actor import Actor
from suishoupai.org.geo import distance_m
from suishoupai.reports import lifecycle
from suishoupai.reports.lifecycle import REVIEWERS, Action, Party
from suishoupai.reports.models import Report, ReportEvent, ReportFlag, ReportPhoto
from suishoupai.reports.proximity import similar
from suishoupai.reports.queries import case_of, load_for_update, parties_of

KIND_LABELS = {"same_as_before": "办结照片与上报照片相同",
               "reused_photo": "办结照片与该处理人以往的办结照片相同",
               "far_from_report": "办结照片拍摄位置远离案件地点"}
#: parties who review flags: the admins above the grid member


def check(report: Report, event: ReportEvent, photos: Sequence[Media]) -> list[ReportFlag]:
    """Compare each after-photo of a resolve step and record a flag per hit; nothing is refused."""
    if not photos:
        return []
    config = current_app.config
    bits, max_m = config["PHOTO_MATCH_BITS"], config["AFTER_PHOTO_MAX_DISTANCE_M"]
    current = [p.id for p in photos]
    before = db.session.execute(
        select(Media.id, Media.phash).join(ReportPhoto, ReportPhoto.media_id == Media.id)
        .where(ReportPhoto.report_id == report.id, ReportPhoto.event_id.is_(None))).all()
    # the resolver's earlier closing photos, found through their uploads (indexed by owner)
    earlier = db.session.execute(select(Media.id, Media.phash).where(
        Media.owner_id == event.actor_id, Media.attached_to == "resolution",
        Media.id.not_in(current))).all() if event.actor_id is not None else []
    flags = []
    for photo in photos:
        hit = similar(photo.phash, before, bits)
        if hit is not None:
            flags.append(ReportFlag(kind="same_as_before", media_id=photo.id, matched_media_id=hit[0],
                                    matched_report_id=report.id, distance=hit[1]))
        hit = similar(photo.phash, earlier, bits)
        if hit is not None:
            flags.append(ReportFlag(kind="reused_photo", media_id=photo.id, matched_media_id=hit[0],
                                    matched_report_id=_report_of(hit[0]), distance=hit[1]))
        if photo.gps is not None:
            metres = distance_m(report.lat, report.lng, *photo.gps)
            if metres > max_m:
                flags.append(ReportFlag(kind="far_from_report", media_id=photo.id, distance=round(metres)))
    now = utcnow()
    for flag in flags:
        flag.report_id, flag.event_id, flag.created_at = report.id, event.id, now
        db.session.add(flag)
    db.session.flush()
    return flags


def _report_of(media_id: int) -> int | None:
    """The report a photo belongs to."""
    return db.session.scalar(select(ReportPhoto.report_id).where(ReportPhoto.media_id == media_id))


def flags_of(report_id: int) -> list[ReportFlag]:
    """Every flag on a report, oldest first."""
    return list(db.session.scalars(
        select(ReportFlag).where(ReportFlag.report_id == report_id).order_by(ReportFlag.id)))


def may_review(actor: Actor, report: Report, parties: set[Party] | None = None) -> bool:
    """Whether the caller is an admin over this report (who see and review its flags); ``parties``
    when the caller's are known already."""
    return bool((parties_of(actor, report) if parties is None else parties) & REVIEWERS)


def review(actor: Actor, report_id: int, note: str | None) -> Report:
    """An admin has looked at the flags: they leave the flagged queue, kept on the case with the note."""
    report = load_for_update(actor, report_id)
    unreviewed = db.session.scalar(select(ReportFlag.id).where(
        ReportFlag.report_id == report.id, ReportFlag.reviewed_at.is_(None)).limit(1)) is not None
    lifecycle.check(Action.REVIEW_FLAGS, replace(case_of(report), open_flags=unreviewed),
                    parties_of(actor, report))
    db.session.execute(
        update(ReportFlag).where(ReportFlag.report_id == report.id, ReportFlag.reviewed_at.is_(None))
        .values(reviewed_at=utcnow(), reviewed_by=actor.user_id, review_note=note))
    return report
