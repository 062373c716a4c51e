"""NOTIFY_TEMPLATES: which WeChat subscribe template each kind uses and how its fields are filled."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from types import MappingProxyType

from flask import Flask, current_app

from suishoupai.notify.fields import FIELD_TYPES, field_type
from suishoupai.settings import PREFIX, SettingsError

#: a template key as WeChat names them: thing1, character_string12, time3 …
KEY = re.compile(r"^[a-z_]+\d+$")
MINIPROGRAM_STATES = ("developer", "trial", "formal")
#: settings this package reads, with the defaults used while settings.py does not list them
DEFAULTS = {"NOTIFY_TEMPLATES": "", "NOTIFY_MAX_ATTEMPTS": 8, "NOTIFY_BATCH": 100,
            "NOTIFY_LEASE_SECONDS": 300, "WECHAT_MINIPROGRAM_STATE": "formal"}


class TemplateConfigError(SettingsError):
    """A notify setting cannot be used; the service refuses to start."""


@dataclass(frozen=True)
class Template:
    """One subscribe template: its id and, per template key, the value it shows."""

    template_id: str
    #: template key (thing1) → source (title, body, created_at or a key of the notification's data)
    fields: MappingProxyType


def parse(raw: str | dict) -> dict[str, Template]:
    """Parse and check the JSON setting {kind: {"template_id": …, "fields": {key: source}}}."""
    if isinstance(raw, str):
        if not raw.strip():
            return {}
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise TemplateConfigError(f"not JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise TemplateConfigError("must be a JSON object of kind → template")
    templates = {}
    for kind, spec in raw.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("template_id"), str) \
                or not spec["template_id"].strip():
            raise TemplateConfigError(f"{kind}: template_id must be a non-empty string")
        fields = spec.get("fields")
        if not isinstance(fields, dict) or not fields:
            raise TemplateConfigError(f"{kind}: fields must map template keys to sources")
        for key, source in fields.items():
            if not KEY.match(key) or field_type(key) not in FIELD_TYPES:
                raise TemplateConfigError(f"{kind}: {key!r} is not a subscribe message key")
            if not isinstance(source, str) or not source:
                raise TemplateConfigError(f"{kind}.{key}: source must be a field name")
        templates[kind] = Template(spec["template_id"].strip(), MappingProxyType(dict(fields)))
    return templates


def setting(name: str):
    """A notify setting from the app config, or its default while settings.py lacks it."""
    return current_app.config.get(name, DEFAULTS[name])


def check(config: dict) -> dict[str, Template]:
    """Validate this package's settings at start-up; returns the parsed templates."""
    values = {name: config.get(name, default) for name, default in DEFAULTS.items()}
    if values["WECHAT_MINIPROGRAM_STATE"] not in MINIPROGRAM_STATES:
        raise TemplateConfigError(f"{PREFIX}WECHAT_MINIPROGRAM_STATE must be developer, trial or formal")
    for name in ("NOTIFY_MAX_ATTEMPTS", "NOTIFY_BATCH", "NOTIFY_LEASE_SECONDS"):
        if int(values[name]) <= 0:
            raise TemplateConfigError(f"{PREFIX}{name} must be positive")
    try:
        return parse(values["NOTIFY_TEMPLATES"])
    except TemplateConfigError as exc:
        raise TemplateConfigError(f"{PREFIX}NOTIFY_TEMPLATES: {exc}") from exc


def init_app(app: Flask) -> None:
    """Parse the templates once; a bad setting stops the app from starting."""
    app.extensions["notify_templates"] = check(app.config)


def templates() -> dict[str, Template]:
    """The current app's templates (parsed on first use if init_app did not run)."""
    parsed = current_app.extensions.get("notify_templates")
    if parsed is None:
        parsed = current_app.extensions["notify_templates"] = check(current_app.config)
    return parsed


def template_for(kind: str) -> Template | None:
    """The template of a kind; None means inbox only."""
    return templates().get(kind)
