"""Migration 0006 round trip on a database holding rows (SQLite and PostgreSQL): an unavailable symbol recorded
before it is unavailable since its last check; users keep their tokens; downgrade and upgrade again work."""

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import inspect, text

from sigmasight_resources.db.engine import alembic_config, make_engine


def test_0006_upgrades_rows_in_place_and_round_trips(empty_db_url):
    config = alembic_config(empty_db_url)
    command.upgrade(config, "0005")
    engine = make_engine(empty_db_url)
    checked = datetime(2026, 1, 5, 21, 0, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO unavailable_symbols (symbol, reason, checked_at) VALUES ('ZZZ', 'gone', :at)"),
                {"at": checked},
            )
            conn.execute(
                text("INSERT INTO users (email, is_admin, token_hash, created_at) VALUES ('a@b.co', false, 'h', :at)"),
                {"at": checked},
            )
            conn.execute(
                text("INSERT INTO portfolios (owner_id, name, created_at) VALUES (1, 'p', :at)"), {"at": checked}
            )
        command.upgrade(config, "head")
        with engine.connect() as conn:
            since, at = conn.execute(text("SELECT since, checked_at FROM unavailable_symbols")).one()
            assert since == at
            user = conn.execute(text("SELECT token_hash, token_expires_at, token_revoked_at FROM users")).one()
            assert tuple(user) == ("h", None, None)
        assert "audit_log" in inspect(engine).get_table_names()
        command.downgrade(config, "0005")
        inspector = inspect(engine)
        assert "audit_log" not in inspector.get_table_names()
        assert "since" not in {c["name"] for c in inspector.get_columns("unavailable_symbols")}
        assert "token_revoked_at" not in {c["name"] for c in inspector.get_columns("users")}
        command.upgrade(config, "head")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM portfolios")).scalar() == 1
    finally:
        engine.dispose()
