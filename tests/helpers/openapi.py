"""Reading the OpenAPI document: its operations, a callable target for each, bodies to send, fuzz checks."""

from __future__ import annotations

import io
import random

from PIL import Image
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

SPEC = "/api/openapi.json"


METHODS = ("get", "put", "post", "patch", "delete")


#: the operations anyone may call: how a caller gets a token, and the privacy notice read before signing in
PUBLIC = {("post", "/api/v1/auth/wechat-login"), ("post", "/api/v1/auth/dev-login"),
          ("get", "/api/v1/auth/dev-accounts"), ("get", "/api/v1/privacy"),
          # the console's sign-in: the browser holds only its ticket's key until a staff member approves
          ("post", "/api/v1/console/tickets"), ("get", "/api/v1/console/tickets/{ticket}"),
          ("get", "/api/v1/console/tickets/{ticket}/qr.png")}


def operations(spec):
    """(method, path, operation, path parameters) for every operation of the document."""
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method], item.get("parameters", [])


def _value(schema: dict):
    """A value of the right shape: an unknown id, a date, the first of an enum, an example."""
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("type") == "integer":
        return UNKNOWN
    return {"date": "2025-01-06"}.get(schema.get("format"), schema.get("example", "nope"))


def target(path: str, op: dict, path_params: list) -> str:
    """The operation's URL with every path parameter and required query parameter filled in."""
    for param in path_params:
        path = path.replace("{" + param["name"] + "}", str(_value(param["schema"])))
    query = [f"{p['name']}={_value(p['schema'])}" for p in op.get("parameters", [])
             if p["in"] == "query" and p.get("required")]
    return path + ("?" + "&".join(query) if query else "")


def multipart(data: bytes, name: str = "p.jpg") -> dict:
    """wx.uploadFile's request: one file part."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=name)})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def photo() -> bytes:
    """A small JPEG unlike any other."""
    out = io.BytesIO()
    Image.frombytes("RGB", (64, 48), random.Random().randbytes(64 * 48 * 3)).save(out, "JPEG")
    return out.getvalue()


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection]


UNKNOWN = 999_999
