"""Open311's services and writes: categories as services, POST requests through the filing service,
tokens for requests that wait for a place on the map, and staff placing them."""

from __future__ import annotations

import json
import secrets

import shapely
import shapely.geometry
from sqlalchemy import select

from suishoupai import crypto
from suishoupai.database import utcnow
from suishoupai.errors import Conflict, InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.media import service as media
from suishoupai.media.models import Media
from suishoupai.open311 import fetch, keys
from suishoupai.open311.models import PartnerKey, PartnerRequest
from suishoupai.org import geo
from suishoupai.org.actor import Actor
from suishoupai.org.index import grid_index
from suishoupai.org.models import OrgUnit
from suishoupai.org.scope import visible
from suishoupai.reports import catalog, filing
from suishoupai.reports.models import Category

#: what a service's group reads in the list (the catalog has one level)
GROUP = "随手拍"
#: the contact fields a partner may send, kept encrypted with its request
CONTACT_FIELDS = ("email", "device_id", "account_id", "first_name", "last_name", "phone")
PENDING_NOTICE = "未提供坐标：工作人员在地图上定位后立案，请用 token 查询案件编号"


def _service(category: Category) -> dict:
    """A category as a GeoReport service; no category asks for extra fields (metadata false)."""
    return {"service_code": category.code, "service_name": category.name,
            "description": category.description or category.name, "metadata": False, "type": "realtime",
            "keywords": category.name, "group": GROUP}


def services() -> list[dict]:
    """GET services: the categories residents file under, in their order."""
    return [_service(c) for c in catalog.active_categories()]


def definition(code: str) -> dict:
    """GET services/{code}: its attributes (none: the catalog defines no extra fields)."""
    if not any(c.code == code for c in catalog.active_categories()):
        raise NotFound("服务不存在", code="open311.service_not_found")
    return {"service_code": code, "attributes": []}


def _category(code: str) -> Category:
    """The active category of a service_code, else 400 naming it."""
    try:
        return catalog.by_code(code)
    except InvalidInput as exc:
        raise InvalidInput("service_code 不存在", code="open311.unknown_service") from exc


def _within(key: PartnerKey, lat: float, lng: float) -> None:
    """The point must route to a community inside the key's unit; a point in no grid (which routing
    gives the nearest community, however far) must lie inside the unit's own boundary as well."""
    located = grid_index().locate(lat, lng)
    unit = db.session.get(OrgUnit, key.unit_id)
    community = db.session.get(OrgUnit, located.community_id) if located is not None else None
    inside = located is not None and (located.inside or (
        unit.geometry is not None and shapely.geometry.shape(json.loads(unit.geometry)).covers(
            shapely.Point(lng, lat))))
    if community is None or not community.path.startswith(unit.path) or not inside:
        raise InvalidInput("该位置不在本 api_key 的辖区内", code="open311.outside_unit")


def _contact(form: dict) -> str | None:
    """The contact fields sent, encrypted; None when none was."""
    given = {name: form[name] for name in CONTACT_FIELDS if form.get(name)}
    return crypto.encrypt(json.dumps(given, ensure_ascii=False)) if given else None


def _photo(actor: Actor, url: str | None) -> int | None:
    """The media_url fetched and put through the photo pipeline as the partner's upload."""
    if not url:
        return None
    return media.upload(actor, fetch.fetch(url), "report").id


def _file(key: PartnerKey, category_code: str, description: str, lat: float, lng: float,
          address: str | None, media_id: int | None) -> int:
    """File the case as the partner's account, exactly as the mini-program files one."""
    filed = filing.file_report(keys.actor_of(key), {
        "category": category_code, "description": description,
        "location": {"lat": lat, "lng": lng, "coord_type": "wgs84"}, "address": address,
        "media_ids": [media_id] if media_id else [], "public": True})
    return filed.report.id


