"""新就业群体 points: ledger, rule book, awards, riders, statements and rankings."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Earn points from what reports and wishes announce; a rider's home community is a place they hold."""
    from suishoupai.org.scope import places_by_registration
    from suishoupai.points import handlers
    from suishoupai.points.models import Rider

    handlers.connect()
    places_by_registration(Rider)
