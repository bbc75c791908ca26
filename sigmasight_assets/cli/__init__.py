"""The `sigmasight` command line: `init`, `users`, `portfolios`, `symbols`, `run`, `report`, `demo`, `api`.

Typer never prints its rich traceback (`pretty_exceptions_enable=False`): known failures are
one `error: …` line via `common.cli_errors`, and an unexpected exception keeps Python's plain
traceback so a bug is never hidden.
"""

import os

import typer
from sqlalchemy.exc import OperationalError

from sigmasight_assets.cli import api, demo, report, run
from sigmasight_assets.cli.common import EXIT_FAILURE, cli_errors, echo, fail, get_settings, make_db, redact_url
from sigmasight_assets.cli.portfolios import app as portfolios_app
from sigmasight_assets.cli.symbols import app as symbols_app
from sigmasight_assets.cli.users import app as users_app
from sigmasight_assets.runs.instance import prepare_dagster_home
from sigmasight_resources.db.engine import migrate

app = typer.Typer(
    name="sigmasight",
    help="SigmaSight: portfolio risk analytics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(users_app, name="users")
app.add_typer(portfolios_app, name="portfolios")
app.add_typer(symbols_app, name="symbols")
run.register(app)
report.register(app)
demo.register(app)
api.register(app)
# How runs materialized by this process store their events (README "Scale"): materializations in
# batches of 1000 (one write instead of one per day and asset), and one planned event per asset for
# a range instead of one per day. A failed ranged run's days are then marked failed by
# failed_partitions_sensor (docs/OPERATIONS.md, "Failed days"), not by the run itself.
DAGSTER_EVENT_SETTINGS = {"DAGSTER_EVENT_BATCH_SIZE": "1000", "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "true"}


@app.callback()
def main() -> None:
    """SigmaSight: portfolio risk analytics."""
    for name, value in DAGSTER_EVENT_SETTINGS.items():
        os.environ.setdefault(name, value)


@app.command("init")
def init() -> None:
    """Create SIGMASIGHT_HOME and bring the results database to the latest schema (idempotent)."""
    with cli_errors():
        settings = get_settings()
        settings.home.mkdir(parents=True, exist_ok=True)
        db = make_db(settings)
        try:
            migrate(settings.results_url)
        except OperationalError as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0]
            fail(f"cannot migrate the results database {redact_url(db.url)}: {reason}", EXIT_FAILURE)
        finally:
            db.dispose()
        echo(f"home: {settings.home.resolve()}")
        echo(f"dagster home: {prepare_dagster_home(settings)}")
        echo(f"results database: {redact_url(settings.results_url)} (schema up to date)")


__all__ = ["app"]
