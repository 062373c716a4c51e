"""What each viewer sees of a report: staff see who and where; the public and the reporter less."""

from __future__ import annotations

import json
from functools import cache
from typing import NamedTuple

from sqlalchemy import Select, bindparam, select

from suishoupai.auth.models import ROLE_LABELS, User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.media import service as media
from suishoupai.media.models import Media, display_key, thumb_key
from suishoupai.org import geo
from suishoupai.org import index as org_index
from suishoupai.org.actor import Actor
from suishoupai.org.service import CARD_COLUMNS, card_of
from suishoupai.reports import duplicates, follows, photo_checks, stints
from suishoupai.reports.deadlines import past_due, running_due, urgency
from suishoupai.reports.lifecycle import ACTION_LABELS, STATUS_LABELS, Party, Status, available_actions
from suishoupai.reports.models import Report, ReportEvent, ReportPhoto
from suishoupai.reports.nearby import Hit
from suishoupai.reports.queries import holder_accepted, parties_of

#: roles whose people others see as the role alone, never by name
NAMELESS_ROLES = ("resident", "rider", "volunteer")
EVENT_LABELS = {**{a.value: label for a, label in ACTION_LABELS.items()},
                "file": "提交", "overdue": "超时督办", "handover": "工作交接", "merge": "合并重复案件"}


def _names(model, ids) -> dict:
    """Rows by id, in one query."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}


@cache
def _people_query() -> Select:
    """Users by id, the card columns only (built once; ids expand at execution)."""
    return select(*CARD_COLUMNS).where(User.id.in_(bindparam("ids", expanding=True)))


def _people(ids) -> dict:
    """Users by id as light rows (name and phone columns), in one query."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row for row in db.session.execute(_people_query(), {"ids": list(ids)})}


def _ref(names: dict[int, str], ref_id: int | None) -> dict | None:
    """{id, name} of a unit or department."""
    return None if ref_id is None else {"id": ref_id, "name": names.get(ref_id, "")}


#: what a photo's URLs need, without the rest of the media row
PHOTO_COLUMNS = (Media.id, Media.sha256, Media.public)


def _photos(report_ids: list[int], first_only: bool) -> dict[int, list[dict]]:
    """The filing photos of reports, with URLs fit for their visibility."""
    stmt = (select(ReportPhoto.report_id, *PHOTO_COLUMNS).join(Media, Media.id == ReportPhoto.media_id)
            .where(ReportPhoto.report_id.in_(report_ids), ReportPhoto.event_id.is_(None)))
    if first_only:
        stmt = stmt.where(ReportPhoto.position == 0)
    out: dict[int, list[dict]] = {}
    for row in db.session.execute(stmt.order_by(ReportPhoto.position)):
        out.setdefault(row.report_id, []).append(_photo(row))
    return out


def _thumbs(report_ids: list[int]) -> dict[int, str]:
    """The thumbnail URL of each report's first filing photo, in one query."""
    rows = db.session.execute(
        select(ReportPhoto.report_id, Media.sha256, Media.public)
        .join(Media, Media.id == ReportPhoto.media_id)
        .where(ReportPhoto.report_id.in_(report_ids), ReportPhoto.event_id.is_(None),
               ReportPhoto.position == 0))
    return {row.report_id: media.url(thumb_key(row.sha256), row.public) for row in rows}


def _photo(photo) -> dict:
    """A photo's id and URLs (from a Media row or the same columns)."""
    return {"id": photo.id, "url": media.url(display_key(photo.sha256), photo.public),
            "thumb_url": media.url(thumb_key(photo.sha256), photo.public)}


def _location(report: Report, coord_type: str, public_view: bool) -> dict:
    """The spot in the requested datum; rounded to about 100 m on the public board."""
    lat, lng = geo.from_wgs84(report.lat, report.lng, coord_type)
    if public_view:
        lat, lng = round(lat, 3), round(lng, 3)
    return {"lat": lat, "lng": lng, "coord_type": coord_type}


