"""Shared fixtures: a fresh results database on SQLite and, when reachable, on PostgreSQL.

PostgreSQL tests run in a database created under a unique name and dropped afterwards
(tests/support/postgres.py says when they skip).
"""

from collections.abc import Iterator

import pytest

from sigmasight_resources.db.engine import migrate
from tests.support.cli import OWNER, cli
from tests.support.postgres import create_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request, tmp_path) -> Iterator[str]:
    """An empty results database (no schema) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'results.db'}"
        return
    url, drop = create_postgres_database()
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    """A migrated results database on each backend."""
    migrate(empty_db_url)
    return empty_db_url


@pytest.fixture
def cli_url(tmp_path, empty_db_url, monkeypatch) -> str:
    """An initialised CLI home whose results DB is on each backend, with the owner (`OWNER`) added."""
    for variable in ("SIGMASIGHT_DATABASE_URL", "SIGMASIGHT_MARKET_DATA", "SIGMASIGHT_RISK_FREE_RATE"):
        monkeypatch.delenv(variable, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("SIGMASIGHT_HOME", str(home))
    url = f"sqlite:///{(home / 'results.db').resolve()}"
    if not empty_db_url.startswith("sqlite"):
        monkeypatch.setenv("SIGMASIGHT_DATABASE_URL", empty_db_url)
        url = empty_db_url
    cli("init")
    cli("users", "add", OWNER)
    return url
