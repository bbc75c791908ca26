"""Migration 0007 round trip (SQLite and PostgreSQL): price_corrections is created empty, dropped by the downgrade,
and created again."""

from alembic import command
from sqlalchemy import inspect, text

from sigmasight_resources.db.engine import alembic_config, make_engine


def test_0007_creates_and_drops_price_corrections(empty_db_url):
    config = alembic_config(empty_db_url)
    command.upgrade(config, "0006")
    engine = make_engine(empty_db_url)
    try:
        assert "price_corrections" not in inspect(engine).get_table_names()
        command.upgrade(config, "head")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM price_corrections")).scalar() == 0
        command.downgrade(config, "0006")
        assert "price_corrections" not in inspect(engine).get_table_names()
        command.upgrade(config, "head")
        assert "price_corrections" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
