"""Users and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from suishoupai.auth import names
from suishoupai.database import UTCDateTime, utcnow
from suishoupai.extensions import db


class Role(StrEnum):
    """Who a user is to the service (what each may see and do: the grant table in auth.grants)."""

    RESIDENT = "resident"
    RIDER = "rider"
    VOLUNTEER = "volunteer"
    GRID_MEMBER = "grid_member"
    DEPARTMENT = "department"
    COMMUNITY_ADMIN = "community_admin"
    STREET_ADMIN = "street_admin"
    DISTRICT_ADMIN = "district_admin"


#: roles whose scope is a node of the org tree they administer
ADMIN_ROLES = (Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.DISTRICT_ADMIN)
STAFF_ROLES = (Role.GRID_MEMBER, Role.DEPARTMENT, *ADMIN_ROLES)
#: what people read for each role (timelines, boards, notices), in the product's words; "system" is
#: the actor of the steps the service takes itself (deadlines, sweeps)
ROLE_LABELS: dict[str, str] = {
    Role.RESIDENT: "居民", Role.RIDER: "新就业群体", Role.VOLUNTEER: "党员/志愿者",
    Role.GRID_MEMBER: "网格员", Role.DEPARTMENT: "职能部门", Role.COMMUNITY_ADMIN: "社区",
    Role.STREET_ADMIN: "街道", Role.DISTRICT_ADMIN: "区", "system": "系统",
}


class User(db.Model):
    """A WeChat user of the mini-program, whatever their role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64))
    #: WeChat session_key, encrypted; it never leaves the server
    session_key_enc: Mapped[str | None] = mapped_column(Text)
    nickname: Mapped[str | None] = mapped_column(String(64))
    real_name: Mapped[str | None] = mapped_column(String(64))
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    #: phone number, Fernet-encrypted; shown masked
    phone_enc: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(32), default=Role.RESIDENT)
    #: the org unit a staff member administers, or a resident's home community
    org_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_units.id", ondelete="SET NULL"), index=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL"), index=True)
    #: bumped to revoke every token issued so far (role change, logout everywhere)
    token_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the person deleted the account: the row stays, anonymised, for the ledger and the records
    #: it signed; its openid is gone, so the same WeChat account signs in to a fresh one
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    #: the unit and department named by the ids above, for the profile (read-only: grants set the ids;
    #: named by their mapped classes, so identity knows the tree only as the rows its keys point at)
    org_unit = relationship("OrgUnit", viewonly=True)
    department = relationship("Department", viewonly=True)

    @property
    def display_name(self) -> str:
        """The name shown to others."""
        return names.shown(self.real_name, self.nickname)


class RoleChange(db.Model):
    """One grant or revocation of a role or a place (written by org.role_changes for every change)."""

    __tablename__ = "role_changes"
    __table_args__ = (Index("ix_role_changes_user", "user_id", "id"),
                      Index("ix_role_changes_path", "path", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: who made the change; None for the deployment (CLI, seed) and the sweeps
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role_before: Mapped[str | None] = mapped_column(String(32))
    role_after: Mapped[str | None] = mapped_column(String(32))
    unit_before_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="SET NULL"))
    unit_after_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="SET NULL"))
    department_before_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL"))
    department_after_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL"))
    #: the grid taken or left, for grid duty
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id", ondelete="SET NULL"))
    #: the endpoint (or "cli") that made it
    via: Mapped[str] = mapped_column(String(64))
    #: org path of the place concerned (after, else before): admins list the changes inside their reach
    path: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