def _card(r, now, coord_type: str, public_view: bool, category: dict, grid: dict | None,
          community: dict | None, department: dict | None, assignee: dict | None, thumb_url: str | None,
          followed: tuple[int, bool], reporter: dict | None, accepted: bool) -> dict:
    """One list card from a report (an entity, or a row of its columns) and what it names; the one
    place the card's shape is written. ``reporter`` None leaves the key out (not staff); ``accepted``:
    whether the current holder has taken the case up."""
    status = Status(r.status)
    is_open = r.is_open
    due = running_due(accepted, r.accept_due_at, r.resolve_due_at)
    overdue = is_open and (r.overdue or past_due(now, due))
    item = {
        "id": r.id, "category": category,
        "description": r.description, "status": r.status, "status_label": STATUS_LABELS[status],
        "location": _location(r, coord_type, public_view),
        "address": None if public_view else r.address, "public": r.public, "moderation": r.moderation,
        "grid": grid, "community": community, "department": department,
        "assignee": assignee,
        "escalation_level": r.escalation_level,
        "accept_due_at": r.accept_due_at, "resolve_due_at": r.resolve_due_at,
        "overdue": overdue,
        "urgency": "red" if overdue else urgency(now, r.clock_started_at or r.created_at, due)
        if is_open else "green",
        "accepted_at": r.accepted_at, "resolved_at": r.resolved_at, "closed_at": r.closed_at,
        "rating": r.rating, "reopen_count": r.reopen_count, "duplicate_of": r.duplicate_of_id,
        "reject_reason": r.reject_reason,
        "thumb_url": thumb_url,
        "created_at": r.created_at, "updated_at": r.updated_at,
    }
    item["follower_count"], item["following"] = followed
    if reporter is not None:
        item["reporter"] = reporter
    return item


def present(reports: list[Report], actor: Actor, coord_type: str, public_view: bool = False,
            thumbs: dict[int, str] | None = None, people: dict | None = None,
            followed: dict[int, tuple[int, bool]] | None = None,
            parties: dict[int, set[Party]] | None = None,
            accepted: dict[int, bool] | None = None) -> list[dict]:
    """Cards of report entities (detail, suspected duplicates), loaded in a fixed number of queries
    (``thumbs``, ``people``, ``followed``, the caller's ``parties`` and whether each holder has
    ``accepted``, by report id, when the caller knows them already)."""
    if not reports:
        return []
    units, departments = org_index.unit_names(), org_index.department_names()
    known = parties or {}
    staff = set() if public_view else {
        r.id for r in reports if (known.get(r.id) or parties_of(actor, r)) - {Party.REPORTER}}
    assignees = set() if public_view else {r.assignee_id for r in reports} - {None}
    # reporters and assignees in one query of the few columns a name and a card need
    if people is None:
        people = _people([r.reporter_id for r in reports if r.id in staff] + list(assignees))
    if thumbs is None:
        thumbs = _thumbs([r.id for r in reports])
    if followed is None:
        followed = follows.counts([r.id for r in reports], actor.user_id)
    if accepted is None:
        accepted = dict(db.session.execute(select(Report.id, holder_accepted(Report.id))
                                           .where(Report.id.in_([r.id for r in reports]))).all())
    # one card per distinct assignee (a page usually holds a handful of grid members)
    cards = {i: card_of(people[i]) for i in assignees if i in people}
    now = utcnow()
    items = []
    for r in reports:
        reporter = None
        if r.id in staff:
            person = people.get(r.reporter_id)
            reporter = {"id": person.id, "name": User.display_name.fget(person)}
        items.append(_card(
            r, now, coord_type, public_view, {"code": r.category.code, "name": r.category.name},
            _ref(units, r.grid_id), _ref(units, r.community_id), _ref(departments, r.department_id),
            cards.get(r.assignee_id), thumbs.get(r.id), followed.get(r.id, (0, False)), reporter,
            bool(accepted.get(r.id))))
    return items


class _Person(NamedTuple):
    """The card columns of a user, from a list row."""

    id: int
    real_name: str | None
    nickname: str | None
    phone_enc: str | None


def _named(ref_id: int | None, name: str | None) -> dict | None:
    """{id, name} of a unit or department read with the row."""
    return None if ref_id is None else {"id": ref_id, "name": name if name is not None else ""}


