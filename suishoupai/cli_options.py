"""Options the operations commands share: `--now`, to judge deadlines at another moment."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import click

#: a moment without an offset is read as Beijing time, the time the deadlines are set in
BEIJING = timezone(timedelta(hours=8))


class Moment(click.ParamType):
    """An ISO 8601 date-time (`2026-12-09T18:00`, `2026-12-09T10:00+00:00`), aware."""

    name = "datetime"

    def convert(self, value, param, ctx):
        """Parse, reading a naive value as Beijing time."""
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date-time such as 2026-12-09T18:00", param, ctx)
        return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


now_option = click.option(
    "--now", type=Moment(), default=None,
    help="Judge deadlines as if it were this moment (ISO 8601; no offset: Beijing time), e.g. to "
         "let time pass in a demo. What the sweep writes keeps the real time.")
