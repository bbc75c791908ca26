"""Shared fixtures: a fresh results database on SQLite and, when reachable, on PostgreSQL.

PostgreSQL tests run in a database created under a unique name and dropped afterwards. They
skip when `SIGMASIGHT_TEST_POSTGRES_URL` is unset or the server is unreachable, except under
`CI=true`, where an unreachable server fails them.
"""


import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from sigmasight_resources.db.engine import migrate

POSTGRES_ENV = "SIGMASIGHT_TEST_POSTGRES_URL"


def _postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    in_ci = os.environ.get("CI", "").lower() == "true"
    if not url:
        if in_ci:
            pytest.fail(f"{POSTGRES_ENV} is not set under CI=true")
        pytest.skip(f"{POSTGRES_ENV} not set")
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect():
            pass
        engine.dispose()
    except OperationalError as exc:
        if in_ci:
            pytest.fail(f"PostgreSQL at {POSTGRES_ENV} unreachable under CI=true: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    return url


def create_postgres_database(prefix: str = "sigmasight_test") -> tuple[str, callable]:
    """Create a uniquely named database; returns its URL and a function that drops it."""
    admin_url = _postgres_admin_url()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return url, drop


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