def list_items(rows: list, actor: Actor, coord_type: str, public_view: bool = False) -> list[dict]:
    """Cards of the rows queries.list_reports reads: everything they name came in the same row, so
    this sends no query; the shape is that of present()."""
    if not rows:
        return []
    now = utcnow()
    cards: dict[int, dict] = {}
    items = []
    for r in rows:
        assignee = None
        if not public_view and r.assignee_id is not None:
            assignee = cards.get(r.assignee_id)
            if assignee is None:
                # one card per distinct assignee: the phone is decrypted once a page
                assignee = cards[r.assignee_id] = card_of(_Person(
                    r.assignee_id, r.assignee_name, None, r.assignee_phone_enc))
        reporter = None
        if not public_view and parties_of(actor, r) - {Party.REPORTER}:
            reporter = {"id": r.reporter_id,
                        "name": User.display_name.fget(_Person(r.reporter_id, r.reporter_name, None, None))}
        thumb = None
        if r.thumb:
            kind, _, sha256 = r.thumb.partition(":")
            thumb = media.url(thumb_key(sha256), kind == "public")
        items.append(_card(
            r, now, coord_type, public_view, {"code": r.category_code, "name": r.category_name},
            _named(r.grid_id, r.grid_name), _named(r.community_id, r.community_name),
            _named(r.department_id, r.department_name), assignee, thumb,
            (r.follower_count, bool(r.following)), reporter, bool(r.holder_accepted)))
    return items


def detail(report: Report, actor: Actor, coord_type: str,
           fresh: tuple[list[Media], list[ReportEvent]] | None = None, known: dict | None = None,
           parties: set[Party] | None = None) -> dict:
    """One report with its photos, timeline and the steps the caller may take now.

    ``fresh``: the filing photos (in order) and the events of a report filed in this transaction,
    presented as they are instead of read back. ``known``: light user rows by id already at hand
    (the assignee routing just chose), so only the other people the answer names are read.
    ``parties``: how the caller stands to the report, when a step has worked that out already.
    """
    if parties is None:
        parties = parties_of(actor, report)
    public_view = not parties
    staff = bool(parties - {Party.REPORTER})
    if fresh:
        rows = [(None, position, photo) for position, photo in enumerate(fresh[0])]
        events = fresh[1]
    else:
        rows = list(db.session.execute(
            select(ReportPhoto.event_id, ReportPhoto.position, *PHOTO_COLUMNS)
            .join(Media, Media.id == ReportPhoto.media_id).where(ReportPhoto.report_id == report.id)
            .order_by(ReportPhoto.position, ReportPhoto.id)))
        events = list(db.session.scalars(
            select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id)))
    # everyone the answer names, in one query: staff see every name, others the assignee's card and
    # staff actors' surnames only
    named = {e.actor_id for e in events if staff or e.actor_role not in NAMELESS_ROLES}
    named |= {report.reporter_id, report.assignee_id} if staff else {report.assignee_id}
    known = known or {}
    people = {**known, **_people(named - known.keys())}
    # one read of every photo serves the card's thumbnail, the photos and the timeline's photos
    by_event: dict[int | None, list[dict]] = {}
    for row in sorted(rows, key=lambda row: row[1]):
        by_event.setdefault(row[0], []).append(_photo(row if not fresh else row[2]))
    filed = by_event.pop(None, [])
    view = present([report], actor, coord_type, public_view=public_view,
                   thumbs={report.id: filed[0]["thumb_url"]} if filed else {}, people=people,
                   # nobody can have followed a report filed in this very transaction
                   followed={} if fresh else None, parties={report.id: parties},
                   # a report filed in this very transaction waits for its first holder
                   accepted={report.id: False} if fresh else None)[0]
    view["photos"] = filed
    view["rating_comment"] = report.rating_comment
    facts = duplicates.case_facts(actor, report, parties)
    view["actions"] = [a.value for a in available_actions(facts, parties)]
    if not public_view:
        view["handler"], held = stints.view(report, staff)
        if staff:
            view["stints"] = held
            view["grid_revision_id"] = report.grid_revision_id
    view["timeline"] = timeline(report, staff=staff, events=events,
                                photos=by_event, people=people)
    if photo_checks.may_review(actor, report, parties):
        view["flags"] = flags(report)
    return view


def flags(report: Report) -> list[dict]:
    """The after-photo flags of a case with both photos, for the admins who review them."""
    rows = photo_checks.flags_of(report.id)
    photos = _names(Media, [f.media_id for f in rows] + [f.matched_media_id for f in rows])
    return [{"id": f.id, "kind": f.kind, "label": photo_checks.KIND_LABELS.get(f.kind, f.kind),
             "photo": _photo(photos[f.media_id]),
             "matched_photo": _photo(photos[f.matched_media_id]) if f.matched_media_id else None,
             "matched_report_id": f.matched_report_id, "distance": f.distance,
             "created_at": f.created_at, "reviewed_at": f.reviewed_at, "review_note": f.review_note}
            for f in rows]


