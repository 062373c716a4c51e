"""A small district around Hangzhou's 武林广场, for trying every flow with dev-login at once.

The boundaries are drawn as a real office would draw them: in GCJ-02 on a web map, then imported
through the same path as any GeoJSON file. Running the seed again updates rather than duplicates.
"""

from __future__ import annotations

import random

from shapely import union_all
from shapely.geometry import Polygon, mapping
from sqlalchemy import select

from suishoupai import crypto
from suishoupai.auth.models import Role, User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.offers.demo_seed import seed_offers
from suishoupai.org import boundaries
from suishoupai.org import index as org_index
from suishoupai.org.models import Department, Duty, GridMember, OrgUnit
from suishoupai.points.demo_seed import DEMO_POINTS, seed_points
from suishoupai.reports import catalog
from suishoupai.wishes.models import Volunteer

#: 武林广场, GCJ-02 (as a map in the mini-program shows it); the lattice is laid around it
ORIGIN_LAT, ORIGIN_LNG = 30.2660, 120.1480
COLS, ROWS = 10, 5
CELL_LNG, CELL_LAT = 0.0031, 0.0027  # about 300 m × 300 m
STREETS = [("DEMO-S1", "武林街道"), ("DEMO-S2", "天水街道")]
#: per street, communities by lattice rows
COMMUNITIES = [
    [("竹竿巷社区", (0, 1)), ("岳王社区", (2, 3)), ("环西社区", (4,))],
    [("仁和社区", (0, 1)), ("凤起社区", (2, 3)), ("延安新村社区", (4,))],
]
CENTRE_CELL = (5, 2)  # column, row of the grid holding the demo centre point
DEPARTMENTS = [("DEMO-CG", "区城管局"), ("DEMO-SJ", "区市场监管局"),
               ("DEMO-ZJ", "区住建局"), ("DEMO-XF", "消防救援大队")]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯"
            "邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")


def _lattice(rng: random.Random) -> dict[tuple[int, int], tuple[float, float]]:
    """Shared, jittered vertices (corners and edge midpoints): neighbours meet with no gap."""
    points = {}
    for i in range(COLS * 2 + 1):
        for j in range(ROWS * 2 + 1):
            lng = ORIGIN_LNG + i * CELL_LNG / 2
            lat = ORIGIN_LAT + j * CELL_LAT / 2
            if 0 < i < COLS * 2 and 0 < j < ROWS * 2:
                lng += rng.uniform(-0.18, 0.18) * CELL_LNG / 2
                lat += rng.uniform(-0.18, 0.18) * CELL_LAT / 2
            points[(i, j)] = (round(lng, 6), round(lat, 6))
    return points


def _cell(points, col: int, row: int) -> Polygon:
    """The eight-vertex outline of one grid cell."""
    i, j = col * 2, row * 2
    ring = [(i, j), (i + 1, j), (i + 2, j), (i + 2, j + 1), (i + 2, j + 2), (i + 1, j + 2),
            (i, j + 2), (i, j + 1)]
    return Polygon([points[k] for k in ring])


def _feature(code: str, name: str, kind: str, parent: str | None, shape=None) -> dict:
    """One GeoJSON feature of the import format."""
    props = {"code": code, "name": name, "kind": kind}
    if parent:
        props["parent"] = parent
    return {"type": "Feature", "properties": props,
            "geometry": mapping(shape) if shape is not None else None}


