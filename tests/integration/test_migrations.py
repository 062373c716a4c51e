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
