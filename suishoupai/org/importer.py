"""Reading a GeoJSON FeatureCollection of org units: shape checks and coordinate conversion.

Pure: it knows nothing of the database. Every problem is collected, so one run tells the
operator everything that is wrong with the file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial

from shapely import make_valid
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from suishoupai.org import geo
from suishoupai.org.models import PARENT_KIND, Kind

MAX_FEATURES = 100_000
MAX_ERRORS = 50


@dataclass
class UnitSpec:
    """One org unit as the file describes it, geometry already in WGS-84."""

    index: int
    code: str
    name: str
    kind: Kind
    parent_code: str | None
    geometry: dict | None = None
    shape: BaseGeometry | None = field(default=None, repr=False)
    #: the drawn polygon was invalid (self-intersecting, …) and was repaired
    repaired: bool = False


class ImportProblems(Exception):
    """The file cannot be imported; nothing was written."""

    def __init__(self, problems: list[dict]):
        """Keep the problems for the answer."""
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s)")


def _text(props: dict, key: str, limit: int) -> str | None:
    """A non-empty string property of bounded length, or None."""
    value = props.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool) and key == "code":
        value = str(value)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        return None
    return value.strip()


def _positions_ok(coords, depth: int) -> bool:
    """Nested coordinate arrays of finite [lng, lat] pairs in range."""
    if depth == 0:
        return (isinstance(coords, list | tuple) and len(coords) >= 2
                and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords)
                and all(math.isfinite(c) for c in coords)
                and -180 <= coords[0] <= 180 and -90 <= coords[1] <= 90)
    return isinstance(coords, list | tuple) and bool(coords) and all(
        _positions_ok(c, depth - 1) for c in coords)


def _geometry(raw, coord_type: str) -> tuple[dict | None, BaseGeometry | None, str | None, bool]:
    """Convert and check a Polygon/MultiPolygon; returns (geojson, shape, problem, repaired)."""
    if raw is None:
        return None, None, None, False
    if not isinstance(raw, dict) or raw.get("type") not in ("Polygon", "MultiPolygon"):
        return None, None, "几何类型必须是 Polygon 或 MultiPolygon", False
    depth = 2 if raw["type"] == "Polygon" else 3
    if not _positions_ok(raw.get("coordinates"), depth):
        return None, None, "坐标格式错误或超出经纬度范围", False
    try:
        if make_valid(shape(raw)).area == 0:
            return None, None, "多边形面积为零", False
    except (ValueError, TypeError, AttributeError) as exc:
        return None, None, f"几何无法解析：{exc}", False
    converted = geo.transform_geometry(raw, partial(geo.to_wgs84, coord_type=coord_type))
    try:
        polygon = shape(converted)
    except (ValueError, TypeError, AttributeError) as exc:
        return None, None, f"几何无法解析：{exc}", False
    repaired = not polygon.is_valid
    if repaired:
        reason = explain_validity(polygon)
        polygon = make_valid(polygon)
        if polygon.geom_type not in ("Polygon", "MultiPolygon"):
            return None, None, f"几何无效：{reason}", False
        converted = polygon.__geo_interface__
    return ({"type": converted["type"], "coordinates": converted["coordinates"]}, polygon, None,
            repaired)


def read_collection(doc, coord_type: str, known_codes: dict[str, Kind]) -> list[UnitSpec]:
    """Check a FeatureCollection and return its units parents-first, or raise ImportProblems.

    ``known_codes`` maps the codes already in the database to their kind, so a file may hang
    new units under existing ones.
    """
    if coord_type not in geo.COORD_TYPES:
        raise ImportProblems([{"feature": None, "message": "坐标类型必须是 wgs84 或 gcj02"}])
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ImportProblems([{"feature": None, "message": "文件必须是 GeoJSON FeatureCollection"}])
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise ImportProblems([{"feature": None, "message": "features 不能为空"}])
    if len(features) > MAX_FEATURES:
        raise ImportProblems([{"feature": None, "message": f"单次最多导入 {MAX_FEATURES} 个要素"}])

    problems: list[dict] = []
    specs: list[UnitSpec] = []
    seen: dict[str, Kind] = {}

    def problem(i, message, code=None):
        problems.append({"feature": i, "code": code, "message": message})

    for i, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problem(i, "要素必须是 GeoJSON Feature")
            continue
        props = feature.get("properties")
        props = props if isinstance(props, dict) else {}
        code, name = _text(props, "code", 64), _text(props, "name", 100)
        kind_raw = props.get("kind") if isinstance(props.get("kind"), str) else None
        if code is None:
            problem(i, "缺少 code（1–64 个字符）")
            continue
        if name is None:
            problem(i, "缺少 name（1–100 个字符）", code)
        if kind_raw not in {k.value for k in Kind}:
            problem(i, "kind 必须是 district/street/community/grid/microgrid 之一", code)
            continue
        kind = Kind(kind_raw)
        if code in seen:
            problem(i, "code 在文件中重复", code)
            continue
        seen[code] = kind
        geometry, polygon, geo_problem, repaired = _geometry(feature.get("geometry"), coord_type)
        if geo_problem:
            problem(i, geo_problem, code)
        elif polygon is None and kind in (Kind.GRID, Kind.MICROGRID):
            problem(i, "网格必须带有边界多边形", code)
        parent = _text(props, "parent", 64)
        if kind == Kind.DISTRICT:
            parent = None
        elif parent is None:
            problem(i, "缺少 parent（上级单位的 code）", code)
        specs.append(UnitSpec(i, code, name or "", kind, parent, geometry, polygon, repaired))

    for spec in specs:
        if spec.parent_code is None:
            continue
        parent_kind = seen.get(spec.parent_code) or known_codes.get(spec.parent_code)
        if parent_kind is None:
            problem(spec.index, f"上级单位 {spec.parent_code} 不存在", spec.code)
        elif parent_kind != PARENT_KIND[spec.kind]:
            problem(spec.index, f"{spec.kind.value} 的上级必须是 {PARENT_KIND[spec.kind].value}",
                    spec.code)
    if problems:
        raise ImportProblems(problems[:MAX_ERRORS])
    order = list(Kind)
    return sorted(specs, key=lambda s: order.index(s.kind))
