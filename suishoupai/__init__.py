"""suishoupai: 随手拍 · 微心愿 · 新就业群体积分 for community offices."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from suishoupai.extensions import Api


def create_app(config: dict | None = None) -> Flask:
    """Build the app in named steps; ``config`` overrides the environment (tests)."""
    app = Flask(__name__, instance_relative_config=True)
    waived = _configure(app, config)
    _init_logging(app, waived)
    api = _init_extensions(app)
    _load_models()
    _register_blueprints(app, api)
    _register_commands(app)
    return app


def _configure(app: Flask, overrides: dict | None) -> list[str]:
    """Settings from the environment, then overrides, validated before anything starts; answers the
    production refusals the operator waived."""
    from suishoupai import settings

    conf = settings.load()
    conf.update(overrides or {})
    waived = settings.validate(conf)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(conf)
    app.config.update(
        TESTING=conf["ENV"] == "testing",
        SQLALCHEMY_DATABASE_URI=settings.database_url(conf, app.instance_path),
        # connections are pinged on checkout when they sat idle (database.ping_when_idle); a logged
        # SQL error names no bound value (an openid, a phone) outside development
        SQLALCHEMY_ENGINE_OPTIONS={"hide_parameters": conf["ENV"] != "development",
                                   "pool_timeout": conf["DATABASE_WAIT_SECONDS"]},
        API_TITLE="suishoupai 随手拍 · 微心愿 · 新就业群体积分",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    if conf["PROXY_HOPS"]:
        # the client address and scheme only from as many proxies as are really in front; the host
        # never (absolute URLs come from PUBLIC_BASE_URL)
        hops = conf["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)
    return waived


def _init_logging(app: Flask, waived: list[str]) -> None:
    """One line per request on stderr, at the configured level; one WARNING per waived refusal."""
    logger = logging.getLogger("suishoupai")
    logger.setLevel(app.config["LOG_LEVEL"])
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
    for refusal in waived:
        logger.warning("UNSAFE PRODUCTION SETTING, waived for a trial: %s", refusal)


def _init_extensions(app: Flask) -> Api:
    """Bind the extensions and the request layer; answers the app's Api."""
    from flask_smorest.spec.plugins import integerconverter2paramschema

    from suishoupai import (
        errors,
        headers,
        limits,
        media,
        moderation,
        notify,
        org,
        points,
        reports,
        web,
        wechat,
        wishes,
    )
    from suishoupai.database import tune_engine
    from suishoupai.extensions import Api, db, migrate
    from suishoupai.fields import DateConverter, IdConverter, TextConverter

    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = TextConverter
    app.url_map.converters["isodate"] = DateConverter
    db.init_app(app)
    with app.app_context():
        tune_engine(db.engine, app.config["DATABASE_WAIT_SECONDS"])
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    limits.init_app(app)
    api = Api()
    api.init_app(app, spec_kwargs={"components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
        "security": [{"bearer": []}]})
    api.register_converter(IdConverter, integerconverter2paramschema)
    api.register_converter(DateConverter, lambda _conv: {"type": "string", "format": "date"})
    errors.init_app(app)
    web.init_app(app)
    org.init_app(app)
    headers.init_app(app)
    wechat.init_app(app)
    media.init_app(app)
    reports.init_app(app)
    notify.init_app(app)
    points.init_app(app)
    wishes.init_app(app)
    moderation.init_app(app)
    return api


def _load_models() -> None:
    """Import every domain's models so metadata (and migrations) see all tables."""
    import suishoupai.auth.models
    import suishoupai.console.models
    import suishoupai.idempotency
    import suishoupai.media.models
    import suishoupai.moderation.models
    import suishoupai.notify.models
    import suishoupai.offers.models
    import suishoupai.open311.models
    import suishoupai.org.models
    import suishoupai.points.models
    import suishoupai.privacy.models
    import suishoupai.reports.models
    import suishoupai.screen.models
    import suishoupai.stats.facts
    import suishoupai.versioned
    import suishoupai.wishes.models  # noqa: F401


def _register_blueprints(app: Flask, api: Api) -> None:
    """Each domain plugs in its routes; dev-login only when enabled; the API page outside production
    or when enabled (the OpenAPI document itself is always served)."""
    from suishoupai import health
    from suishoupai.auth import routes as auth_routes
    from suishoupai.console import routes as console_routes
    from suishoupai.console import serving
    from suishoupai.docs import docs
    from suishoupai.media import routes as media_routes
    from suishoupai.moderation import routes as moderation_routes
    from suishoupai.notify import routes as notify_routes
    from suishoupai.offers import routes as offer_routes
    from suishoupai.open311 import routes as open311_routes
    from suishoupai.org import role_routes  # noqa: F401 (adds role grants to the account blueprint)
    from suishoupai.org import routes as org_routes
    from suishoupai.points import routes as points_routes
    from suishoupai.privacy import routes as privacy_routes
    from suishoupai.reports import routes as report_routes
    from suishoupai.rights import routes as rights_routes
    from suishoupai.screen import routes as screen_routes
    from suishoupai.stats import routes as stats_routes
    from suishoupai.wishes import routes as wish_routes

    api.register_blueprint(auth_routes.blp)
    if app.config["DEV_LOGIN"]:
        api.register_blueprint(auth_routes.dev_blp)
    api.register_blueprint(org_routes.blp)
    api.register_blueprint(media_routes.blp)
    app.register_blueprint(media_routes.files)
    api.register_blueprint(report_routes.blp)
    api.register_blueprint(wish_routes.blp)
    api.register_blueprint(notify_routes.blp)
    api.register_blueprint(points_routes.blp)
    api.register_blueprint(offer_routes.blp)
    api.register_blueprint(stats_routes.blp)
    api.register_blueprint(moderation_routes.blp)
    api.register_blueprint(privacy_routes.blp)
    api.register_blueprint(rights_routes.blp)
    api.register_blueprint(console_routes.blp)
    api.register_blueprint(screen_routes.blp)
    api.register_blueprint(open311_routes.admin)
    app.register_blueprint(open311_routes.geo)
    app.register_blueprint(serving.files)
    app.register_blueprint(moderation_routes.push)
    app.register_blueprint(health.bp)
    if app.config["API_DOCS"] or app.config["ENV"] != "production":
        app.register_blueprint(docs)


def _register_commands(app: Flask) -> None:
    """CLI groups, one per domain: org, demo, media, moderation, notify, reports, wishes, idempotency,
    points, stats, privacy."""
    from suishoupai.demo.cli import demo_cli
    from suishoupai.idempotency import idempotency_cli
    from suishoupai.media.cli import media_cli
    from suishoupai.moderation.cli import moderation_cli
    from suishoupai.notify.cli import notify_cli
    from suishoupai.offers.cli import sweep_command
    from suishoupai.org.cli import org_cli
    from suishoupai.points.cli import points_cli
    from suishoupai.reports.cli import reports_cli
    from suishoupai.rights.cli import privacy_cli
    from suishoupai.stats.cli import stats_cli
    from suishoupai.wishes.cli import wishes_cli

    app.cli.add_command(org_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(media_cli)
    app.cli.add_command(notify_cli)
    app.cli.add_command(moderation_cli)
    app.cli.add_command(idempotency_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(stats_cli)
    app.cli.add_command(wishes_cli)
    app.cli.add_command(privacy_cli)
    points_cli.add_command(sweep_command)
    app.cli.add_command(points_cli)
