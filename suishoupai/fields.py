"""Shared API fields: ids that fit the database's integer column, in bodies, queries and paths;
strict booleans; instants the database can store."""

from datetime import UTC, date

import marshmallow as ma
from marshmallow import validate
from werkzeug.routing import BaseConverter, IntegerConverter, UnicodeConverter, ValidationError

#: PostgreSQL `integer`; larger numbers are refused at the edge, never sent to the database
MAX_ID = 2**31 - 1


def Id(strict: bool = True, **kwargs) -> ma.fields.Integer:  # noqa: N802 - reads like a field class
    """An integer id field, 1 … 2³¹−1; strict (no "12" strings) in JSON, not in query strings."""
    return ma.fields.Integer(strict=strict, validate=validate.Range(1, MAX_ID), **kwargs)


class StrictBoolean(ma.fields.Boolean):
    """true or false only: JSON 0/1 or "yes" are refused, not read as booleans."""

    def _deserialize(self, value, attr, data, **kwargs):
        """Refuse anything but a JSON boolean."""
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Instant(ma.fields.AwareDateTime):
    """An ISO 8601 time with its offset that has a UTC equivalent (0001-01-01T00:00+00:01 has none)."""

    def _deserialize(self, value, attr, data, **kwargs):
        """Parse, then refuse times that fall outside the calendar once converted to UTC."""
        parsed = super()._deserialize(value, attr, data, **kwargs)
        try:
            parsed.astimezone(UTC)
        except OverflowError:
            raise ma.ValidationError("时间超出范围") from None
        return parsed


class IdConverter(IntegerConverter):
    """`<id:name>` in routes: a positive id within range, else 404."""

    def __init__(self, url_map):
        """Bounds fixed to the id range."""
        super().__init__(url_map, min=1, max=MAX_ID)


class DateConverter(BaseConverter):
    """`<isodate:day>` in routes: YYYY-MM-DD, else 404."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        """Parse; an impossible date (2026-02-30) does not match the route."""
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValidationError() from exc

    def to_url(self, value: date) -> str:
        """Format."""
        return value.isoformat()


class TextConverter(UnicodeConverter):
    """`<name>` and `<string:name>` in routes: as werkzeug's, but a NUL (%00) does not match (404), so
    it never reaches a query (PostgreSQL text cannot hold one)."""

    def __init__(self, url_map, *args, **kwargs):
        """werkzeug's pattern with NUL left out of the characters it takes."""
        super().__init__(url_map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]", 1)
