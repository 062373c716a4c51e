"""Where offers live: the community an admin manages them in, the community a rider belongs to."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from suishoupai.auth.models import ADMIN_ROLES, STAFF_ROLES, Role
from suishoupai.errors import Forbidden, NotFound
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.models import OrgUnit
from suishoupai.org.scope import visible
from suishoupai.points.models import Rider


def require_admin(actor: Actor) -> Actor:
    """Community, street and district admins manage offers; anyone else is refused."""
    if actor.role not in ADMIN_ROLES:
        raise Forbidden("只有社区、街道或区级管理员可以管理", code="points.admin_only")
    return actor


def admin_community(actor: Actor, community_id: int | None) -> OrgUnit:
    """The community an admin acts in: the given one within their reach, or their own community."""
    require_admin(actor)
    if community_id is None:
        if actor.role != Role.COMMUNITY_ADMIN:
            raise NotFound("请选择社区", code="org.community_not_found",
                           details={"fields": {"community_id": ["街道、区级管理员须指定社区"]}})
        community_id = actor.user.org_unit_id
    community = db.session.get(OrgUnit, community_id)
    if community is None or community.kind != "community" or not actor.covers(community.path):
        raise NotFound("社区不存在", code="org.community_not_found")
    return community


def reach_clause(actor: Actor, community_column) -> ColumnElement[bool]:
    """SQL: rows whose community lies within the admin's reach."""
    return community_column.in_(select(OrgUnit.id).where(OrgUnit.kind == "community",
                                                         visible(actor, OrgUnit.path)))


def in_reach(actor: Actor, community_id: int) -> bool:
    """Whether one community lies within the admin's reach."""
    if actor.role not in ADMIN_ROLES:
        return False
    community = db.session.get(OrgUnit, community_id)
    return community is not None and actor.covers(community.path)


def community_names(ids) -> dict[int, str]:
    """Names of communities, for cards."""
    ids = set(ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids))).all())


def home_community_id(actor: Actor) -> int | None:
    """The community whose offers a caller sees: a registered rider's home, else a resident's own."""
    home = db.session.scalar(select(Rider.home_community_id).where(Rider.user_id == actor.user_id))
    if home is not None:
        return home
    return actor.user.org_unit_id if actor.role not in STAFF_ROLES else None
