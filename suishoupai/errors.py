"""Domain errors and the one error envelope every failure is answered with."""

from __future__ import annotations

import itertools
import re
from typing import Any

import marshmallow as ma
from flask import Flask, current_app, jsonify
from flask_smorest import Api
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A rule of the domain refused the request; carries a stable code and zh-CN text."""

    status = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 details: dict[str, Any] | None = None, status: int | None = None):
        """Override the class defaults where the situation says more."""
        self.message = message or self.message
        self.code = code or self.code
        self.status = status or self.status
        self.details = details or {}
        super().__init__(self.code)


class InvalidInput(DomainError):
    """The request is well-formed but its content is not acceptable."""

    status = 422
    code = "validation_error"
    message = "提交的内容有误"


class Unauthorized(DomainError):
    """No valid credentials."""

    status = 401
    code = "auth.unauthorized"
    message = "请先登录"


class Forbidden(DomainError):
    """The caller's role may not do this at all."""

    status = 403
    code = "auth.forbidden"
    message = "无权执行此操作"


class NotFound(DomainError):
    """The object does not exist or lies outside the caller's scope."""

    status = 404
    code = "not_found"
    message = "请求的内容不存在"


class Conflict(DomainError):
    """The object's current state does not allow the change."""

    status = 409
    code = "conflict"
    message = "当前状态不允许此操作"


class PayloadTooLarge(DomainError):
    """The upload or body exceeds a configured limit."""

    status = 413
    code = "payload_too_large"
    message = "上传内容过大"


def json_too_large(limit: int) -> PayloadTooLarge:
    """The refusal of a JSON body longer than ``limit`` bytes."""
    return PayloadTooLarge(f"请求体过大（JSON 最多 {limit // 1024} KB）", code="payload_too_large.json",
                           details={"max_bytes": limit})


class UnsupportedMediaType(DomainError):
    """The content is of a type the service does not accept."""

    status = 415
    code = "unsupported_media_type"
    message = "不支持的文件类型"


class TooManyRequests(DomainError):
    """Rate limited, here or upstream."""

    status = 429
    code = "rate_limited"
    message = "操作过于频繁，请稍后再试"


class UpstreamError(DomainError):
    """An upstream service (WeChat, storage) answered with an error."""

    status = 502
    code = "upstream.error"
    message = "上游服务异常，请稍后重试"


class UpstreamUnavailable(DomainError):
    """An upstream service could not be reached in time."""

    status = 503
    code = "upstream.unavailable"
    message = "服务暂时不可用，请稍后重试"


