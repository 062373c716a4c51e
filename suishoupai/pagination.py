"""Cursor (keyset) pagination: page 1000 costs what page 1 costs."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

import marshmallow as ma
from marshmallow import validate
from sqlalchemy import Select, and_, bindparam, or_

from suishoupai.errors import InvalidInput
from suishoupai.extensions import db
from suishoupai.fields import MAX_ID


class PageArgs(ma.Schema):
    """?limit=&cursor= on every list."""

    limit = ma.fields.Integer(load_default=20, validate=validate.Range(1, 100))
    cursor = ma.fields.String(load_default=None, validate=validate.Length(max=500))


def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The {items, next_cursor} envelope around an item schema."""
    return type(f"{item_schema.__name__}Page", (ma.Schema,), {
        "items": ma.fields.List(ma.fields.Nested(item_schema)),
        "next_cursor": ma.fields.String(allow_none=True),
        "__doc__": f"A page of {item_schema.__name__}.",
    })


def _encode(values: list) -> str:
    """Opaque cursor from the last row's sort values."""
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, columns: list) -> list:
    """Sort values back from a cursor; a tampered cursor is a clear 422."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise ValueError("shape")
        values = []
        for col, value in zip(columns, raw, strict=True):
            python_type = col.type.python_type
            if python_type is datetime:
                value = datetime.fromisoformat(value)
                if value.tzinfo is None:
                    raise ValueError("naive")  # we write every cursor with its offset
                value = value.astimezone(UTC)  # OverflowError at the ends of the calendar
            elif not isinstance(value, python_type) or isinstance(value, bool):
                raise ValueError("type")
            elif isinstance(value, int) and not 0 <= value <= MAX_ID:
                raise ValueError("range")
            values.append(value)
        return values
    except (ValueError, TypeError, OverflowError, binascii.Error, NotImplementedError) as exc:
        raise InvalidInput("分页游标无效，请从第一页重新加载", code="pagination.bad_cursor",
                           details={"fields": {"cursor": ["无效的游标"]}}) from exc


def keyset_select(stmt: Select, columns: list, cursor: bool, descending: bool = True) -> Select:
    """A page statement fit to be built once and reused: ordered by the columns (the last one
    unique), past a cursor bound as ``keyset_0``, ``keyset_1``, … when ``cursor``, limited by
    ``keyset_limit``; `keyset_run` binds them."""
    if cursor:
        values = [bindparam(f"keyset_{i}", type_=col.type) for i, col in enumerate(columns)]
        # (a, b) < (x, y) spelled out, so every database uses the index the same way
        terms = []
        for i, col in enumerate(columns):
            equal = [columns[j] == values[j] for j in range(i)]
            terms.append(and_(*equal, col < values[i] if descending else col > values[i]))
        # the redundant bound on the first column lets both databases seek the index instead of
        # scanning from the top and filtering (page 1000 measured 7× faster on PostgreSQL)
        first = columns[0] <= values[0] if descending else columns[0] >= values[0]
        stmt = stmt.where(first, or_(*terms))
    order = [c.desc() if descending else c.asc() for c in columns]
    return stmt.order_by(*order).limit(bindparam("keyset_limit"))


def keyset_run(stmt: Select, columns: list, limit: int, cursor: str | None, params: dict | None = None,
               rows: bool = False) -> dict:
    """Run a `keyset_select` statement (built with ``cursor`` set as this call's is) for one page:
    its entities, or with ``rows=True`` its rows (carrying the columns under their own names)."""
    bound = dict(params or {}, keyset_limit=limit + 1)
    if cursor:
        bound.update((f"keyset_{i}", v) for i, v in enumerate(_decode(cursor, columns)))
    if rows:
        # rows go past the ORM's result handling: the session's connection runs the statement
        items = db.session.connection().execute(stmt, bound).all()
    else:
        items = db.session.execute(stmt, bound).scalars().all()
    more = len(items) > limit
    items = items[:limit]
    next_cursor = None
    if more:
        last = items[-1]
        next_cursor = _encode([getattr(last, c.key) for c in columns])
    return {"items": items, "next_cursor": next_cursor}


def keyset_page(stmt: Select, columns: list, limit: int, cursor: str | None,
                descending: bool = True) -> dict:
    """A page of a select's entities ordered by the given columns (the last one unique), newest first
    by default."""
    return keyset_run(keyset_select(stmt, columns, bool(cursor), descending), columns, limit, cursor)
