"""The org tree (district → street → community → grid → micro-grid), polygons and routing; the current
actor with the part of the tree they reach, and the roles granted at its places."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Let the request layer read the caller; record every role change."""
    from suishoupai import web
    from suishoupai.org import role_changes
    from suishoupai.org.actor import admit, current_actor

    web.install_caller(app, caller_id=lambda: current_actor().user_id, admit=admit)
    role_changes.listen()
