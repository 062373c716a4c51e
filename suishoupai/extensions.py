"""Extensions, created unbound and bound to the app in the factory."""

import json
import threading
from http import HTTPStatus

import flask_smorest
import orjson
from flask import current_app
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from marshmallow import RAISE, missing
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.datastructures import MultiDict

from suishoupai.database import Base
from suishoupai.errors import ApiWithEnvelope, DomainError, InvalidInput, json_too_large

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
#: methods that carry no body and take no write lock (web._begin); every other method is a write
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
#: one limiter per process; every limit is declared through suishoupai.limits.limited. Its options
#: are fixed here, not read from each app's config: the limiter keeps the first app's values. No
#: X-RateLimit-* headers (each would cost one more store round trip); a 429 carries Retry-After
limiter = Limiter(key_func=lambda: "", default_limits=[], headers_enabled=False, strategy="fixed-window",
                  key_prefix="", swallow_errors=False, in_memory_fallback_enabled=False)
#: who may call an operation, checked by the request layer before a write's body is read (web._begin):
#: anyone (documented with security []), any signed-in caller, or staff only (everything under /admin/)
PUBLIC, SIGNED_IN, STAFF = "public", "signed_in", "staff"


def _has_nul(value, max_depth: int | None = None) -> bool:
    """Whether a parsed JSON value holds a NUL character anywhere (PostgreSQL text cannot); refuses
    nesting deeper than ``max_depth``. Walks without recursion, so no depth can overflow the stack."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, (dict, list)):
            if max_depth is not None and depth > max_depth:
                raise DomainError(f"JSON 嵌套过深（最多 {max_depth} 层）", code="bad_request.json_too_deep",
                                  details={"max_depth": max_depth})
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                item = item.values()
            stack.extend((child, depth + 1) for child in item)
    return False


class Api(ApiWithEnvelope):
    """One per app. A blueprint's operations are written into the OpenAPI document the first time the
    document is read, not while the app is built: writing them is two thirds of building the app, and
    most processes (a worker until someone asks for /api/openapi.json, every CLI command) never read it."""

    def __init__(self, *args, **kwargs):
        self._spec, self._undocumented, self._complete = None, [], True
        self._documenting = threading.RLock()
        super().__init__(*args, **kwargs)

    @property
    def spec(self):
        """The app's OpenAPI document, with every registered blueprint's operations written in."""
        if not self._complete:
            with self._documenting:
                while self._undocumented:
                    blp, name, parameters = self._undocumented.pop(0)
                    blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
                    self._spec.tag({"name": name, "description": blp.description})
                self._complete = True
        return self._spec

    @spec.setter
    def spec(self, value):
        self._spec = value

    def register_blueprint(self, blp, *, parameters=None, **options):
        """As flask-smorest's, leaving the blueprint's operations to be documented when first read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        with self._documenting:
            self._undocumented.append((blp, name, parameters))
            self._complete = False


class StrictParser(FlaskParser):
    """Refuses unknown query parameters (a typo never filters silently) and NUL characters; reads JSON
    with orjson, which refuses lone surrogates, NaN and more than 1,024 levels, then caps the depth."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
                                   "query": RAISE, "querystring": RAISE}

    @staticmethod
    def _refuse_nul(data, location: str, raw=None, max_depth: int | None = None):
        """Answer 422 for text holding NUL, before it reaches a schema or the database."""
        if _has_nul(data if raw is None else [list(pair) for pair in raw.items(multi=True)], max_depth):
            raise InvalidInput("内容中不能包含空字符（\\u0000）", code="validation_error",
                               details={"location": location})
        return data

    def _raw_load_json(self, req):
        """The JSON body parsed by orjson (the stdlib's parser recurses: 1,000 levels overflow it)."""
        if not current_app.config["REQUEST_GUARDS"] or not is_json_request(req):
            return super()._raw_load_json(req)
        # werkzeug reads at most request.max_content_length: one byte past the cap (web._begin)
        data, limit = req.get_data(cache=True), current_app.config["JSON_MAX_BYTES"]
        if len(data) > limit:
            raise json_too_large(limit)
        if not data:
            return missing  # no body, as webargs reads it
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            # orjson gives bytes that are no UTF-8 an empty doc, which webargs would read as no body
            raise json.JSONDecodeError(str(exc), data.decode("utf-8", "replace"), exc.pos) from exc

    def load_json(self, req, schema):
        """JSON body, NUL- and depth-checked."""
        guarded = current_app.config["REQUEST_GUARDS"]
        return self._refuse_nul(super().load_json(req, schema), "json",
                                max_depth=current_app.config["JSON_MAX_DEPTH"] if guarded else None)

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


def errors(*codes: int):
    """Document error statuses a view answers, each as the response flask-smorest registers under the
    status's name (NOT_FOUND, CONFLICT, …, all with the error envelope); the view runs unchanged."""
    responses = {code: HTTPStatus(code).name for code in codes}

    def decorate(view):
        """Add the statuses to the view's OpenAPI doc."""
        # doc() wraps the view in one more call per request; only the doc it builds is kept
        view._apidoc = flask_smorest.Blueprint.doc(responses=responses)(view)._apidoc
        return view

    return decorate


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest blueprint with the strict argument parser and the request layer's error statuses
    in its OpenAPI doc; every domain uses this one."""

    ARGUMENTS_PARSER = StrictParser()

    def __init__(self, *args, **kwargs):
        """As flask-smorest's, with two more steps building each operation's doc."""
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks += [self._prepare_manual_parameters_doc, self._prepare_request_errors_doc]

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None, **kwargs):
        """As flask-smorest's, noting on the view who may call it (``audience``): anyone when its doc
        says ``security: []``, staff under /admin/ (documented 403), any signed-in caller otherwise."""
        if view_func is not None:
            if getattr(view_func, "_apidoc", {}).get("manual_doc", {}).get("security") == []:
                view_func.audience = PUBLIC
            elif rule.startswith("/admin/"):
                view_func.audience = STAFF
                errors(403)(view_func)
            else:
                view_func.audience = SIGNED_IN
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **kwargs)

    @staticmethod
    def _prepare_manual_parameters_doc(doc, doc_info, **_kwargs):
        """Parameters given to doc() (the Idempotency-Key header) join those of arguments(): merged
        as flask-smorest merges a manual doc, their list would replace the query parameters."""
        manual = doc_info.get("manual_doc", {})
        if "parameters" in manual:
            doc["parameters"] = doc.get("parameters", []) + manual.pop("parameters")
        return doc

    @staticmethod
    def _prepare_request_errors_doc(doc, doc_info, *, method, **_kwargs):
        """Add what any operation of its kind can answer, read off what it declares: 401 unless it is
        public (``security: []``); 415 on a write (web._begin refuses a body neither JSON nor
        multipart); 413 when it reads a body (MAX_CONTENT_LENGTH), and 400 when that body is JSON."""
        codes = [] if doc_info.get("manual_doc", {}).get("security") == [] else [401]
        if method.upper() not in READ_METHODS:
            codes.append(415)
        if "requestBody" in doc:
            codes.append(413)
            if "application/json" in doc["requestBody"]["content"]:
                codes.append(400)
        responses = doc.setdefault("responses", {})
        for code in codes:
            responses.setdefault(code, HTTPStatus(code).name)
        return doc

    def arguments(self, schema, *args, **kwargs):
        """As flask-smorest's, with a schema class made an instance once: webargs instantiates a
        class on every request (deep-copying its fields, ~0.1 ms); a schema's load keeps no state."""
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)
