"""NOTIFY_TEMPLATES parsing and the notify settings checked at start-up (pure, no app)."""

import json

import pytest

from suishoupai.notify.templates import TemplateConfigError, check, parse
from suishoupai.settings import SettingsError

GOOD = {"report_assigned": {"template_id": " tpl-assigned ",
                            "fields": {"thing1": "title", "thing2": "body", "time3": "created_at"}}}


def test_parse_reads_the_json_setting():
    """Kinds map to a template id (trimmed) and key → source fields; empty means inbox only."""
    templates = parse(json.dumps(GOOD))
    assert templates["report_assigned"].template_id == "tpl-assigned"
    assert dict(templates["report_assigned"].fields) == GOOD["report_assigned"]["fields"]
    assert parse("") == {} and parse("  ") == {}


@pytest.mark.parametrize("raw", [
    "{not json", "[]", json.dumps({"k": "tpl"}), json.dumps({"k": {"template_id": ""}}),
    json.dumps({"k": {"template_id": "t", "fields": {}}}),
    json.dumps({"k": {"template_id": "t", "fields": {"title": "title"}}}),
    json.dumps({"k": {"template_id": "t", "fields": {"colour1": "title"}}}),
    json.dumps({"k": {"template_id": "t", "fields": {"thing1": 3}}}),
])
def test_bad_templates_refuse_to_start(raw):
    """Anything WeChat could not use is a settings error, raised before the app serves."""
    with pytest.raises(SettingsError):
        check({"NOTIFY_TEMPLATES": raw})


def test_other_notify_settings_are_checked():
    """Miniprogram state is one of WeChat's three; counts are positive; absent settings default."""
    assert check({}) == {}
    with pytest.raises(TemplateConfigError, match="WECHAT_MINIPROGRAM_STATE"):
        check({"WECHAT_MINIPROGRAM_STATE": "production"})
    with pytest.raises(TemplateConfigError, match="NOTIFY_MAX_ATTEMPTS"):
        check({"NOTIFY_MAX_ATTEMPTS": 0})
