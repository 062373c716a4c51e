"""随手拍 helpers: filing and stepping reports over the test client, reading them back."""

from __future__ import annotations

import io
import random
from datetime import timedelta

from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org.models import Department
from suishoupai.reports.models import Report, ReportEvent

CENTRE = {"lat": 30.272869, "lng": 120.16498, "coord_type": "gcj02"}


#: a spot in the demo's other street (竹竿巷社区, 武林街道)
OTHER_STREET = {"lat": 30.2675, "lng": 120.1500, "coord_type": "gcj02"}


_colour = iter(range(1, 10_000))


class Case:
    """Small HTTP helpers bound to the test client."""

    def __init__(self, client, auth):
        self.client, self.auth = client, auth
        self.headers: dict[str, dict] = {}

    def h(self, openid: str) -> dict:
        """Headers of a demo account (one login per test)."""
        if openid not in self.headers:
            self.headers[openid] = self.auth.headers(openid)
        return self.headers[openid]

    def photo(self, openid: str) -> int:
        """Upload a distinct photo as this user; returns its media id."""
        pixels = random.Random(next(_colour)).randbytes(96 * 64 * 3)
        out = io.BytesIO()
        Image.frombytes("RGB", (96, 64), pixels).save(out, "JPEG")
        boundary, body = encode_multipart(
            {"file": FileStorage(io.BytesIO(out.getvalue()), filename="p.jpg")})
        resp = self.client.post("/api/v1/media", data=body, headers=self.h(openid),
                                content_type=f"multipart/form-data; boundary={boundary}")
        assert resp.status_code == 201, resp.json
        return resp.json["id"]

    def file(self, openid="demo-resident", category="garbage", location=CENTRE, **extra):
        """File a report; returns the response."""
        body = {"category": category, "description": "小区东门垃圾堆放三天无人清理",
                "location": location, "media_ids": [self.photo(openid)]} | extra
        return self.client.post("/api/v1/reports", json=body, headers=self.h(openid))

    def step(self, openid: str, report_id: int, name: str, **body):
        """POST a lifecycle step."""
        return self.client.post(f"/api/v1/reports/{report_id}/{name}", json=body, headers=self.h(openid))

    def get(self, openid: str, report_id: int):
        """GET a report."""
        return self.client.get(f"/api/v1/reports/{report_id}", headers=self.h(openid))


def department_id(app, code="DEMO-CG"):
    """A demo department's id."""
    with app.app_context():
        return db.session.scalar(select(Department.id).where(Department.code == code))


def state(app, report_id):
    """(status, number of timeline events, updated_at) straight from the database."""
    with app.app_context():
        report = db.session.get(Report, report_id)
        events = db.session.scalar(select(func.count()).where(ReportEvent.report_id == report_id))
        return report.status, events, report.updated_at


def overdue_by(app, report_id: int, hours: float) -> None:
    """Move a case's accept deadline into the past (as a slow handler leaves it)."""
    with app.app_context():
        report = db.session.get(Report, report_id)
        due = utcnow() - timedelta(hours=hours)
        report.accept_due_at, report.clock_started_at = due, due - timedelta(hours=2)
        db.session.commit()
