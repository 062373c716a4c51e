"""Headers on every answer: no content sniffing, no framing, nothing active unless a page allows it."""

from flask import Flask, Response

#: answers are JSON, photos and files: nothing in them may run or be framed; a page that needs more
#: (the API page, suishoupai/docs.py) sets its own policy
DEFAULT_POLICY = "default-src 'none'; frame-ancestors 'none'"


def _protect(response: Response) -> Response:
    """Add the headers to one answer, errors and files included."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Content-Security-Policy", DEFAULT_POLICY)
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every answer the app gives."""
    app.after_request(_protect)
