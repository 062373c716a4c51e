"""Fixtures: a migrated database per run (SQLite file or a PostgreSQL schema), a fresh app per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import psycopg
import pytest
from flask_migrate import upgrade
from moto.server import ThreadedMotoServer
from sqlalchemy import text
from sqlalchemy.engine import make_url

from suishoupai import create_app
from suishoupai.extensions import db
from tests.wechat_server import FakeWeChat

PG_ENV = "SUISHOUPAI_TEST_DATABASE_URL"
BUCKET = "suishoupai-test"


def pytest_report_header(config):
    """Say which database this run uses."""
    return f"database: {os.environ.get(PG_ENV) or 'SQLite (temporary file)'}"


@pytest.fixture(scope="session")
def wechat():
    """The local server playing WeChat."""
    with FakeWeChat() as fake:
        yield fake


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """Run moto's S3 as a real HTTP server on a free local port and create the bucket."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket=BUCKET)
    client.close()
    yield endpoint
    server.stop()
    server._server.server_close()  # stop() leaves the socket open; unclosed is a warning here


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database migrated once for the run: its own PostgreSQL schema, or a SQLite file."""
    base = os.environ.get(PG_ENV)
    if not base:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
        return
    schema = f"ssp_test_{uuid.uuid4().hex[:10]}"
    conninfo = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield str(make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
                  .render_as_string(hide_password=False))
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def migrated(database_url, tmp_path_factory, wechat):
    """Run the migrations once, exactly as production does."""
    app = make_app(database_url, tmp_path_factory.mktemp("inst"), wechat.url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


def make_app(database_url: str, instance: os.PathLike, wechat_url: str, **overrides):
    """An app in the testing configuration."""
    config = {
        "ENV": "testing", "DATABASE_URL": database_url, "DEV_LOGIN": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
        "WECHAT_API_BASE": wechat_url, "WECHAT_APPID": "wx-test-app",
        "WECHAT_SECRET": "wx-test-secret", "WECHAT_TIMEOUT": 1.0,
        # tests file and log in far faster than anyone would; tests/security turn both back on
        "RATELIMIT_ENABLED": False, "REPORT_REPEAT_MINUTES": 0, "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(Path(instance) / "media"),
    }
    config.update(overrides)
    return create_app(config)


def _empty_tables() -> None:
    """Remove every row the test wrote (the schema stays: it was migrated once)."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def app_factory(migrated, tmp_path, wechat):
    """Build apps on the run's database; tables are emptied after the test."""
    apps = []

    def factory(**overrides):
        app = make_app(migrated, tmp_path, wechat.url, **overrides)
        apps.append(app)
        return app

    yield factory
    if not apps:  # none was asked for, or each refused to start: one to empty the tables (and dispose)
        apps.append(make_app(migrated, tmp_path, wechat.url))
    with apps[0].app_context():
        db.session.remove()
        _empty_tables()
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    """A fresh app for the test."""
    return app_factory()


@pytest.fixture
def client(app):
    """The app's test client."""
    return app.test_client()


@pytest.fixture
def is_postgres(migrated) -> bool:
    """Whether this run is on PostgreSQL."""
    return migrated.startswith("postgresql")


class Auth:
    """Small login helper: `auth.headers("demo-resident", role="resident")`."""

    def __init__(self, client):
        self.client = client

    def login(self, openid: str, role: str | None = None) -> dict:
        """Dev-login and return the answer body."""
        body = {"openid": openid} | ({"role": role} if role else {})
        resp = self.client.post("/api/v1/auth/dev-login", json=body)
        assert resp.status_code == 200, resp.json
        return resp.json

    def headers(self, openid: str, role: str | None = None) -> dict:
        """Authorization headers for a user."""
        return {"Authorization": "Bearer " + self.login(openid, role)["token"]}


@pytest.fixture
def auth(client):
    """Login helper bound to the test client."""
    return Auth(client)


@pytest.fixture
def demo(app):
    """The demo district, seeded; returns what the seed reports."""
    from suishoupai.demo.seed import seed

    with app.app_context():
        result = seed(rider_points=0)  # the ledger tests count from an empty ledger
        db.session.commit()
    return result
