"""Production fails closed: it is the default, and it refuses unsafe settings in one message."""

from __future__ import annotations

import logging
import re
import subprocess
from pathlib import Path

import pytest

from suishoupai import create_app, settings
from tests.helpers.entrypoint import ROOT, start_refused
from tests.helpers.security import PRODUCTION, production_app


def refusals(environ: dict[str, str]) -> list[str]:
    """The problems validate() names for these variables (it must refuse them)."""
    with pytest.raises(settings.SettingsError) as err:
        settings.validate(settings.load(environ))
    return re.findall(r"^  - (.*)$", str(err.value), re.MULTILINE)


def test_a_complete_production_configuration_passes():
    """The reference production settings validate with nothing waived (so each refusal is about one thing)."""
    assert settings.validate(settings.load(PRODUCTION)) == []


def test_production_is_the_default():
    """Without SUISHOUPAI_ENV the service is production: the dev secret alone is refused."""
    assert settings.load({})["ENV"] == "production"
    assert any("SECRET_KEY is a value published" in p for p in refusals({}))


@pytest.mark.parametrize(("change", "message"), [
    ({"SUISHOUPAI_SECRET_KEY": "short"}, "SECRET_KEY must be 32+ random characters"),
    ({"SUISHOUPAI_SECRET_KEY": settings.DEFAULT_SECRET}, "SECRET_KEY is a value published"),
    ({"SUISHOUPAI_DEV_LOGIN": "1"}, "DEV_LOGIN must be off"),
    ({"SUISHOUPAI_FIELD_ENCRYPTION_KEY": ""}, "FIELD_ENCRYPTION_KEY is required"),
    ({"SUISHOUPAI_FIELD_ENCRYPTION_KEY": "k"}, "not a Fernet key"),
    ({"SUISHOUPAI_WECHAT_SECRET": ""}, "WECHAT_SECRET are required"),
    ({"SUISHOUPAI_DATABASE_URL": ""}, "DATABASE_URL must name a PostgreSQL database"),
    ({"SUISHOUPAI_DATABASE_URL": "sqlite:////srv/ssp.db"}, "ALLOW_UNSAFE=sqlite"),
    ({"SUISHOUPAI_MODERATION_PROVIDER": "none"}, "ALLOW_UNSAFE=moderation_none"),
    ({"SUISHOUPAI_RATELIMIT_ENABLED": "0"}, "ALLOW_UNSAFE=ratelimit_off"),
    ({"SUISHOUPAI_RATELIMIT_STORAGE_URI": "memory://"}, "ALLOW_UNSAFE=ratelimit_memory"),
    ({"SUISHOUPAI_PUBLIC_BASE_URL": ""}, "ALLOW_UNSAFE=public_base_url"),
    ({"SUISHOUPAI_PUBLIC_BASE_URL": "http://ssp.internal"}, "public https:// address"),
    ({"SUISHOUPAI_ALLOW_UNSAFE": "sqlite,secrets"}, "ALLOW_UNSAFE names unknown checks: secrets"),
    ({"SUISHOUPAI_ENV": "staging"}, "ENV must be"),
    ({"SUISHOUPAI_TOKEN_TTL_SECONDS": "soon"}, "TOKEN_TTL_SECONDS must be a whole number, not 'soon'"),
    ({"SUISHOUPAI_ROUTING_POLICY": "random"}, "ROUTING_POLICY"),
    ({"SUISHOUPAI_LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ({"SUISHOUPAI_MEDIA_BACKEND": "s3"}, "S3_BUCKET is required"),
])
def test_each_unsafe_or_malformed_value_is_refused(change, message):
    """One bad value: exactly one problem, naming it."""
    found = refusals(PRODUCTION | change)
    assert len(found) == 1 and message in found[0], found


def test_every_problem_is_named_in_one_message():
    """Many bad values at once: one refusal lists each of them, not only the first."""
    found = refusals({"SUISHOUPAI_ENV": "production", "SUISHOUPAI_DEV_LOGIN": "1",
                      "SUISHOUPAI_TOKEN_TTL_SECONDS": "soon", "SUISHOUPAI_ALLOW_UNSAFE": "everything",
                      "SUISHOUPAI_WECHAT_SECRET": "wx-test-secret"})
    expected = ["TOKEN_TTL_SECONDS must be a whole number", "ALLOW_UNSAFE names unknown checks: everything",
                "SECRET_KEY is a value published", "FIELD_ENCRYPTION_KEY is required",
                "WECHAT_APPID and SUISHOUPAI_WECHAT_SECRET are required",
                "WECHAT_SECRET is a value published", "DEV_LOGIN must be off", "ALLOW_UNSAFE=sqlite",
                "ALLOW_UNSAFE=moderation_none", "ALLOW_UNSAFE=ratelimit_memory",
                "ALLOW_UNSAFE=public_base_url"]
    assert len(found) == len(expected), found
    for part in expected:
        assert sum(part in problem for problem in found) == 1, (part, found)


@pytest.mark.parametrize("name", settings.SECRET_SETTINGS)
def test_every_published_secret_is_refused_in_every_secret_setting(name):
    """Each value the repository holds fails each secret setting, whatever its form."""
    for value in sorted(settings.KNOWN_SECRETS):
        found = refusals(PRODUCTION | {f"SUISHOUPAI_{name}": value})
        assert any(p.startswith(f"SUISHOUPAI_{name} is a value published") for p in found), (value, found)


#: a value given to a secret setting: in an env file or shell (`SUISHOUPAI_SECRET_KEY=value`), or in
#: Python (`"SECRET_KEY": "value"`, `SECRET_KEY="value"`, or a constant's name instead of the literal)
SECRET_NAMES = "|".join(settings.SECRET_SETTINGS)
ENV_ASSIGNMENT = re.compile(rf"^(?:export )?SUISHOUPAI_({SECRET_NAMES})=(\S+)", re.MULTILINE)
PY_ASSIGNMENT = re.compile(rf"\b(?:SUISHOUPAI_)?({SECRET_NAMES})\b[\"']?[ \t]*[:=][ \t]*"
                           r"(?:([\"'])(.*?)\2|([A-Za-z_][\w.]*)(?![\w.(]))")
CONSTANT = re.compile(r"^([A-Z_][A-Z0-9_]*)[ \t]*=[ \t]*([\"'])(.*?)\2[ \t]*$", re.MULTILINE)
#: any Fernet-shaped literal could be someone's FIELD_ENCRYPTION_KEY
FERNET_LITERAL = re.compile(r"[\"']([A-Za-z0-9_-]{43}=)[\"']")


def _repository_files() -> list[Path]:
    """Every text file the repository tracks."""
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    paths = [ROOT / name for name in names.decode().split("\0") if name]
    return [p for p in paths if p.is_file() and p.suffix not in (".png", ".jpg", ".jpeg", ".heic", ".webp")]


def _secrets_in_repository() -> dict[tuple[str, str], str]:
    """(setting, value) of every secret the repository gives a value, with the file that does."""
    texts = {str(path.relative_to(ROOT)): path.read_text(errors="replace") for path in _repository_files()}
    constants = {name: value for text in texts.values() for name, _q, value in CONSTANT.findall(text)}
    found = {}
    for path, text in texts.items():
        for name, value in ENV_ASSIGNMENT.findall(text):
            found[name, value] = path
        for name, quote, literal, constant in PY_ASSIGNMENT.findall(text):
            value = literal if quote else constants.get(constant.rsplit(".", 1)[-1])
            if value:
                found[name, value] = path
        for value in FERNET_LITERAL.findall(text):
            found["FIELD_ENCRYPTION_KEY", value] = path
    return found


def test_every_secret_value_in_the_repository_is_refused():
    """Scan the repository for values given to secret settings: production refuses each where it was given
    (too short, malformed, or in settings.KNOWN_SECRETS)."""
    found = _secrets_in_repository()
    assert ("SECRET_KEY", settings.DEFAULT_SECRET) in found  # the scan sees the ways values are given
    assert ("WECHAT_SECRET", "wx-test-secret") in found
    assert ("MODERATION_CALLBACK_TOKEN", "pushToken2026") in found
    passing = {f"{name}={value}": path for (name, value), path in found.items()
               if not any(p.startswith(f"SUISHOUPAI_{name} ") for p in refusals_of(name, value))}
    assert passing == {}, "add these to settings.KNOWN_SECRETS (or make them at run time)"


def refusals_of(name: str, value: str) -> list[str]:
    """The problems production names when this one secret has this value (none: it would start)."""
    try:
        settings.validate(settings.load(PRODUCTION | {f"SUISHOUPAI_{name}": value}))
    except settings.SettingsError as err:
        return re.findall(r"^  - (.*)$", str(err), re.MULTILINE)
    return []


def test_example_env_cannot_start_as_it_is():
    """config/example.env's placeholders are refused: each secret is empty or known, the URLs are empty."""
    env = dict(line.split("=", 1) for line in (ROOT / "config/example.env").read_text().splitlines()
               if line and not line.startswith("#"))
    for name in settings.SECRET_SETTINGS:
        assert env[f"SUISHOUPAI_{name}"] in ("", *settings.KNOWN_SECRETS), name
    found = refusals(env)
    for part in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY is required", "WECHAT_SECRET are required",
                 "DATABASE_URL must name", "PUBLIC_BASE_URL must be"):
        assert any(part in problem for problem in found), (part, found)


def test_create_app_refuses_before_anything_starts(monkeypatch):
    """create_app itself validates the environment it is given."""
    for name in list(PRODUCTION):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SUISHOUPAI_DEV_LOGIN", "1")
    with pytest.raises(settings.SettingsError, match="DEV_LOGIN must be off") as err:
        create_app()
    assert "SECRET_KEY is a value published" in str(err.value)


def test_waived_refusals_start_with_one_warning_each(app_factory, is_postgres, caplog):
    """An operator's explicit waivers let a trial start, and the log says so once per waived check."""
    names = ["moderation_none", "ratelimit_memory", "public_base_url"] + ([] if is_postgres else ["sqlite"])
    with caplog.at_level(logging.WARNING, logger="suishoupai"):
        app = production_app(app_factory, is_postgres, "moderation_none, ratelimit_memory,public_base_url",
                             MODERATION_PROVIDER="none", RATELIMIT_STORAGE_URI="memory://",
                             PUBLIC_BASE_URL="")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == len(names), warnings
    for name in names:
        assert sum(f"ALLOW_UNSAFE={name}" in w and "UNSAFE" in w for w in warnings) == 1, (name, warnings)
    assert app.test_client().get("/healthz").json == {"status": "ok", "database": "ok"}


def test_gunicorn_refuses_to_start_with_one_message():
    """The real entry point with a bad environment exits non-zero, naming every problem once."""
    result = start_refused({"SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
                            "MODERATION_PROVIDER": "none", "RATELIMIT_ENABLED": "0"})
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert output.count("refuses to start") == 1, output
    for part in ("SECRET_KEY is a value published", "FIELD_ENCRYPTION_KEY is required",
                 "WECHAT_APPID and SUISHOUPAI_WECHAT_SECRET are required", "ALLOW_UNSAFE=sqlite",
                 "ALLOW_UNSAFE=moderation_none", "ALLOW_UNSAFE=ratelimit_off",
                 "ALLOW_UNSAFE=public_base_url"):
        assert output.count(part) == 1, (part, output)
    assert "Booting worker" not in output
