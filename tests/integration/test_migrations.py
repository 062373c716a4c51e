"""The migrations build exactly the schema the models describe, on the run's database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column

from suishoupai.extensions import db


def _expression_indexes() -> set[str]:
    """Indexes with an expression (e.g. ``points DESC``): SQLite reflection reads them back as columns."""
    return {i.name for t in db.metadata.tables.values() for i in t.indexes
            if any(not isinstance(e, Column) for e in i.expressions)}


def test_models_and_migrations_agree(app):
    """Autogenerate against the migrated database finds nothing to add, drop or alter."""
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        if conn.dialect.name == "sqlite":  # those indexes are compared on PostgreSQL
            skip = _expression_indexes()
            diff = [d for d in diff if not (d[0] in ("add_index", "remove_index") and d[1].name in skip)]
    assert diff == []


def test_registrations_made_before_review_stay_approved(tmp_path, wechat):
    """Upgrading approves the 双报到 registrations that already claim; registrations made afterwards
    wait for review (a fresh SQLite file, migrated step by step)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.helpers.app import make_app

    app = make_app("sqlite:///" + str(tmp_path / "m.db"), tmp_path, wechat.url)
    with app.app_context():
        upgrade(revision="0014_stats_days")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO org_units (id, code, name, kind, path, created_at, updated_at) "
                              "VALUES (1, 'C', '凤起社区', 'community', '/1/', '2026-01-01', '2026-01-01')"))
            conn.execute(text("INSERT INTO users (id, openid, role, token_version, created_at) "
                              "VALUES (1, 'v', 'volunteer', 0, '2026-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO volunteers (user_id, home_community_id, kind, registered_at) "
                              "VALUES (1, 1, 'volunteer', '2026-01-01 00:00:00')"))
        upgrade()
        with db.engine.begin() as conn:
            rows = conn.execute(text("SELECT status, reviewed_at FROM volunteers")).all()
            assert rows == [("approved", None)]
            conn.execute(text("INSERT INTO users (id, openid, role, token_version, created_at) "
                              "VALUES (2, 'n', 'volunteer', 0, '2026-01-02 00:00:00')"))
            conn.execute(text("INSERT INTO volunteers (user_id, home_community_id, kind, registered_at) "
                              "VALUES (2, 1, 'volunteer', '2026-01-02 00:00:00')"))
            assert conn.execute(text("SELECT status FROM volunteers WHERE user_id = 2")).scalar() == "pending"
        db.engine.dispose()
