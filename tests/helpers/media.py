"""Upload helpers: generated photos (optionally with EXIF GPS) and POST /media."""

from __future__ import annotations

import io

from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.helpers.reports import Case


def photo_bytes(seed: int, gps: tuple[float, float] | None = None) -> bytes:
    """A noise JPEG from a seed (same seed, same bytes), with EXIF GPS (WGS-84) when given."""
    import random

    pixels = random.Random(seed * 7919).randbytes(96 * 64 * 3)
    im = Image.frombytes("RGB", (96, 64), pixels)
    out = io.BytesIO()
    if gps is None:
        im.save(out, "JPEG")
        return out.getvalue()
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: _dms(gps[0]), 3: "E", 4: _dms(gps[1])}
    im.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    """Degrees, minutes, seconds."""
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)


def upload(case: Case, openid: str, data: bytes) -> int:
    """POST /media with these bytes; returns the media id."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename="p.jpg")})
    resp = case.client.post("/api/v1/media", data=body, headers=case.h(openid),
                            content_type=f"multipart/form-data; boundary={boundary}")
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


UPLOAD = "/api/v1/media"


def photo(width=800, height=600, color=(200, 30, 30), fmt="JPEG", orientation=None, gps=False):
    """A photo made here: solid colour with a darker top-left block, optional EXIF."""
    im = Image.new("RGB", (width, height), color)
    im.paste((20, 20, 20), (0, 0, width // 4, height // 4))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (30.0, 16.0, 20.0), 3: "E", 4: (120.0, 9.0, 50.0)}
    out = io.BytesIO()
    im.save(out, fmt, **({"exif": exif} if (orientation or gps) else {}))
    return out.getvalue()


def post(client, headers, data, name="IMG_0001.jpg", purpose=None, extra_headers=None):
    """Send a file the way wx.uploadFile does (body built in memory: werkzeug's test client
    spools large bodies to a temporary file it never closes)."""
    form = {"file": FileStorage(io.BytesIO(data), filename=name, content_type="image/jpeg")}
    if purpose:
        form["purpose"] = purpose
    boundary, body = encode_multipart(form)
    return client.post(UPLOAD, data=body, content_type=f"multipart/form-data; boundary={boundary}",
                       headers=headers | (extra_headers or {}))


def fetch(client, url):
    """GET an absolute URL the app handed out, through the test client."""
    path = url.split("://", 1)[1].split("/", 1)[1]
    return client.get("/" + path)
