"""The queue filters a staff member keeps under a name."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from suishoupai.auth.actor import Actor
from suishoupai.console.models import SavedFilter
from suishoupai.console.schemas import QueueFilters
from suishoupai.errors import Conflict, NotFound
from suishoupai.extensions import db

#: filters one person keeps at most
MAX_FILTERS = 50
#: writes checked filters back as the queue reads them (ISO times, "from")
_WRITE = QueueFilters()


def _shown(row: SavedFilter) -> dict:
    """A kept filter as answered."""
    return {"id": row.id, "name": row.name, "tab": row.tab, "filters": json.loads(row.filters),
            "created_at": row.created_at}


def list_filters(actor: Actor) -> list[dict]:
    """The caller's filters, oldest first."""
    rows = db.session.scalars(select(SavedFilter).where(SavedFilter.user_id == actor.user_id)
                              .order_by(SavedFilter.id))
    return [_shown(row) for row in rows]


def save(actor: Actor, name: str, tab: str, filters: dict) -> dict:
    """Keep a filter, its arguments checked (by the schema) as the queue checks them."""
    kept = db.session.scalar(select(func.count()).where(SavedFilter.user_id == actor.user_id))
    if kept >= MAX_FILTERS:
        raise Conflict(f"最多保存 {MAX_FILTERS} 个筛选条件", code="console.too_many_filters")
    row = SavedFilter(user_id=actor.user_id, name=name, tab=tab,
                      filters=json.dumps(_WRITE.dump(filters), ensure_ascii=False))
    db.session.add(row)
    db.session.flush()
    return _shown(row)


def delete(actor: Actor, filter_id: int) -> None:
    """Forget one of the caller's filters; another's is "not found"."""
    row = db.session.get(SavedFilter, filter_id)
    if row is None or row.user_id != actor.user_id:
        raise NotFound("筛选条件不存在", code="console.filter_not_found")
    db.session.delete(row)
    db.session.flush()
