"""Shared fixtures: a fresh results database on SQLite and, when reachable, on PostgreSQL.

PostgreSQL tests run in a database created under a unique name and dropped afterwards
(tests/support/postgres.py says when they skip).
"""

from collections.abc import Iterator

import pytest

from sigmasight_resources.db.engine import migrate
from sigmasight_resources.db.session import ResultsDB
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


@pytest.fixture
def cli_db(cli_url, monkeypatch) -> Iterator[ResultsDB]:
    """The CLI home's results DB (`cli_url`) opened in the test process, outside any DAGSTER_HOME."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    results = ResultsDB(cli_url)
    yield results
    results.dispose()


@pytest.fixture(autouse=True)
def no_leaked_defs_state_storage() -> Iterator[None]:
    """Each test starts without a Dagster definitions-state storage left by an earlier test's instance.

    A DagsterInstance entered as a context sets a process-wide context variable to its state storage;
    a test that drops such an instance without leaving the context (the CLI's commands run in-process
    here) leaves a storage whose instance is gone, and the next definitions load fails with
    "Attempted to resolve undefined DagsterInstance weakref". Each CLI command runs in its own process
    in use, so only the test process needs this.
    """
    from dagster._core.storage.defs_state.base import _current_storage

    token = _current_storage.set(None)
    yield
    _current_storage.reset(token)
