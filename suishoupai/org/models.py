"""Org units with their boundaries, departments and grid members."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from suishoupai.database import UTCDateTime, utcnow
from suishoupai.extensions import db


class Kind(StrEnum):
    """Levels of the tree, outermost first."""

    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"
    MICROGRID = "microgrid"


#: which kind may sit under which
PARENT_KIND = {
    Kind.STREET: Kind.DISTRICT,
    Kind.COMMUNITY: Kind.STREET,
    Kind.GRID: Kind.COMMUNITY,
    Kind.MICROGRID: Kind.GRID,
}
GRID_KINDS = (Kind.GRID, Kind.MICROGRID)


class OrgUnit(db.Model):
    """A node of the org tree; grids and micro-grids carry a polygon."""

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    #: the code given by the import file; unique, the key re-imports update by
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    #: materialised path of ids, "/1/4/12/": scope checks are prefix matches
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    #: the community this unit belongs to (itself for a community), for routing fallbacks
    community_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    #: GeoJSON Polygon/MultiPolygon in WGS-84
    geometry: Mapped[str | None] = mapped_column(Text)
    area_m2: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], foreign_keys=[parent_id])


class Department(db.Model):
    """A functional department (城管, 市场监管, …) that answers transferred cases."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    district_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)


class Duty(StrEnum):
    """A grid member's standing in a grid."""

    ON_DUTY = "on_duty"
    BACKUP = "backup"


class GridMember(db.Model):
    """A user working a grid, on duty or as backup."""

    __tablename__ = "grid_members"
    __table_args__ = (
        UniqueConstraint("grid_id", "user_id"),
        CheckConstraint("duty in ('on_duty', 'backup')", name="duty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    duty: Mapped[str] = mapped_column(String(16), default=Duty.ON_DUTY)
    #: when routing last gave this member a case, for round-robin tie-breaks
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BoundaryRevision(db.Model):
    """One row per change of any boundary; workers rebuild their spatial index when it moves."""

    __tablename__ = "boundary_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(String(200))


class GridGeometry(db.Model):
    """A grid's boundary as one revision drew it, valid from that import until the next one changed it
    (``valid_to`` null: the boundary in force)."""

    __tablename__ = "grid_geometries"
    __table_args__ = (Index("ix_grid_geometries_grid", "grid_id", "valid_from"),
                      Index("ix_grid_geometries_revision", "revision_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"))
    #: null for the boundaries kept from before revisions held geometry
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("boundary_revisions.id"))
    #: GeoJSON Polygon/MultiPolygon in WGS-84
    geometry: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)

