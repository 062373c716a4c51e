"""The migrations build exactly the schema the models describe, on the run's database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from suishoupai.extensions import db


def test_models_and_migrations_agree(app):
    """Autogenerate against the migrated database finds nothing to add, drop or alter."""
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
