"""Request and response shapes of the console's own endpoints."""

import marshmallow as ma
from marshmallow import validate

from suishoupai.auth.schemas import Me


class TicketOpened(ma.Schema):
    """A new ticket: the QR carries ``ticket``; ``key`` stays in the browser that opened it."""

    ticket = ma.fields.String(metadata={"description": "what the QR carries (the mini-program code's scene)"})
    key = ma.fields.String(metadata={"description": "send as X-Ticket-Key when polling; never shown"})
    expires_at = ma.fields.AwareDateTime()
    qr_url = ma.fields.String()
    scene = ma.fields.String()


class TicketKey(ma.Schema):
    """The browser's proof that it opened the ticket."""

    key = ma.fields.String(data_key="X-Ticket-Key", load_default=None,
                           validate=validate.Length(1, 128),
                           metadata={"description": "the key answered when the ticket was opened"})


class TicketState(ma.Schema):
    """Where a ticket stands; ``token`` and ``user`` come once, on the first poll after approval."""

    status = ma.fields.String(validate=validate.OneOf(["pending", "approved", "expired", "used"]))
    token = ma.fields.String()
    expires_at = ma.fields.AwareDateTime()
    user = ma.fields.Nested(Me)
