"""Extensions, created unbound and bound to the app in the factory."""

import flask_smorest
from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import MultiDict

from suishoupai.database import Base
from suishoupai.errors import ApiWithEnvelope, InvalidInput

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
api = ApiWithEnvelope()


def _client_key() -> str:
    """Rate-limit by the proxy-reported client address (ProxyFix sets remote_addr)."""
    return get_remote_address() or request.remote_addr or "unknown"


limiter = Limiter(key_func=_client_key, default_limits=[], headers_enabled=True)


def _has_nul(value) -> bool:
    """Whether a parsed JSON value holds a NUL character anywhere (PostgreSQL text cannot)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class StrictParser(FlaskParser):
    """Refuses unknown query parameters (a typo never filters silently) and NUL characters."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
                                   "query": RAISE, "querystring": RAISE}

    @staticmethod
    def _refuse_nul(data, location: str, raw=None):
        """Answer 422 for text holding NUL, before it reaches a schema or the database."""
        if _has_nul(data if raw is None else [list(pair) for pair in raw.items(multi=True)]):
            raise InvalidInput("内容中不能包含空字符（\\u0000）", code="validation_error",
                               details={"location": location})
        return data

    def load_json(self, req, schema):
        """JSON body, NUL-checked."""
        return self._refuse_nul(super().load_json(req, schema), "json")

    def load_querystring(self, req, schema):
        """Query string, NUL-checked."""
        return self._refuse_nul(super().load_querystring(req, schema), "query", req.args)

    def load_files(self, req, schema):
        """A multipart body as one object: its files and its form fields (wx.uploadFile's formData)."""
        self._refuse_nul(None, "form", req.form)
        merged = MultiDict(req.files)
        for name, value in req.form.items(multi=True):
            merged.add(name, value)
        return self._makeproxy(merged, schema)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest blueprint with the strict argument parser; every domain uses this one."""

    ARGUMENTS_PARSER = StrictParser()

    def arguments(self, schema, *args, **kwargs):
        """As flask-smorest's, with a schema class made an instance once: webargs instantiates a
        class on every request (deep-copying its fields, ~0.1 ms); a schema's load keeps no state."""
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)
