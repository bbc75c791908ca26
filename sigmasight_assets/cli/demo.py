"""`sigmasight demo`: load the demo portfolios, materialize the year to the last packaged close, summarize each.

The demo runs on the real closes packaged with it (`sigmasight_resources/demo/prices.csv.gz`)
whatever `SIGMASIGHT_MARKET_DATA` says, so it needs no network and its figures are the same on
every machine and every day.
"""

import typer

from sigmasight_assets.cli.common import cli_errors, echo, open_db, settings_override
from sigmasight_assets.cli.report import print_summary
from sigmasight_assets.cli.run import materialize
from sigmasight_assets.runs.instance import prepare_dagster_home
from sigmasight_resources import calendar
from sigmasight_resources.db.engine import migrate
from sigmasight_resources.db.report import build_report
from sigmasight_resources.demo import DEMO_AS_OF, DEMO_DATA_SOURCE, DEMO_PRICES, load_demo

DEMO_DAYS = calendar.TRADING_DAYS_PER_YEAR  # the demo covers the last year of packaged trading days


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo() -> None:
        """Load the three demo portfolios, materialize the 252 trading days to 2026-07-31 on the packaged real closes, print a summary of each."""  # noqa: E501 - the help text
        with cli_errors(), settings_override(market_data=f"csv:{DEMO_PRICES}") as settings:
            settings.home.mkdir(parents=True, exist_ok=True)
            migrate(settings.results_url)
            prepare_dagster_home(settings)
            with open_db() as db:
                ids = load_demo(db)
            end = DEMO_AS_OF
            start = calendar.previous_sessions(end, DEMO_DAYS - 1)
            source = f"{DEMO_DATA_SOURCE}, as of {end}"
            echo(f"data source: {source}")
            echo(f"materializing {start}..{end} for demo portfolios {ids}")
            materialize(start, end, ids)
            with open_db() as db, db.transaction() as session:
                reports = [build_report(session, pid, end) for pid in ids]
            for data in reports:
                print_summary(data, source=source)
            echo(f"\nOpen the Dagster UI on the same instance: make ui   (DAGSTER_HOME={settings.dagster_home})")
            echo("Full report: sigmasight report ID [--json]")
