"""Open reports near a spot, so the mini-program can offer 附议 instead of a second filing."""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org import geo
from suishoupai.reports import catalog
from suishoupai.reports.models import Category, Report
from suishoupai.reports.proximity import bounding_box, nearest

#: at most this many reports are offered
LIMIT = 5


class Hit(NamedTuple):
    """A report close by (WGS-84 spot), its category and how far it is."""

    id: int
    lat: float
    lng: float
    category: Category
    metres: float


def find(lat: float, lng: float, coord_type: str, category_code: str | None) -> list[Hit]:
    """Public open reports of the category (any, when not given yet) within the radius and time
    window, nearest first."""
    if category_code is not None:
        categories = {c.id: c for c in [catalog.by_code(category_code)]}
    else:
        categories = {c.id: c for c in catalog.all_categories()}
    lat, lng = geo.to_wgs84(lat, lng, coord_type)
    config = current_app.config
    radius = config["NEARBY_RADIUS_M"]
    box = bounding_box(lat, lng, radius)
    # category ids spelled out (one index seek each), open by equality, a latitude range; longitude
    # and time are read from the same index entries
    rows = db.session.execute(select(Report.id, Report.lat, Report.lng, Report.category_id).where(
        Report.category_id.in_(list(categories)), Report.is_open.is_(True),
        Report.lat.between(box.min_lat, box.max_lat), Report.lng.between(box.min_lng, box.max_lng),
        Report.created_at >= utcnow() - timedelta(days=config["NEARBY_DAYS"]),
        Report.public.is_(True), Report.moderation == "pass")).all()
    by_id = {row.id: row for row in rows}
    hits = nearest(lat, lng, ((row.id, row.lat, row.lng) for row in rows), radius, LIMIT)
    return [Hit(i, by_id[i].lat, by_id[i].lng, categories[by_id[i].category_id], metres)
            for i, metres in hits]
