"""Helpers of the org tests."""

import json

from sqlalchemy import select

from suishoupai.auth.models import User
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit

# a small town drawn in GCJ-02 around (30.27, 120.16): two grids side by side, a micro-grid in A
W, S, E, N, MID = 120.150, 30.260, 120.170, 30.280, 120.160


def square(w, s, e, n):
    """A GeoJSON polygon ring in [lng, lat]."""
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def feature(code, kind, parent=None, geometry=None, name=None):
    """One import feature."""
    props = {"code": code, "name": name or code, "kind": kind}
    if parent:
        props["parent"] = parent
    return {"type": "Feature", "properties": props, "geometry": geometry}


def town():
    """District → street → community → grids A, B and micro-grid A1 (GCJ-02)."""
    return {"type": "FeatureCollection", "features": [
        feature("T-D", "district", name="测试区"),
        feature("T-S", "street", "T-D", name="测试街道"),
        feature("T-C", "community", "T-S", square(W, S, E, N), name="测试社区"),
        feature("T-A", "grid", "T-C", square(W, S, MID, N), name="A网格"),
        feature("T-B", "grid", "T-C", square(MID, S, E, N), name="B网格"),
        feature("T-A1", "microgrid", "T-A", square(120.152, 30.262, 120.155, 30.265), name="A1微网格"),
    ]}


def run_import(app, doc, coord_type="gcj02", tmp_path=None):
    """Import through the CLI, as an operator would."""
    path = tmp_path / "units.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return app.test_cli_runner().invoke(args=["org", "import", str(path), "--coord-type", coord_type])


def unit_id(app, code):
    """The id of a unit by its code."""
    with app.app_context():
        return db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))


def make_staff(app, openid, role, unit_code=None):
    """Create a staff account scoped to a unit."""
    with app.app_context():
        user = User(openid=openid, role=role, real_name=openid,
                    org_unit_id=db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == unit_code))
                    if unit_code else None)
        db.session.add(user)
        db.session.commit()
        return user.id
