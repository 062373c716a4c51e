"""Open311 GeoReport v2 at /open311/v2/ (JSON and XML by the path's suffix), and the admin API that
issues partner keys and places requests that came without a point.

The GeoReport routes stay out of the OpenAPI document on purpose: their contract is the published
GeoReport v2 spec (form-encoded bodies, a format suffix on every path, XML, and the spec's own error
shape), which OpenAPI 3.0 cannot state for one operation in both formats; the admin routes are in it."""

from __future__ import annotations

import marshmallow as ma
from flask import Blueprint as FlaskBlueprint
from flask import current_app, request, url_for
from werkzeug.exceptions import HTTPException

from suishoupai.errors import HTTP_ERRORS, DomainError, NotFound
from suishoupai.extensions import Blueprint, errors
from suishoupai.open311 import board, keys, render, schemas, service
from suishoupai.org.actor import current_actor
from suishoupai.web import LOOSE_BODY_BLUEPRINTS, reads, writes

geo = FlaskBlueprint("open311", __name__, url_prefix="/open311/v2")
# partners post form-encoded bodies, as the spec has them
LOOSE_BODY_BLUEPRINTS.add(geo.name)
admin = Blueprint("open311_admin", __name__, url_prefix="/api/v1", description="Open311 接口")
FMT = "<any(json,xml):fmt>"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: the spec has 400, 403 and 404; a partner past its limit gets 429, an upstream failure its 5xx
STATUSES = {401: 403, 403: 403, 404: 404, 429: 429, 502: 502, 503: 503}


def _fmt() -> str:
    """The format the caller asked for by the path's suffix (JSON when it names none)."""
    return "xml" if request.path.endswith(".xml") else "json"


def _descriptions(exc: DomainError) -> list[str]:
    """The error's text with its stable code, then one line per refused field."""
    lines = [f"{exc.message} [{exc.code}]"]
    for field, problems in (exc.details.get("fields") or {}).items():
        text = "；".join(str(p) for p in problems) if isinstance(problems, list) else str(problems)
        lines.append(f"{field}: {text}")
    return lines


@geo.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    """A refusal in the spec's shape: 400 for anything wrong with the request."""
    resp = render.errors(_fmt(), STATUSES.get(exc.status, 400), _descriptions(exc))
    if exc.status == 429:
        resp.headers["Retry-After"] = str(exc.details.get("retry_after", 60))
    return resp


@geo.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    """Werkzeug's refusals (a body too large, a broken form) in the spec's shape."""
    status = exc.code or 400
    code, message = HTTP_ERRORS.get(status, ("bad_request", "请求有误"))
    return render.errors(_fmt(), STATUSES.get(status, 400), [f"{message} [{code}]"])


def _load(schema, data) -> dict:
    """Parameters through a schema; refused ones are a 400 naming each field."""
    nul = sorted(name for name, value in data.items(multi=True) if "\x00" in name or "\x00" in value)
    if nul:
        # a NUL would reach PostgreSQL, which stores no NUL in text
        raise DomainError("参数含有非法字符", code="open311.bad_parameter", details={"fields": {
            name.replace("\x00", ""): ["含有 NUL 字符"] for name in nul}})
    try:
        return schema.load(data)
    except ma.ValidationError as exc:
        raise DomainError("参数有误", code="open311.bad_parameter",
                          details={"fields": exc.normalized_messages()}) from exc


@geo.get(f"/discovery.{FMT}")
def discovery(fmt):
    """Where the service is and which formats it speaks."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    url = (base + url_for("open311.discovery", fmt="json"))[:-len("/discovery.json")] if base else \
        url_for("open311.discovery", fmt="json", _external=True)[:-len("/discovery.json")]
    return render.one(fmt, "discovery", {
        "changeset": "2026-12-07T00:00:00+00:00", "contact": "请联系所在区的区级管理员",
        "key_service": "api_key 由区级管理员在管理后台签发（POST /api/v1/admin/open311/keys）",
        "endpoints": [{"specification": SPECIFICATION, "url": url, "changeset": "2026-12-07T00:00:00+00:00",
                       "type": "production", "formats": ["text/xml", "application/json"]}]})


@geo.get(f"/services.{FMT}")
@reads
def services(fmt):
    """Every category as a service."""
    return render.items(fmt, "services", "service", service.services())


@geo.get(f"/services/<code>.{FMT}")
@reads
def service_definition(code, fmt):
    """A service's definition: its extra fields (attributes)."""
    return render.one(fmt, "service_definition", service.definition(code))


