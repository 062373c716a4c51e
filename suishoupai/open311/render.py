"""Open311 answers in the two formats the spec has, JSON and XML, and its error shape in both."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

import orjson
from flask import Response

#: the format suffix of a path → its content type
MEDIA_TYPES = {"json": "application/json", "xml": "text/xml"}
#: in XML a list is its plural element holding one singular element per item
SINGULAR = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}


def _text(value) -> str:
    """A scalar as XML text: W3C date-times, true/false, empty for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c(value)
    return str(value)


def w3c(value: datetime | None) -> str | None:
    """A date-time as the spec writes it (W3C, with its offset), to the second."""
    return None if value is None else value.isoformat(timespec="seconds")


def _fill(parent: ET.Element, item: dict) -> None:
    """Children of an element, one per key, in order; lists as plural holding singular elements."""
    for key, value in item.items():
        child = ET.SubElement(parent, key)
        if isinstance(value, list):
            for entry in value:
                element = ET.SubElement(child, SINGULAR.get(key, "item"))
                if isinstance(entry, dict):
                    _fill(element, entry)
                else:
                    element.text = _text(entry)
        elif isinstance(value, dict):
            _fill(child, value)
        else:
            child.text = _text(value)


def _json_default(value):
    """What orjson cannot write by itself."""
    raise TypeError(type(value).__name__)


def _json(body, status: int) -> Response:
    """A JSON answer (date-times as W3C strings)."""
    return Response(orjson.dumps(body, default=_json_default, option=orjson.OPT_NAIVE_UTC),
                    status=status, mimetype=MEDIA_TYPES["json"])


def _xml(root: ET.Element, status: int) -> Response:
    """An XML answer with its declaration, UTF-8."""
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(data, status=status, content_type=MEDIA_TYPES["xml"] + "; charset=utf-8")


def items(fmt: str, root: str, element: str, rows: list[dict], status: int = 200) -> Response:
    """A list answer: a JSON array, or <root><element>…</element>…</root>."""
    if fmt == "json":
        return _json(_plain(rows), status)
    top = ET.Element(root)
    for row in rows:
        _fill(ET.SubElement(top, element), row)
    return _xml(top, status)


def one(fmt: str, root: str, body: dict, status: int = 200) -> Response:
    """A single-object answer (discovery, a service definition): a JSON object, or <root>…</root>."""
    if fmt == "json":
        return _json(_plain(body), status)
    top = ET.Element(root)
    _fill(top, body)
    return _xml(top, status)


def _plain(value):
    """Date-times as W3C strings, the rest as it is (orjson would write microseconds)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return w3c(value)
    return value


def errors(fmt: str, status: int, descriptions: list[str]) -> Response:
    """The spec's errors: [{code, description}] in JSON, <errors><error>… in XML; code is the HTTP status."""
    return items(fmt, "errors", "error", [{"code": status, "description": d} for d in descriptions], status)
