"""新就业群体 points: ledger, rule book, awards, riders, statements and rankings."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Earn points from what reports and wishes announce."""
    from suishoupai.points import handlers

    handlers.connect()