@geo.post(f"/requests.{FMT}")
@writes
def post_request(fmt):
    """File a request with a partner's api_key; answers service_request_id, or a token without a point."""
    form = request.form
    key = keys.partner(form.get("api_key"))
    data = _load(schemas.RequestForm(), form)
    data["attributes"] = {k[len("attribute["):].split("]", 1)[0] for k in form if k.startswith("attribute[")}
    answer = service.post_request(key, data)
    return render.items(fmt, "service_requests", "request", [answer], 201)


@geo.get(f"/requests.{FMT}")
@reads
def get_requests(fmt):
    """The board's cases, newest first, filtered as the spec has it."""
    args = _load(schemas.RequestQuery(), request.args)
    return render.items(fmt, "service_requests", "request", board.requests(args))


@geo.get(f"/requests/<request_id>.{FMT}")
@reads
def get_request(request_id, fmt):
    """One case of the board, as a one-item list."""
    found = board.one(int(request_id)) if request_id.isdigit() and int(request_id) < 2**31 else []
    if not found:
        raise NotFound("案件不存在或未公开", code="open311.request_not_found")
    return render.items(fmt, "service_requests", "request", found)


@geo.get(f"/tokens/<token>.{FMT}")
@reads
def get_token(token, fmt):
    """The case id a token became (empty while the request waits for a place)."""
    return render.items(fmt, "service_requests", "request", [service.token(token)])


@geo.get(f"/servicerequestupdates.{FMT}")
@reads
def updates(fmt):
    """FixMyStreet's extension: the board's timeline steps within a window, oldest first."""
    args = _load(schemas.UpdateQuery(), request.args)
    return render.items(fmt, "service_request_updates", "request_update", board.updates(args))


@geo.route("/<path:_rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(_rest):
    """Anything else under /open311/v2/ is a 404 in the spec's shape."""
    raise NotFound("没有这个 Open311 接口", code="open311.not_found")


@admin.route("/admin/open311/keys", methods=["POST"])
@errors(403, 404)
@admin.arguments(schemas.KeyIn)
@writes
@admin.response(201, schemas.KeyCreated)
def create_key(body):
    """Issue a partner's api_key for a unit in reach (district admins); the key is in this answer only."""
    return keys.create(current_actor(), body)


@admin.route("/admin/open311/keys", methods=["GET"])
@errors(403)
@admin.response(200, schemas.KeyOut(many=True))
def list_keys():
    """The partner keys of the units in reach, newest first, revoked ones included."""
    return keys.listing(current_actor())


@admin.route("/admin/open311/keys/<id:key_id>/revoke", methods=["POST"])
@errors(403, 404)
@writes
@admin.response(200, schemas.KeyOut)
def revoke_key(key_id):
    """Revoke a partner key: its calls are refused from the next one on (again: no change)."""
    return keys.revoke(current_actor(), key_id)


@admin.route("/admin/open311/pending", methods=["GET"])
@errors(403)
@admin.response(200, schemas.PendingOut(many=True))
def list_pending():
    """Partners' requests that came without a point, waiting to be placed, oldest first."""
    return service.pending(current_actor())


@admin.route("/admin/open311/pending/<id:request_id>/place", methods=["POST"])
@errors(403, 404, 409)
@admin.arguments(schemas.PlaceIn)
@writes
@admin.response(200, schemas.PendingOut)
def place_pending(body, request_id):
    """Place a waiting request on the map: it is filed as the partner's case, routed as any case is."""
    return service.place(current_actor(), request_id, body)
