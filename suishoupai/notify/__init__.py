"""Notifications: an outbox written with each change, sent as WeChat subscribe messages; the inbox."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Check the notify settings and listen to the domains whose steps people are told about."""
    from suishoupai.notify import handlers, moderation, points, templates, wishes

    templates.init_app(app)
    handlers.connect()
    wishes.connect()
    moderation.connect()
    points.connect()