def nearby(hits: list[Hit], actor: Actor, coord_type: str) -> list[dict]:
    """Nearby open reports as the public sees them, with distance and 附议 count; never who filed."""
    ids = [h.id for h in hits]
    # the few reports' own columns with their first filing photo, in one query
    rows = {row.id: row for row in db.session.execute(
        select(Report.id, Report.description, Report.status, Report.reporter_id, Report.created_at,
               Media.sha256, Media.public)
        .outerjoin(ReportPhoto, (ReportPhoto.report_id == Report.id) & ReportPhoto.event_id.is_(None)
                   & (ReportPhoto.position == 0))
        .outerjoin(Media, Media.id == ReportPhoto.media_id).where(Report.id.in_(ids)))}
    followed = follows.counts(ids, actor.user_id)
    items = []
    for hit in hits:
        r = rows[hit.id]
        lat, lng = geo.from_wgs84(hit.lat, hit.lng, coord_type)
        count, following = followed.get(r.id, (0, False))
        items.append({
            "id": r.id, "category": {"code": hit.category.code, "name": hit.category.name},
            "description": r.description, "status": r.status,
            "status_label": STATUS_LABELS[Status(r.status)],
            # rounded as on the public board, and the distance to whole tens of metres, no finer
            "location": {"lat": round(lat, 3), "lng": round(lng, 3), "coord_type": coord_type},
            "distance_m": int(round(hit.metres, -1)), "follower_count": count, "following": following,
            "mine": r.reporter_id == actor.user_id,
            "thumb_url": media.url(thumb_key(r.sha256), r.public) if r.sha256 else None,
            "created_at": r.created_at})
    return items


def _actor_name(user, role: str, staff: bool) -> str:
    """Staff see names; residents see role and surname (网格员 王); user is a User or a light row."""
    label = ROLE_LABELS.get(role, role)
    if user is None:
        return label
    if staff:
        return f"{label} {User.display_name.fget(user)}"
    if role in NAMELESS_ROLES:
        return label
    return f"{label} {(user.real_name or user.nickname or '')[:1]}".strip()


def timeline(report: Report, staff: bool, events: list[ReportEvent] | None = None,
             photos: dict[int, list[dict]] | None = None, people: dict | None = None) -> list[dict]:
    """Every step of the case, oldest first, with its photos and actors (read here unless given)."""
    if events is None:
        events = list(db.session.scalars(
            select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id)))
    if people is None:
        people = _people([e.actor_id for e in events])
    if photos is None:
        photos = {}
        for row in db.session.execute(
                select(ReportPhoto.event_id, *PHOTO_COLUMNS).join(Media, Media.id == ReportPhoto.media_id)
                .where(ReportPhoto.report_id == report.id, ReportPhoto.event_id.is_not(None))
                .order_by(ReportPhoto.position)):
            photos.setdefault(row.event_id, []).append(_photo(row))
    out = []
    for e in events:
        data = json.loads(e.data) if e.data else {}
        if not staff:
            data.pop("assignee_id", None)
        # whoever filed stays a role to everyone but staff, even when the filer is staff themselves
        person = None if not staff and e.actor_id == report.reporter_id else people.get(e.actor_id)
        out.append({"action": e.action, "label": EVENT_LABELS.get(e.action, e.action),
                    "actor": _actor_name(person, e.actor_role, staff),
                    "actor_role": e.actor_role, "from_status": e.from_status, "to_status": e.to_status,
                    "note": e.note, "data": data, "photos": photos.get(e.id, []), "at": e.created_at})
    return out


def suspects(rows: list[tuple[Report, float, list[str], int | None]], actor: Actor,
             coord_type: str) -> list[dict]:
    """Suspected duplicates as staff list cards, each with why it is suspected."""
    cards = present([r for r, *_ in rows], actor, coord_type)
    for card, (_, metres, reasons, bits) in zip(cards, rows, strict=True):
        card.update(distance_m=round(metres, 1), reasons=reasons, photo_bits=bits)
    return cards