def district_geojson() -> tuple[dict, tuple[float, float], str]:
    """The demo FeatureCollection (GCJ-02), the centre point and the centre grid's code."""
    rng = random.Random(20261122)
    points = _lattice(rng)
    features, district_cells, centre = [], [], None
    grid_no = 0
    for s, (street_code, street_name) in enumerate(STREETS):
        street_cells = []
        street_features = []
        for c, (community_name, rows) in enumerate(COMMUNITIES[s]):
            community_code = f"{street_code}-C{c + 1}"
            cells = []
            n = 0
            for row in rows:
                for col in range(s * COLS // 2, (s + 1) * COLS // 2):
                    n += 1
                    grid_no += 1
                    shape = _cell(points, col, row)
                    code = f"{community_code}-G{n:02d}"
                    street_features.append(_feature(code, f"{community_name}第{n}网格", "grid",
                                                    community_code, shape))
                    cells.append(shape)
                    if (col, row) == CENTRE_CELL:
                        p = shape.centroid
                        centre = ((round(p.y, 6), round(p.x, 6)), code)
            street_features.insert(0, _feature(community_code, community_name, "community",
                                               street_code, union_all(cells)))
            street_cells.extend(cells)
        features.append(_feature(street_code, street_name, "street", "DEMO-D", union_all(street_cells)))
        features.extend(street_features)
        district_cells.extend(street_cells)
    features.insert(0, _feature("DEMO-D", "拱墅区（演示）", "district", None, union_all(district_cells)))
    return {"type": "FeatureCollection", "features": features}, centre[0], centre[1]


def _user(openid: str, role: Role, name: str, unit_id: int | None = None,
          phone: str | None = None, department_id: int | None = None) -> User:
    """Create or reset a demo account."""
    user = db.session.scalars(select(User).where(User.openid == openid)).first()
    if user is None:
        user = User(openid=openid)
        db.session.add(user)
    user.role, user.real_name, user.nickname = role, name, name
    user.org_unit_id, user.department_id = unit_id, department_id
    user.phone_enc = crypto.encrypt(phone) if phone else None
    db.session.flush()
    return user


def _approved_volunteer(user: User, community_id: int, reviewer: User) -> None:
    """Register a demo account to its community (双报到), already approved, so it may claim at once."""
    volunteer = db.session.scalars(select(Volunteer).where(Volunteer.user_id == user.id)).first()
    if volunteer is None:
        volunteer = Volunteer(user_id=user.id)
        db.session.add(volunteer)
    volunteer.home_community_id, volunteer.kind, volunteer.work_unit = community_id, "volunteer", None
    volunteer.status, volunteer.reject_reason = "approved", None
    volunteer.reviewed_by_id, volunteer.reviewed_at = reviewer.id, utcnow()
    db.session.flush()


def _on_duty(user: User, grid_id: int) -> None:
    """Make a user the on-duty member of a grid."""
    member = db.session.scalars(select(GridMember).where(
        GridMember.grid_id == grid_id, GridMember.user_id == user.id)).first()
    if member is None:
        db.session.add(GridMember(grid_id=grid_id, user_id=user.id, duty=Duty.ON_DUTY))
    db.session.flush()


def seed(rider_points: int = DEMO_POINTS) -> dict:
    """Build the demo district and accounts; returns what the command prints.

    ``rider_points``: demo-rider's opening balance (the test suite starts from an empty ledger).
    """
    doc, centre, centre_code = district_geojson()
    summary = boundaries.import_units(doc, "gcj02")
    by_code = {u.code: u for u in db.session.scalars(
        select(OrgUnit).where(OrgUnit.code.startswith("DEMO-")))}
    district = by_code["DEMO-D"]
    centre_grid = by_code[centre_code]
    community = db.session.get(OrgUnit, centre_grid.community_id)
    street = db.session.get(OrgUnit, community.parent_id)

    departments = {}
    for code, name in DEPARTMENTS:
        dept = db.session.scalars(select(Department).where(Department.code == code)).first()
        if dept is None:
            dept = Department(code=code, name=name, district_id=district.id)
            db.session.add(dept)
            org_index.departments_changed()
        departments[code] = dept
    db.session.flush()

    _user("demo-resident", Role.RESIDENT, "张晓梅", community.id, "13800001001")
    _user("demo-resident-2", Role.RESIDENT, "李建国", community.id, "13800001002")
    rider = _user("demo-rider", Role.RIDER, "赵小川", community.id, "13800001003")
    volunteer = _user("demo-volunteer", Role.VOLUNTEER, "陈志愿", community.id, "13800001004")
    _on_duty(_user("demo-grid-member", Role.GRID_MEMBER, "王网格", None, "13800001005"),
             centre_grid.id)
    community_admin = _user("demo-community-admin", Role.COMMUNITY_ADMIN, "周社区", community.id,
                            "13800001006")
    _approved_volunteer(volunteer, community.id, community_admin)
    _user("demo-street-admin", Role.STREET_ADMIN, "吴街道", street.id, "13800001007")
    _user("demo-district-admin", Role.DISTRICT_ADMIN, "郑区长", district.id, "13800001008")
    _user("demo-department", Role.DEPARTMENT, "孙城管", None, "13800001009",
          departments["DEMO-CG"].id)

    categories = catalog.seed_categories()
    points = seed_points(rider, community.id, community_admin.id, rider_points)
    offers = seed_offers(community.id, community_admin.id)
    grids = sorted((u for u in by_code.values() if u.kind == "grid"), key=lambda u: u.code)
    for n, grid in enumerate(grids):
        if grid.id == centre_grid.id:
            continue
        name = f"{SURNAMES[n % len(SURNAMES)]}网格员"
        _on_duty(_user(f"demo-gm-{grid.code.lower()}", Role.GRID_MEMBER, name, None,
                       f"139{n:08d}"), grid.id)
    return {"import": summary, "centre": centre, "centre_grid": centre_grid.name,
            "community": community.name, "grids": len(grids), "categories": categories,
            "offers": offers, "points": points}
