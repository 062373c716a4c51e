"""Reports, their categories, the working-day calendar, handling clocks and timeline."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text, UniqueConstraint, event, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from suishoupai.database import UTCDateTime, utcnow
from suishoupai.extensions import db


class Category(db.Model):
    """A kind of problem, with its deadlines (分类限期) and where it goes."""

    __tablename__ = "report_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(String(200))
    accept_amount: Mapped[int]
    #: hours | workdays
    accept_unit: Mapped[str] = mapped_column(String(8))
    resolve_amount: Mapped[int]
    resolve_unit: Mapped[str] = mapped_column(String(8))
    default_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    #: file straight to the default department instead of the grid member
    route_to_department: Mapped[bool] = mapped_column(default=False)
    needs_after_photo: Mapped[bool] = mapped_column(default=True)
    #: the sweep escalates to community at this multiple of the allowed time, to street at the next
    escalate_community_factor: Mapped[float] = mapped_column(Float, default=1.0)
    escalate_street_factor: Mapped[float] = mapped_column(Float, default=2.0)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class CalendarDay(db.Model):
    """An exception to Mon–Fri: a public holiday, or a weekend make-up working day (调休)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool]
    note: Mapped[str | None] = mapped_column(String(50))


class Report(db.Model):
    """A resident's report (随手拍) and where it stands."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_reporter", "reporter_id", "created_at", "id"),
        Index("ix_reports_grid", "grid_id", "created_at", "id"),
        Index("ix_reports_community_open", "community_id", "is_open", "created_at", "id"),
        Index("ix_reports_community", "community_id", "created_at", "id"),
        Index("ix_reports_street", "street_id", "created_at", "id"),
        Index("ix_reports_district", "district_id", "created_at", "id"),
        Index("ix_reports_assignee_open", "assignee_id", "is_open", "created_at", "id"),
        Index("ix_reports_department_open", "department_id", "is_open", "created_at", "id"),
        Index("ix_reports_public", "public", "moderation", "created_at", "id"),
        Index("ix_reports_sweep", "is_open", "status"),
        #: GET /reports/nearby: category and open by equality, a latitude range, the rest read in the index
        Index("ix_reports_nearby", "category_id", "is_open", "lat", "lng", "created_at"),
        #: the stats facts are refreshed from the reports written since their mark
        Index("ix_reports_updated", "updated_at"),
        #: the console's 待审核 tab and count: the few reports whose content has not passed
        Index("ix_reports_unpassed", "moderation", postgresql_where=text("moderation <> 'pass'"),
              sqlite_where=text("moderation <> 'pass'")),
        #: the console's queue: the open cases of a unit in deadline order, read in index order (a page
        #: of 20 reads about 20 rows, however many are open); the columns the tab counts decide by ride
        #: along, so the counts read the index alone
        *(Index(f"ix_reports_open_due_{unit}", f"{unit}_id", "due_at", "id",
                postgresql_include=["holder_accepted", "overdue", "status"],
                postgresql_where=text("is_open IS TRUE"), sqlite_where=text("is_open IS TRUE"))
          for unit in ("community", "street", "district")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("report_categories.id"))
    description: Mapped[str] = mapped_column(Text)
    #: WGS-84
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(200))
    public: Mapped[bool] = mapped_column(default=True)
    #: content security of the reporter's texts and photos: pending | pass | review | risky, the worst
    #: of its checks (moderation/ opens them in the filing transaction); the public board shows only
    #: pass. Nothing to check (rows older than moderation, bulk loads) is pass.
    moderation: Mapped[str] = mapped_column(String(8), default="pass", server_default="pass")
    status: Mapped[str] = mapped_column(String(16))
    #: submitted/assigned/accepted/transferred/escalated; kept with status for indexed lists
    is_open: Mapped[bool] = mapped_column(default=True)
    #: None when the spot lies in no grid (the community's queue)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    #: the boundary revision whose grids routed the report (None: routed before revisions were kept)
    grid_revision_id: Mapped[int | None] = mapped_column(ForeignKey("boundary_revisions.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    #: the grid member holding the case
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the department holding the case after a transfer (社区吹哨、部门报到)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    #: 0 none, 1 community, 2 street
    escalation_level: Mapped[int] = mapped_column(default=0)
    #: the current handler's deadlines (see ReportHandling for each party's own clock)
    accept_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue: Mapped[bool] = mapped_column(default=False)
    #: the current holder has taken the case up (its open stint is accepted), kept with the stints
    holder_accepted: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: the current handler's deadline: to accept until accepted, then to resolve (set on every write)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the current handler's clock started (urgency is measured against it)
    clock_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(String(200))
    reopen_count: Mapped[int] = mapped_column(default=0)
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category] = relationship(lazy="joined", innerjoin=True)


@event.listens_for(Report, "before_insert")
@event.listens_for(Report, "before_update")
def _current_due(_mapper, _connection, report: Report) -> None:
    """Keep ``due_at`` the deadline running now (deadlines.running_due), so the queue orders by a column."""
    report.due_at = report.resolve_due_at if report.holder_accepted else report.accept_due_at


class ReportHandling(db.Model):
    """One party's stint on a case with its own clock, so delay is attributed to the right one."""

    __tablename__ = "report_handlings"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    #: grid | department | community | street
    party: Mapped[str] = mapped_column(String(16))
    #: grid, department or org unit id of the party
    party_id: Mapped[int | None]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accept_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the sweep has marked (and announced) this stint's accept / resolve deadline as missed
    accept_overdue_marked: Mapped[bool] = mapped_column(default=False)
    resolve_overdue_marked: Mapped[bool] = mapped_column(default=False)


class ReportEvent(db.Model):
    """One step on the case's timeline (件件有回音)."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    #: None for the system (routing, sweep)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    #: JSON: department, level, duplicate_of, rating …
    data: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportPhoto(db.Model):
    """A photo on a report: filed with it, or added by a step (after-photos)."""

    __tablename__ = "report_photos"
    __table_args__ = (UniqueConstraint("media_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    #: None for the photos filed with the report
    event_id: Mapped[int | None] = mapped_column(ForeignKey("report_events.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)


class ReportFollow(db.Model):
    """A resident backing someone else's report (附议); they hear of its steps as its reporter does."""

    __tablename__ = "report_follows"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportFlag(db.Model):
    """Something about a resolution the community admin should look at (a recycled or far after-photo)."""

    __tablename__ = "report_flags"
    __table_args__ = (Index("ix_report_flags_open", "report_id", "reviewed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    #: the resolve step whose photo raised it
    event_id: Mapped[int] = mapped_column(ForeignKey("report_events.id", ondelete="CASCADE"))
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    #: same_as_before | reused_photo | far_from_report
    kind: Mapped[str] = mapped_column(String(24))
    #: the photo it matched (phash checks) and that photo's report
    matched_media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"))
    matched_report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
    #: Hamming distance of the perceptual hashes, or metres between EXIF GPS and the report
    distance: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str | None] = mapped_column(String(200))
