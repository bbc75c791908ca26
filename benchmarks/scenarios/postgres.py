"""A throwaway PostgreSQL database: the scenarios and the tests run in one created under a unique name."""

import uuid
from collections.abc import Callable

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def create_database(admin_url: str, prefix: str) -> tuple[str, Callable[[], None]]:
    """Create a uniquely named database on the server of `admin_url`; returns its URL and a function that drops it."""
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
