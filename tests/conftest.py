"""Fixtures: template databases migrated (and seeded) once per run, copied per test, fresh apps."""

from __future__ import annotations

import copy
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import boto3
import psycopg
import pytest
from flask_migrate import upgrade
from moto.server import ThreadedMotoServer
from sqlalchemy.engine import make_url

from suishoupai.extensions import db
from tests.helpers.app import Auth, make_app
from tests.helpers.wechat_server import FakeWeChat

PG_ENV = "SUISHOUPAI_TEST_DATABASE_URL"
BUCKET = "suishoupai-test"
#: whether the test's database was copied from the seeded template
SEEDED = pytest.StashKey[bool]()


def pytest_report_header(config):
    """Say which database this run uses."""
    return f"database: {os.environ.get(PG_ENV) or 'SQLite (temporary file)'}"


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres are skipped on SQLite, before any fixture is set up for them."""
    if os.environ.get(PG_ENV):
        return
    needs = pytest.mark.skip(reason="needs PostgreSQL")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(needs)


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


class Templates:
    """Databases prepared once per run, copied for each test: one only migrated, one with the demo
    district seeded as well (``seeded``: what the seed reported).

    SQLite: two files; a test gets a copy of one in its own tmp_path (a real file, so threads and
    other connections see what the app commits). PostgreSQL: the run's own schema, migrated once;
    the seeded rows are kept in a second schema, and before each test the run's schema is emptied
    and, for a test of the demo district, those rows copied back, sequences as the seed left them.
    """

    def __init__(self, base: str | None, root: Path, wechat_url: str):
        self.base, self.root, self.wechat_url = base, root, wechat_url
        self.seeded: dict = {}
        if base is None:
            self.empty, self.demo = root / "empty.db", root / "demo.db"
            url = "sqlite:///" + str(self.empty)
        else:
            self.schema = f"ssp_test_{uuid.uuid4().hex[:10]}"
            self.conninfo = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
            self.conn = psycopg.connect(self.conninfo, autocommit=True)
            self.conn.execute(f'CREATE SCHEMA "{self.schema}"')
            self.conn.execute(f'CREATE SCHEMA "{self.schema}_demo"')
            url = self.url = str(make_url(base).update_query_dict(
                {"options": f"-csearch_path={self.schema}"}).render_as_string(hide_password=False))
        app = make_app(url, root / "inst", wechat_url)
        with app.app_context():
            upgrade()  # exactly as production migrates
            db.engine.dispose()
        if base is None:
            _checkpoint(self.empty)
            shutil.copyfile(self.empty, self.demo)
            url = "sqlite:///" + str(self.demo)
        app = make_app(url, root / "inst", wechat_url)
        with app.app_context():
            self.seeded = _seed_demo()
            self.tables = [t.name for t in db.metadata.sorted_tables]
            db.engine.dispose()
        if base is None:
            _checkpoint(self.demo)
        else:
            self._keep_seed()

    def _keep_seed(self) -> None:
        """Copy the seeded rows and sequence positions aside, and write the statements that restore them."""
        work, keep = f'"{self.schema}"', f'"{self.schema}_demo"'
        filled = []
        for name in self.tables:
            self.conn.execute(f'CREATE TABLE {keep}."{name}" AS SELECT * FROM {work}."{name}"')
            if self.conn.execute(f'SELECT EXISTS (SELECT FROM {keep}."{name}")').fetchone()[0]:
                filled.append(name)
        sequences = self.conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'S' AND n.nspname = %s", (self.schema,)).fetchall()
        positions = [(name, *self.conn.execute(
            f'SELECT last_value, is_called FROM {work}."{name}"').fetchone()) for (name,) in sequences]
        # DELETE with triggers off (replication role replica: neither the ledger's append-only
        # triggers nor foreign keys fire) is far quicker on these small tables than TRUNCATE,
        # which makes new files for each of them; a role that may not do that gets TRUNCATE
        if self.conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]:
            empty = ["SET session_replication_role = replica"] + [
                f'DELETE FROM {work}."{name}"' for name in self.tables]
            restore = ["SET session_replication_role = DEFAULT"]
        else:
            tables = ", ".join(f'{work}."{name}"' for name in self.tables)
            empty, restore = [f"TRUNCATE {tables} CASCADE"], []
        rewind = [f"SELECT setval('{work}.\"{name}\"', {value}, {called})" for name, value, called
                  in positions]
        start = [f"SELECT setval('{work}.\"{name}\"', 1, false)" for name, _value, _called in positions]
        self.empty_sql = "; ".join(empty + restore + start)
        self.demo_sql = "; ".join(
            empty + [f'INSERT INTO {work}."{name}" SELECT * FROM {keep}."{name}"' for name in filled]
            + restore + rewind)

    def database(self, tmp_path: Path, seeded: bool) -> str:
        """The URL of a test's database, as the template left it."""
        if self.base is None:
            path = tmp_path / "test.db"
            shutil.copyfile(self.demo if seeded else self.empty, path)
            return "sqlite:///" + str(path)
        self.conn.execute(self.demo_sql if seeded else self.empty_sql)
        return self.url

    def close(self) -> None:
        """Drop the run's schemas."""
        if self.base is not None:
            self.conn.execute(f'DROP SCHEMA "{self.schema}_demo" CASCADE')
            self.conn.execute(f'DROP SCHEMA "{self.schema}" CASCADE')
            self.conn.close()


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the file, so that a copy of the file alone is the whole database."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _seed_demo() -> dict:
    """Seed the demo district and commit; returns what the seed reports."""
    from suishoupai.demo.seed import seed

    result = seed(rider_points=0)  # the ledger tests count from an empty ledger
    db.session.commit()
    return result


@pytest.fixture(scope="session")
def templates(tmp_path_factory, wechat) -> Iterator[Templates]:
    """The run's template databases."""
    made = Templates(os.environ.get(PG_ENV), tmp_path_factory.mktemp("db"), wechat.url)
    yield made
    made.close()


@pytest.fixture
def migrated(templates, request, tmp_path) -> Iterator[str]:
    """This test's database: migrated, with the demo district when the test uses it."""
    seeded = "demo" in request.fixturenames
    url = templates.database(tmp_path, seeded)
    request.node.stash[SEEDED] = seeded
    yield url
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):  # a copy per test: not kept with the test's tmp_path
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)


@pytest.fixture
def app_factory(migrated, tmp_path, wechat):
    """Build apps on the test's database."""
    apps = []

    def factory(**overrides):
        app = make_app(migrated, tmp_path, wechat.url, **overrides)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
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


@pytest.fixture
def auth(client):
    """Login helper bound to the test client."""
    return Auth(client)


@pytest.fixture
def demo(app, templates, request):
    """The demo district, seeded; returns what the seed reports."""
    if request.node.stash.get(SEEDED, False):
        return copy.deepcopy(templates.seeded)
    with app.app_context():  # asked for late (getfixturevalue): the test's database has no seed yet
        return _seed_demo()
