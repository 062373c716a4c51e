"""Open reports near a spot, so the mini-program can offer 附议 instead of a second filing."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org import geo
from suishoupai.reports import catalog
from suishoupai.reports.models import Report
from suishoupai.reports.proximity import bounding_box, nearest

#: at most this many reports are offered
LIMIT = 5


def find(lat: float, lng: float, coord_type: str, category_code: str | None) -> list[tuple[Report, float]]:
    """Public open reports of the category (any, when not given yet) within the radius and time
    window, nearest first."""
    if category_code is not None:
        category_ids = [catalog.by_code(category_code).id]
    else:  # spelled out, so the index is still entered by category: one seek per category
        category_ids = [c.id for c in catalog.all_categories()]
    lat, lng = geo.to_wgs84(lat, lng, coord_type)
    config = current_app.config
    radius = config["NEARBY_RADIUS_M"]
    box = bounding_box(lat, lng, radius)
    # the box is an index range (category, open, lat) with lng and time read from the same entries
    points = db.session.execute(select(Report.id, Report.lat, Report.lng).where(
        Report.category_id.in_(category_ids), Report.is_open.is_(True),
        Report.lat.between(box.min_lat, box.max_lat), Report.lng.between(box.min_lng, box.max_lng),
        Report.created_at >= utcnow() - timedelta(days=config["NEARBY_DAYS"]),
        Report.public.is_(True))).all()
    hits = nearest(lat, lng, points, radius, LIMIT)
    if not hits:
        return []
    reports = {r.id: r for r in db.session.scalars(select(Report).where(Report.id.in_([i for i, _ in hits])))}
    return [(reports[i], metres) for i, metres in hits]
