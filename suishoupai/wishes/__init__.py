"""微心愿: residents' small wishes, claimed and fulfilled by volunteers in public view."""

from flask import Flask


def init_app(app: Flask) -> None:
    """A 双报到 volunteer's home community is a place they hold (admins reach them through it)."""
    from suishoupai.org.scope import places_by_registration
    from suishoupai.wishes.models import Volunteer

    places_by_registration(Volunteer)
