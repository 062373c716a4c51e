"""Every grant and revocation of a role, a unit, a department or grid duty is recorded, whichever step
made it (role grants, grid members, rider verification, 双报到, the seed): one flush listener sees them
all, so no step can forget to."""

from __future__ import annotations

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from suishoupai.auth.models import Role, RoleChange, User
from suishoupai.database import utcnow
from suishoupai.org.actor import Actor
from suishoupai.org.models import Department, GridMember, OrgUnit
from suishoupai.org.scope import registration_paths, visible
from suishoupai.pagination import keyset_page

TRACKED = ("role", "org_unit_id", "department_id")
#: a change row with nothing set (one executemany needs the same keys in every row)
BLANK = {"role_before": None, "role_after": None, "unit_before_id": None, "unit_after_id": None,
         "department_before_id": None, "department_after_id": None, "grid_id": None, "path": None}


def _before_after(user: User) -> tuple[dict, dict] | None:
    """The tracked fields before and after this flush, if any changed (a new plain resident is no grant)."""
    state = inspect(user)
    before, after = {}, {}
    for name in TRACKED:
        history = state.attrs[name].history
        after[name] = getattr(user, name)
        if state.pending:
            before[name] = None
        elif history.has_changes():
            before[name] = history.deleted[0] if history.deleted else None
        else:
            before[name] = after[name]
    if state.pending and after == {"role": Role.RESIDENT, "org_unit_id": None, "department_id": None}:
        return None
    return (before, after) if before != after else None


def _path(session: Session, role: str | None, unit_id: int | None, dept_id: int | None,
          user_id: int, grid_id: int | None = None) -> str | None:
    """The org path of the place a role is held at (a department: its district)."""
    if grid_id or unit_id:
        return session.connection().execute(
            select(OrgUnit.path).where(OrgUnit.id == (grid_id or unit_id))).scalar()
    if dept_id:
        return session.connection().execute(
            select(OrgUnit.path).join(Department, Department.district_id == OrgUnit.id)
            .where(Department.id == dept_id)).scalar()
    if role in (Role.RIDER, Role.VOLUNTEER):
        return next(iter(registration_paths(user_id)), None)
    return None


def _via() -> str:
    """The endpoint making the change, or "cli" outside a request."""
    return (request.endpoint or request.path)[:64] if has_request_context() else "cli"


def _actor_id() -> int | None:
    """The caller making the change, if one is signed in."""
    actor = g.get("actor") if has_app_context() else None
    return actor.user_id if actor else None


def _collect(session: Session, _context) -> None:
    """After each flush: note a row per change of a user's role or place, and per grid duty taken or left
    (written at commit, when the grid a new grid member took is known whichever was flushed first)."""
    rows = []
    for obj, taken in [(o, True) for o in session.new] + [(o, False) for o in session.deleted]:
        if isinstance(obj, GridMember):
            grid = Role.GRID_MEMBER.value
            rows.append({"user_id": obj.user_id, "grid_id": obj.grid_id,
                         "path": _path(session, None, None, None, obj.user_id, obj.grid_id),
                         "role_before": None if taken else grid, "role_after": grid if taken else None})
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, User) and (change := _before_after(obj)) is not None:
            before, after = change
            path = (_path(session, after["role"], after["org_unit_id"], after["department_id"], obj.id)
                    or _path(session, before["role"], before["org_unit_id"], before["department_id"], obj.id))
            rows.append({"user_id": obj.id, "role_before": before["role"], "role_after": after["role"],
                         "unit_before_id": before["org_unit_id"], "unit_after_id": after["org_unit_id"],
                         "department_before_id": before["department_id"],
                         "department_after_id": after["department_id"], "path": path})
    if rows:
        common = {"actor_id": _actor_id(), "via": _via(), "created_at": utcnow()}
        session.info.setdefault("role_changes", []).extend(BLANK | common | row for row in rows)


def _write(session: Session) -> None:
    """Before commit: write the noted changes; becoming or ceasing to be a grid member takes the place of
    the grid duty taken or left in the same transaction."""
    session.flush()
    rows = session.info.pop("role_changes", [])
    grids = {row["user_id"]: row["path"] for row in rows if row["grid_id"]}
    for row in rows:
        row["path"] = row["path"] or grids.get(row["user_id"])
    if rows:
        session.connection().execute(insert(RoleChange.__table__), rows)


def _forget(session: Session) -> None:
    """A rolled-back transaction changed nothing: forget what it noted."""
    session.info.pop("role_changes", None)


def listen() -> None:
    """Record role changes made through any session (once per process)."""
    for name, handler in (("after_flush", _collect), ("before_commit", _write),
                          ("after_rollback", _forget)):
        if not event.contains(Session, name, handler):
            event.listen(Session, name, handler)


def list_changes(actor: Actor, user_id: int | None, limit: int, cursor: str | None) -> dict:
    """Grants and revocations whose place lies inside the admin's reach, newest first."""
    stmt = select(RoleChange).where(visible(actor, RoleChange.path))
    if user_id is not None:
        stmt = stmt.where(RoleChange.user_id == user_id)
    return keyset_page(stmt, [RoleChange.id], limit, cursor)