def post_request(key: PartnerKey, form: dict) -> dict:
    """POST requests: filed at once with a point (service_request_id); without one it waits under a
    token until staff place it. Attributes are refused: no service defines any."""
    category = _category(form["service_code"])
    if form["attributes"]:
        raise InvalidInput("该服务没有附加字段 attribute", code="open311.unknown_attribute",
                           details={"fields": {"attribute": sorted(form["attributes"])}})
    point = form.get("lat") is not None and form.get("long") is not None
    if not point and not form.get("address_string"):
        raise InvalidInput("须提供 lat 和 long，或 address_string", code="open311.location_required")
    if point:
        _within(key, form["lat"], form["long"])
    media_id = _photo(keys.actor_of(key), form.get("media_url"))
    row = PartnerRequest(key_id=key.id, token=secrets.token_hex(16), service_code=category.code,
                         description=form["description"], address_string=form.get("address_string"),
                         media_id=media_id, contact_enc=_contact(form), created_at=utcnow())
    if point:
        row.report_id = _file(key, category.code, form["description"], form["lat"], form["long"],
                              form.get("address_string"), media_id)
        row.placed_at = row.created_at
    db.session.add(row)
    db.session.flush()
    if row.report_id is not None:
        return {"service_request_id": str(row.report_id), "service_notice": None, "account_id": None}
    return {"token": row.token, "service_notice": PENDING_NOTICE, "account_id": None}


def token(value: str) -> dict:
    """GET tokens/{token}: the case id once the request is filed (empty while it waits)."""
    row = db.session.scalar(select(PartnerRequest).where(PartnerRequest.token == value))
    if row is None:
        raise NotFound("token 不存在", code="open311.token_not_found")
    return {"service_request_id": str(row.report_id) if row.report_id else None, "token": row.token}


def _pending_view(row: PartnerRequest, key: PartnerKey) -> dict:
    """A waiting request as staff see it (contact fields stay sealed)."""
    return {"id": row.id, "token": row.token, "service_code": row.service_code,
            "description": row.description, "address_string": row.address_string,
            "partner": key.name, "created_at": row.created_at, "report_id": row.report_id}


def _in_reach(actor: Actor):
    """Requests of keys bound to units in the admin's reach."""
    return (select(PartnerRequest, PartnerKey).join(PartnerKey, PartnerKey.id == PartnerRequest.key_id)
            .join(OrgUnit, OrgUnit.id == PartnerKey.unit_id).where(visible(actor, OrgUnit.path)))


def pending(actor: Actor) -> list[dict]:
    """The requests waiting for a place, of the keys in the admin's reach, oldest first."""
    keys.district_admin(actor)
    rows = db.session.execute(_in_reach(actor).where(PartnerRequest.report_id.is_(None))
                              .order_by(PartnerRequest.id)).all()
    return [_pending_view(row, key) for row, key in rows]


def place(actor: Actor, request_id: int, spot: dict) -> dict:
    """Put a waiting request on the map: it is filed then as the partner's case. Its photo waits as an
    unattached upload, which `flask media gc` collects after MEDIA_ORPHAN_HOURS: placed later than
    that, the case is filed without it."""
    keys.district_admin(actor)
    lat, lng = geo.to_wgs84(spot["lat"], spot["lng"], spot["coord_type"])
    found = db.session.execute(_in_reach(actor).where(PartnerRequest.id == request_id)
                               .with_for_update(of=PartnerRequest)).first()
    if found is None:
        raise NotFound("待定位的请求不存在", code="open311.request_not_found")
    row, key = found
    if row.report_id is not None or row.placed_at is not None:
        raise Conflict("该请求已立案", code="open311.already_placed")
    _within(key, lat, lng)
    photo = row.media_id if row.media_id and db.session.get(Media, row.media_id) else None
    row.report_id = _file(key, row.service_code, row.description, lat, lng, row.address_string, photo)
    row.placed_at, row.placed_by_id = utcnow(), actor.user_id
    return _pending_view(row, key)
