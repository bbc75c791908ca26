"""`sigmasight demo`: load the demo portfolios, materialize the year to the last packaged close, summarize each.

The demo runs on the real closes packaged with it (`sigmasight_resources/demo/prices.csv.gz`)
whatever `SIGMASIGHT_MARKET_DATA` says, so it needs no network and its figures are the same on
every machine and every day. It writes those settings (the market data and partitions that end
where the closes end) into its home's settings file, so `make ui`, the daemon and every command
on that home load the code location it filled, with every partition materialized.
"""

import os

import typer

from sigmasight_assets.cli.common import EXIT_FAILURE, cli_errors, echo, fail, open_db, settings_override, warn
from sigmasight_assets.cli.report import print_summary
from sigmasight_assets.cli.run import materialize
from sigmasight_assets.definitions import build_definitions
from sigmasight_assets.pipeline.tags import PROFILES_JOB
from sigmasight_assets.runs.in_process import PlannedRun, execute
from sigmasight_assets.runs.instance import local_instance, prepare_dagster_home
from sigmasight_resources.db.engine import migrate
from sigmasight_resources.db.report import build_report
from sigmasight_resources.demo import DEMO_DATA_SOURCE, demo_settings, load_demo
from sigmasight_resources.settings import Settings, variable, write_home_settings

PROFILES = PlannedRun("company profiles", ("company_profiles",), {})


def materialize_profiles(settings: Settings) -> str:
    """Materialize `company_profiles` (unpartitioned) on the instance; what it stored, in one line."""
    outcome = execute(build_definitions(settings), local_instance(settings), PROFILES)
    if not outcome.success:
        step, message = outcome.failures[0] if outcome.failures else (PROFILES_JOB, "run failed")
        fail(f"{step} failed (run {outcome.run_id}): {message}", EXIT_FAILURE)
    return f"company profiles: {outcome.assets['company_profiles'].rows_written} symbols"


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo() -> None:
        """Load the three demo portfolios, materialize the 252 trading days to 2026-07-31 on the packaged real closes, print a summary of each."""  # noqa: E501 - the help text
        values = demo_settings()
        with cli_errors(), settings_override(**values) as settings:
            path = write_home_settings(settings.home, values)
            migrate(settings.results_url)
            prepare_dagster_home(settings)
            with open_db() as db:
                ids = load_demo(db)
            start, end = settings.partitions_start, settings.partitions_end
            source = f"{DEMO_DATA_SOURCE}, as of {end}"
            echo(f"data source: {source}")
            echo(f"settings of this home: {path} (market data, partitions {start}..{end})")
            overridden = [variable(field) for field in values if variable(field) in os.environ]
            if overridden:
                warn(f"note: {', '.join(overridden)} in the environment override {path} for every other command")
            echo(f"materializing {start}..{end} for demo portfolios {ids}")
            materialize(start, end, ids)
            echo(materialize_profiles(settings))
            with open_db() as db, db.transaction() as session:
                reports = [build_report(session, pid, end) for pid in ids]
            for data in reports:
                print_summary(data, source=source)
            echo(f"\nOpen the Dagster UI on the same instance: make ui   (DAGSTER_HOME={settings.dagster_home})")
            echo("Full report: sigmasight report ID [--json]")
