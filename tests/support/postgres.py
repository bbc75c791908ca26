"""PostgreSQL for the tests: the server named by SIGMASIGHT_TEST_POSTGRES_URL, and databases created on it.

Without the variable, or with the server unreachable, a test asking for PostgreSQL is skipped, except
under `CI=true`, where it fails.
"""

import os
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from benchmarks.scenarios.postgres import create_database

POSTGRES_ENV = "SIGMASIGHT_TEST_POSTGRES_URL"


def postgres_admin_url() -> str:
    """The server's URL, checked reachable; skips (fails under CI=true) the calling test otherwise."""
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


def create_postgres_database(prefix: str = "sigmasight_test") -> tuple[str, Callable[[], None]]:
    """Create a uniquely named database; returns its URL and a function that drops it."""
    return create_database(postgres_admin_url(), prefix)
