"""Shapes of the inbox endpoints."""

import marshmallow as ma
from marshmallow import validate

from suishoupai.pagination import PageArgs


class InboxArgs(PageArgs):
    """?unread=&limit=&cursor= on the inbox."""

    unread = ma.fields.Boolean(load_default=False, metadata={"description": "only unread items"})


class InboxItem(ma.Schema):
    """One notification as the user sees it."""

    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "report_assigned, report_resolved, …"})
    title = ma.fields.String()
    body = ma.fields.String()
    page = ma.fields.String(allow_none=True, metadata={"description": "mini-program page to open"})
    created_at = ma.fields.AwareDateTime()
    read_at = ma.fields.AwareDateTime(allow_none=True)
    delivery = ma.fields.String(attribute="state", metadata={
        "description": "WeChat delivery: pending, sending, sent, unconfirmed, failed, no_quota, skipped"})


class InboxPage(ma.Schema):
    """A page of the inbox, with the unread count for a badge."""

    items = ma.fields.List(ma.fields.Nested(InboxItem))
    next_cursor = ma.fields.String(allow_none=True)
    unread_count = ma.fields.Integer()


class ReadAllResult(ma.Schema):
    """How many notifications were marked read."""

    marked = ma.fields.Integer()


class QuotaItem(ma.Schema):
    """One kind's subscribe template and the sends refused since the user last subscribed to it."""

    kind = ma.fields.String()
    template_id = ma.fields.String(allow_none=True, metadata={
        "description": "pass to wx.requestSubscribeMessage; null when the kind has no template"})
    missed = ma.fields.Integer(validate=validate.Range(min=0))
    last_missed_at = ma.fields.AwareDateTime(allow_none=True)


class CreditArgs(PageArgs):
    """Filters of the admins' credit table."""

    kind = ma.fields.String(validate=validate.Length(1, 32), metadata={"description": "one kind only"})
    refused_only = ma.fields.Boolean(load_default=False, metadata={
        "description": "only rows with refusals since the person last subscribed"})


class CreditRow(ma.Schema):
    """One person's subscription credit for one kind, as far as the refusals tell."""

    user_id = ma.fields.Integer()
    name = ma.fields.String()
    role = ma.fields.String()
    kind = ma.fields.String()
    subscribable = ma.fields.Boolean(metadata={"description": "the kind has a subscribe template configured"})
    refused = ma.fields.Integer(metadata={
        "description": "sends WeChat refused with 43101 (no credit left) since the person last subscribed; "
                       "0: credit held again"})
    last_refused_at = ma.fields.AwareDateTime(allow_none=True)
    subscribed_at = ma.fields.AwareDateTime(allow_none=True, metadata={
        "description": "when the person last reported a fresh subscription"})
