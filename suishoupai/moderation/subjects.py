"""What is checked of reports and wishes, and how a verdict shows on them.

Checked: a report's description, the reporter's notes on their own steps (reopen, confirm, the
rating comment) and the photos filed with it; a wish's title and description, the claimant's
fulfilment note and photos, the thanks. Not checked: the address and the wish's own photos (never
shown to the public) and staff's notes and after-photos (staff act under their name).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from suishoupai.errors import Conflict
from suishoupai.extensions import db
from suishoupai.media import service as media
from suishoupai.media.models import Media
from suishoupai.moderation.models import ModerationCheck, Verdict
from suishoupai.moderation.service import SHOW, UNDECIDED, check_new, decide, in_reach, open_check, refresh
from suishoupai.org.actor import Actor
from suishoupai.reports import events as report_events
from suishoupai.reports import lifecycle
from suishoupai.reports.models import Report, ReportEvent, ReportPhoto
from suishoupai.reports.queries import case_of, load_for_update, parties_of
from suishoupai.wishes import events as wish_events
from suishoupai.wishes.models import Wish, WishEvent, WishPhoto

#: WeChat's scenes: 2 comment, 3 forum, 4 social log
COMMENT, FORUM, SOCIAL_LOG = 2, 3, 4


def _start(subject_type: str, subject_id: int, checks: list) -> None:
    """Ask the provider at once about the new checks, then show the subject's worst verdict
    (pending hides it until its checks pass)."""
    if check_new(checks) is not None:
        refresh(subject_type, subject_id)


def on_report_filed(report: Report, event: ReportEvent, photos: list[Media] | None = None,
                    **_extra) -> None:
    """The description and the photos filed with it (``photos``: their rows, when the filing has
    them at hand).

    A report is filed once, in this transaction: none of its fields is checked yet, and these
    checks are all it has, so their verdict is the report's without reading them back.
    """
    if photos is None:
        photos = list(db.session.scalars(
            select(Media).join(ReportPhoto, ReportPhoto.media_id == Media.id)
            .where(ReportPhoto.report_id == report.id, ReportPhoto.event_id.is_(None))
            .order_by(ReportPhoto.position)))
    verdict = check_new(
        [open_check("report", report, "text", report.reporter_id, FORUM, content=report.description,
                    fresh=True)]
        + [open_check("report", report, f"photo:{photo.id}", report.reporter_id, FORUM, media_id=photo.id,
                      fresh=True) for photo in photos])
    # set only what changes: an attribute set, even to the same value, makes the commit run a flush
    if report.moderation != verdict:
        report.moderation = verdict
    public = _on_board(report, verdict)
    for photo in photos:
        if photo.public != public:
            photo.public = public


def on_report_note(report: Report, event: ReportEvent, **_extra) -> None:
    """A note the reporter wrote on their own step (reopen, confirm, rating comment) shows on the timeline."""
    if event.actor_id == report.reporter_id and event.note:
        _start("report", report.id, [open_check("report", report, f"note:{event.id}", report.reporter_id,
                                                COMMENT, content=event.note)])


def _on_board(report: Report, verdict: Verdict) -> bool:
    """Whether the report's filing photos are public: only while the report is on the board."""
    return report.public and report.status != "rejected" and verdict == Verdict.PASS


def show_report(report_id: int, verdict: Verdict) -> None:
    """The verdict on the report, and its filing photos on or off the public board with it."""
    report = db.session.get(Report, report_id)
    report.moderation = verdict
    photo_ids = list(db.session.scalars(select(ReportPhoto.media_id).where(
        ReportPhoto.report_id == report_id, ReportPhoto.event_id.is_(None))))
    media.set_public(photo_ids, _on_board(report, verdict))


def on_wish_submitted(wish: Wish, event: WishEvent, **_extra) -> None:
    """Title and description, checked as one text."""
    owner = wish.wisher_id or wish.submitted_by_id
    _start("wish", wish.id, [open_check("wish", wish, "text", owner, FORUM,
                                        content=f"{wish.title}\n{wish.description}")])


def on_wish_fulfilled(wish: Wish, event: WishEvent, **_extra) -> None:
    """The claimant's note and photos, shown with the wish."""
    checks = []
    if wish.fulfil_note:
        checks.append(open_check("wish", wish, "fulfil_note", event.actor_id, SOCIAL_LOG,
                                 content=wish.fulfil_note))
    for media_id in db.session.scalars(select(WishPhoto.media_id).where(
            WishPhoto.wish_id == wish.id, WishPhoto.stage == "fulfilment").order_by(WishPhoto.position)):
        checks.append(open_check("wish", wish, f"photo:{media_id}", event.actor_id, SOCIAL_LOG,
                                 media_id=media_id))
    _start("wish", wish.id, checks)


def on_wish_confirmed(wish: Wish, event: WishEvent, **_extra) -> None:
    """The thanks shown on the board."""
    if wish.thanks and event.actor_id:
        thanks = open_check("wish", wish, "thanks", event.actor_id, COMMENT, content=wish.thanks)
        _start("wish", wish.id, [thanks])


def show_wish(wish_id: int, verdict: Verdict) -> None:
    """The verdict on the wish (the board shows only passed wishes)."""
    db.session.get(Wish, wish_id).moderation = verdict


SHOW.update(report=show_report, wish=show_wish)
HANDLERS = [
    (report_events.report_filed, on_report_filed),
    (report_events.report_reopened, on_report_note),
    (report_events.report_closed, on_report_note),
    (report_events.report_rated, on_report_note),
    (wish_events.wish_submitted, on_wish_submitted),
    (wish_events.wish_fulfilled, on_wish_fulfilled),
    (wish_events.wish_confirmed, on_wish_confirmed),
]


def connect() -> None:
    """Listen to the steps that bring new content (idempotent)."""
    for signal, handler in HANDLERS:
        signal.connect(handler, weak=False)


def decide_report(actor: Actor, report_id: int, decision: str, note: str | None) -> Report:
    """The case file's 通过/屏蔽: staff decide every undecided check of a report at once, when the
    lifecycle offers the step (administrators over the case, content pending or in review)."""
    report = load_for_update(actor, report_id)
    lifecycle.check(lifecycle.Action.MODERATE, replace(case_of(report), moderation=report.moderation),
                    parties_of(actor, report))
    ids = list(db.session.scalars(select(ModerationCheck.id).where(
        ModerationCheck.subject_type == "report", ModerationCheck.subject_id == report.id,
        ModerationCheck.status.in_(UNDECIDED), in_reach(actor)).order_by(ModerationCheck.id)))
    if not ids:  # the report's own mark and its checks disagree: nothing a person can decide here
        raise Conflict("没有待审核的内容", code="moderation.nothing_to_decide",
                       details={"moderation": report.moderation})
    for check_id in ids:
        decide(actor, check_id, decision, note)
    db.session.refresh(report)
    return report