def envelope(code: str, message: str, details: dict[str, Any] | None = None) -> dict:
    """Build the one error body: {"error": {code, message, details}}."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


#: HTTP errors raised by the framework itself, with their stable code and zh-CN text
HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求格式有误"),
    401: ("auth.unauthorized", "请先登录"),
    403: ("auth.forbidden", "无权执行此操作"),
    404: ("not_found", "请求的内容不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "当前状态不允许此操作"),
    413: ("payload_too_large", "上传内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_error", "提交的内容有误，请检查后重试"),
    429: ("rate_limited", "操作过于频繁，请稍后再试"),
    500: ("internal_error", "服务器开小差了，请稍后重试"),
    503: ("service_unavailable", "服务暂时不可用，请稍后重试"),
}

#: marshmallow's stock messages, shown in zh-CN next to the field they concern
FIELD_MESSAGES = {
    "Missing data for required field.": "必填项",
    "Unknown field.": "不允许提交此字段",
    "Field may not be null.": "不能为空",
    "Not a valid string.": "应为文本",
    "Not a valid integer.": "应为整数",
    "Not a valid number.": "应为数字",
    "Not a valid boolean.": "应为布尔值",
    "Not a valid datetime.": "应为 ISO 8601 时间",
    "Not a valid date.": "应为日期",
    "Not a valid mapping type.": "应为对象",
    "Not a valid list.": "应为列表",
    "Invalid input type.": "类型错误",
    "Invalid value.": "取值无效",
}


#: marshmallow's parameterised messages
FIELD_PATTERNS = [
    (re.compile(r"^Must be one of: (.*)\.$"), "须为以下之一：{0}"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "长度须在 {0} 到 {1} 之间"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "长度不能少于 {0}"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "长度不能超过 {0}"),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     "须在 {0} 到 {1} 之间"),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), "不能小于 {0}"),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), "不能大于 {0}"),
    (re.compile(r"^Must be equal to (.*)\.$"), "须为 {0}"),
    (re.compile(r"^Not a valid URL\.$"), "不是有效的网址"),
    (re.compile(r"^String does not match expected pattern\.$"), "格式不正确"),
]


def _translate(messages):
    """Translate marshmallow's stock field messages, keeping the structure."""
    if isinstance(messages, dict):
        return {str(k): _translate(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return [_translate(m) for m in messages]
    if not isinstance(messages, str):
        return messages
    if messages in FIELD_MESSAGES:
        return FIELD_MESSAGES[messages]
    for pattern, template in FIELD_PATTERNS:
        match = pattern.match(messages)
        if match:
            return template.format(*match.groups())
    return messages


#: containers nested deeper than this inside details are cut (nested schemas go three levels deep)
ERROR_MAX_DEPTH = 4


def bounded(details: dict, max_entries: int, max_text: int) -> dict:
    """What an error answer may echo: at most ``max_entries`` entries per object or list and three
    times that in all, texts (keys too) cut to ``max_text`` characters; ``truncated: true`` when
    anything was left out. A body of 10,000 unknown keys must not come back as a 1 MB answer."""
    budget, cut = [3 * max_entries], [False]

    def text(value: str) -> str:
        """One text, cut."""
        if len(value) <= max_text:
            return value
        cut[0] = True
        return value[:max_text] + "…"

    def walk(value, depth: int):
        """One value, within the budget."""
        if isinstance(value, str):
            budget[0] -= 1
            return text(value)
        if not isinstance(value, (dict, list, tuple)):
            budget[0] -= 1
            return value
        if depth >= ERROR_MAX_DEPTH:
            cut[0] = True
            return "…"
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        kept = []
        for count, (key, item) in enumerate(pairs):
            if count >= max_entries or budget[0] <= 0:
                cut[0] = True
                break
            # the envelope's own keys (fields, problems) stay whole; those below may echo the input
            kept.append((text(str(key)) if depth else key, walk(item, depth + 1)))
        return dict(kept) if isinstance(value, dict) else [item for _key, item in kept]

    clipped = walk(details, 0)
    return {**clipped, "truncated": True} if cut[0] else clipped


def _response(status: int, code: str, message: str, details=None, headers=None):
    """The error envelope as a Flask response, echoing no more than the configured bounds."""
    if details and current_app.config["REQUEST_GUARDS"]:
        config = current_app.config
        details = bounded(details, config["ERROR_MAX_FIELDS"], config["ERROR_MAX_TEXT"])
    resp = jsonify(envelope(code, message, details))
    resp.status_code = status
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def handle_domain_error(err: DomainError):
    """Answer a refused rule."""
    return _response(err.status, err.code, err.message, err.details)


def handle_http_exception(err: HTTPException):
    """Answer errors raised by Flask, werkzeug, webargs and Flask-Limiter in the envelope."""
    status = err.code or 500
    code, message = HTTP_ERRORS.get(status, ("http_error", "请求无法处理"))
    details: dict = {}
    headers = dict(err.get_headers()) if status in (405, 429) else {}
    headers.pop("Content-Type", None)
    data = getattr(err, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if status == 422 and isinstance(messages, dict):
        fields: dict = {}
        for location_messages in messages.values():
            if isinstance(location_messages, dict):
                fields.update(location_messages)
        if current_app.config["REQUEST_GUARDS"]:
            # translate only what the answer will show (_response bounds it), not 10,000 unknown keys
            fields = dict(itertools.islice(fields.items(), current_app.config["ERROR_MAX_FIELDS"] + 1))
        details = {"fields": _translate(fields)}
    elif status == 400 and "JSON" in (err.description or "") + str(data.get("messages", "")):
        code, message = "bad_request.invalid_json", "请求体不是有效的 JSON"
    if status == 429:
        details = {"limit": str(err.description)}
    if status == 500:
        original = getattr(err, "original_exception", None)
        if isinstance(original, OperationalError):
            return _response(503, "database.unavailable", "数据库暂时不可用，请稍后重试")
        if isinstance(original, IntegrityError):
            # a race the service did not foresee: the other writer won, nothing was written here
            return _response(409, "conflict.concurrent_change", "数据已被他人修改，请刷新后重试")
    return _response(status, code, message, details, headers)


class ErrorDetail(ma.Schema):
    """The error object of the envelope."""

    code = ma.fields.String(metadata={"description": "stable machine-readable code"})
    message = ma.fields.String(metadata={"description": "zh-CN text for display"})
    details = ma.fields.Dict(metadata={"description": "field errors and context"})


class ErrorEnvelope(ma.Schema):
    """Every error body: {"error": {code, message, details}}."""

    error = ma.fields.Nested(ErrorDetail)


class ApiWithEnvelope(Api):
    """flask-smorest Api whose errors use our envelope, in answers and in the OpenAPI doc."""

    ERROR_SCHEMA = ErrorEnvelope

    def handle_http_exception(self, error):
        """Delegate to the project's one handler."""
        return handle_http_exception(error)


def init_app(app: Flask) -> None:
    """Register the handlers (HTTP errors are registered by the Api)."""
    app.register_error_handler(DomainError, handle_domain_error)
