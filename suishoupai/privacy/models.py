"""The access log: one row per field of someone else's personal data revealed to someone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from suishoupai.database import UTCDateTime, utcnow
from suishoupai.extensions import db


class AccessRecord(db.Model):
    """Who saw which field of whose data, in which step, when; appended, never changed."""

    __tablename__ = "access_records"
    __table_args__ = (
        Index("ix_access_records_actor", "actor_id", "reason", "created_at"),
        Index("ix_access_records_subject_user", "subject_user_id", "id"),
        Index("ix_access_records_subject", "subject_kind", "subject_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: who looked
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: the role they looked in (roles change; the record keeps the one of the moment)
    actor_role: Mapped[str] = mapped_column(String(32))
    #: whose data it is; None when the person has no account (a wish entered on their behalf)
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the object the data belongs to: "wish" / 12, "report" / 5, "user" / 7
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int]
    #: phone | name | address
    field: Mapped[str] = mapped_column(String(16))
    #: the step that revealed it: wish.reveal, wish.staff_reveal, report.reporter_contact, …
    reason: Mapped[str] = mapped_column(String(40))
    #: org path of the object, so admins list the records in their reach
    path: Mapped[str] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
