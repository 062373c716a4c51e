"""Handing a grid's duty from one member to another in one step, so that a grid never ends up with
both of them on duty, or with neither, when half of a two-step change fails."""

from __future__ import annotations

from sqlalchemy import func, select

from suishoupai.auth.models import Role, User
from suishoupai.errors import Conflict, InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.models import Duty, GridMember, OrgUnit
from suishoupai.org.service import grid_in_scope, may_set_members, member_candidate

#: what becomes of the member handing over
KEEP_AS_BACKUP, LEAVE_GRID = "backup", "remove"


def _membership(grid_id: int, user_id: int) -> GridMember | None:
    """A user's row on a grid, locked for the change where the database can."""
    return db.session.scalars(select(GridMember).where(
        GridMember.grid_id == grid_id, GridMember.user_id == user_id).with_for_update()).first()


def hand_over(actor: Actor, grid_id: int, from_user_id: int, to_user_id: int, old: str) -> OrgUnit:
    """Put ``to`` on duty in place of ``from`` (who stays as backup or leaves the grid).

    Every check runs before anything is written: a refused handover changes nothing.
    """
    may_set_members(actor)
    grid = grid_in_scope(actor, grid_id)
    if from_user_id == to_user_id:
        raise InvalidInput("交接双方不能是同一人", code="org.handover_same_member",
                           details={"fields": {"to_user_id": ["须与原在岗网格员不同"]}})
    giver = _membership(grid.id, from_user_id)
    if giver is None:
        raise NotFound("原网格员不是此网格的网格员", code="org.member_not_found")
    if giver.duty != Duty.ON_DUTY:
        raise Conflict("原网格员当前不在岗，无需交接", code="org.handover_not_on_duty")
    taker_user = member_candidate(actor, to_user_id)
    taker = _membership(grid.id, to_user_id)
    if taker is not None and taker.duty == Duty.ON_DUTY:
        raise Conflict("接手人已在本网格在岗", code="org.handover_already_on_duty")

    if taker_user.role != Role.GRID_MEMBER:
        taker_user.role = Role.GRID_MEMBER
        taker_user.token_version += 1
    if taker is None:
        db.session.add(GridMember(grid_id=grid.id, user_id=to_user_id, duty=Duty.ON_DUTY))
    else:
        taker.duty = Duty.ON_DUTY
    if old == KEEP_AS_BACKUP:
        giver.duty = Duty.BACKUP
    else:
        db.session.delete(giver)
        db.session.flush()
        if not db.session.scalar(select(func.count()).where(GridMember.user_id == from_user_id)):
            # no grid left: they are a resident again, and their signed-in sessions lose the role
            user = db.session.get(User, from_user_id)
            user.role = Role.RESIDENT
            user.token_version += 1
    db.session.flush()
    return grid
