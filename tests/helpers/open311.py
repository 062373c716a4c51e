"""Open311 helpers: partner keys over the admin API, a local photo server, the app served over real
HTTP (for the georeport client), and reading the spec's XML."""

from __future__ import annotations

import io
import json
import random
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.etree import ElementTree as ET

from jsonschema import Draft202012Validator
from PIL import Image
from werkzeug.serving import make_server

from suishoupai.org import geo
from tests.helpers.reports import CENTRE, OTHER_STREET

BASE = "/open311/v2"
#: GeoReport v2 JSON Schemas, kept as test data
SCHEMAS = Path(__file__).parents[1] / "api" / "open311" / "schemas"


def wgs84(spot: dict) -> tuple[float, float]:
    """A demo spot (GCJ-02) as the WGS-84 lat/long Open311 speaks."""
    return geo.to_wgs84(spot["lat"], spot["lng"], spot["coord_type"])


CENTRE_WGS84 = wgs84(CENTRE)
OTHER_STREET_WGS84 = wgs84(OTHER_STREET)


def jpeg(seed: int = 1, size=(96, 64)) -> bytes:
    """A small distinct JPEG."""
    pixels = random.Random(seed).randbytes(size[0] * size[1] * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(out, "JPEG")
    return out.getvalue()


def new_key(client, headers: dict, **body) -> dict:
    """Issue a partner key over the admin API; answers the created key (with api_key)."""
    resp = client.post("/api/v1/admin/open311/keys", json={"name": "市民热线"} | body, headers=headers)
    assert resp.status_code == 201, resp.json
    return resp.json


def post(client, fmt: str = "json", **form):
    """POST requests.{fmt} form-encoded."""
    return client.post(f"{BASE}/requests.{fmt}", data=form)


def form(api_key: str, spot=CENTRE_WGS84, **extra) -> dict:
    """A valid POST requests form at a spot of the demo district."""
    return {"api_key": api_key, "service_code": "garbage", "lat": str(spot[0]), "long": str(spot[1]),
            "description": "小区东门垃圾堆放三天无人清理"} | extra


def valid(resp, name: str):
    """The JSON answer, checked against the named schema (date-times by their format)."""
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(resp.json)
    return resp.json


def xml(resp) -> ET.Element:
    """The answer's XML root (our own answers: no entities, no DTD)."""
    assert resp.content_type.startswith("text/xml"), resp.content_type
    return ET.fromstring(resp.data)


def xml_errors(resp) -> list[tuple[str, str]]:
    """(code, description) of each <error> in an XML error answer."""
    root = xml(resp)
    assert root.tag == "errors"
    return [(e.findtext("code"), e.findtext("description")) for e in root.findall("error")]


class _Photos(BaseHTTPRequestHandler):
    """Serves /photo.jpg, /big.jpg (over the limit), /text (not an image), /moved (a redirect)."""

    routes: dict = {}

    def do_GET(self):  # noqa: N802 - the name http.server calls
        """Answer a known path, else 404."""
        status, body, headers = self.routes.get(self.path, (404, b"", {}))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        """Quiet."""


@contextmanager
def photo_server(big: int):
    """A local HTTP server thread serving photos for media_url; yields its base URL."""
    routes = {"/photo.jpg": (200, jpeg(7), {"Content-Type": "image/jpeg"}),
              "/big.jpg": (200, b"\xff\xd8" + b"0" * big, {"Content-Type": "image/jpeg"}),
              "/text": (200, b"not a photo at all", {"Content-Type": "text/plain"}),
              "/moved": (302, b"", {"Location": "/photo.jpg"})}
    handler = type("Photos", (_Photos,), {"routes": routes})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def served(app):
    """The app on a real local port (a client library speaks HTTP to it); yields the Open311 root."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{BASE}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
