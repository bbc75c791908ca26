from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from sigmasight_resources.db.engine import make_engine, migrate
from sigmasight_resources.db.tables import metadata


def test_models_and_migrations_agree(db_url):
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    engine.dispose()
    assert diff == []


def test_migrate_is_idempotent(db_url):
    migrate(db_url)
    engine = make_engine(db_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"users", "portfolios", "positions", "manual_marks", "market_prices", "unavailable_symbols"} <= tables
