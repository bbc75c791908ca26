"""Alembic environment: migrates the URL it is given, batch mode on SQLite."""

from alembic import context

from sigmasight_resources.db.engine import make_engine
from sigmasight_resources.db.tables import metadata

url = context.config.get_main_option("sqlalchemy.url")
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
