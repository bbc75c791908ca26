"""`sigmasight demo`: load the demo portfolios, materialize a year of trading days, summarize each."""

from datetime import UTC, datetime

import typer

from sigmasight_assets.cli.common import cli_errors, echo, get_settings, open_db
from sigmasight_assets.cli.report import print_summary
from sigmasight_assets.cli.run import materialize
from sigmasight_assets.runs.instance import prepare_dagster_home
from sigmasight_resources import calendar
from sigmasight_resources.db.engine import migrate
from sigmasight_resources.db.report import build_report
from sigmasight_resources.demo import load_demo

DEMO_DAYS = calendar.TRADING_DAYS_PER_YEAR  # the demo covers the last year of trading days


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo() -> None:
        """Load the three demo portfolios, materialize the last 252 trading days, print a summary of each."""
        with cli_errors():
            settings = get_settings()
            settings.home.mkdir(parents=True, exist_ok=True)
            migrate(settings.results_url)
            prepare_dagster_home(settings)
            with open_db() as db:
                ids = load_demo(db)
            end = calendar.latest_closed_session(datetime.now(UTC))
            start = calendar.previous_sessions(end, DEMO_DAYS - 1)
            echo(f"materializing {start}..{end} for demo portfolios {ids}")
            materialize(start, end, ids)
            with open_db() as db, db.transaction() as session:
                reports = [build_report(session, pid) for pid in ids]
            for data in reports:
                print_summary(data)
            echo(f"\nOpen the Dagster UI on the same instance: make ui   (DAGSTER_HOME={settings.dagster_home})")
            echo("Full report: sigmasight report ID [--json]")
