"""`sigmasight run`, `report` and `demo`: materialize through the Dagster instance, then read the results."""


import json
from datetime import UTC, date, datetime

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sigmasight_assets.cli.common import (
    EXIT_FAILURE,
    cli_errors,
    echo,
    fail,
    get_settings,
    open_db,
    register_error,
    stdout,
)
from sigmasight_assets.definitions import build_definitions
from sigmasight_assets.runs.in_process import (
    PlannedRun,
    RangeError,
    RunOutcome,
    completed_days,
    run_range,
    skipped_days,
)
from sigmasight_assets.runs.instance import local_instance, prepare_dagster_home
from sigmasight_resources import calendar
from sigmasight_resources.db import queries
from sigmasight_resources.db.engine import migrate
from sigmasight_resources.db.report import build_report
from sigmasight_resources.demo import load_demo

DEMO_DAYS = 252


def _parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: expected YYYY-MM-DD, got {value!r}")


def materialize(start: date, end: date, portfolio_ids: list[int], force: bool = False) -> list[RunOutcome]:
    """Run every asset over the range with a progress bar; print a per-asset summary; exit 1 on failure.

    Without `force`, portfolio-days the results DB already holds are skipped (and counted).
    """
    settings = get_settings()
    defs = build_definitions(settings)
    instance = local_instance(settings)
    skipped = 0 if force else skipped_days(completed_days(defs), start, end, portfolio_ids)
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} runs done"),
               TimeElapsedColumn())
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("planning", total=None)

        def on_run(planned: PlannedRun, outcome: RunOutcome | None) -> None:
            if outcome is None:
                progress.update(task, description=planned.label)
            else:
                progress.advance(task)

        outcomes = run_range(defs, instance, start, end, portfolio_ids, on_run, force=force)
    _print_summary(outcomes)
    if skipped:
        echo(f"skipped {skipped} portfolio-days already materialized (--force redoes them)")
    failed = [(o, asset, message) for o in outcomes for asset, message in o.failures]
    if failed or not all(o.success for o in outcomes):
        outcome, asset, message = failed[0] if failed else (next(o for o in outcomes if not o.success), "?", "")
        span = f"{outcome.plan.tags.get('dagster/asset_partition_range_start')}.." \
               f"{outcome.plan.tags.get('dagster/asset_partition_range_end')}"
        fail(f"{asset} failed for partitions {span} (run {outcome.run_id}): {message}", EXIT_FAILURE)
    return outcomes


def _print_summary(outcomes: list[RunOutcome]) -> None:
    table = Table(title="Materialized")
    for column in ("asset", "partitions", "rows written", "failed checks", "run", "seconds"):
        table.add_column(column, justify="right" if column in ("partitions", "rows written", "seconds") else "left")
    for outcome in outcomes:
        for name, asset in outcome.assets.items():
            table.add_row(name, str(asset.partitions), str(asset.rows_written), ", ".join(asset.checks_failed) or "-",
                          outcome.run_id[:8], f"{outcome.seconds:.1f}")
    stdout().print(table)


def register(app: typer.Typer) -> None:
    register_error(RangeError)

    @app.command("run")
    def run(
        start: str = typer.Option(..., "--start", help="first day, YYYY-MM-DD"),
        end: str = typer.Option(..., "--end", help="last day, YYYY-MM-DD"),
        portfolio: int | None = typer.Option(None, "--portfolio", help="one portfolio id (default: all active)"),
        force: bool = typer.Option(False, "--force", help="re-materialize portfolio-level partitions already done"),
    ) -> None:
        """Materialize every asset over a date range through the Dagster instance (rows are replaced, never duplicated)."""
        with cli_errors():
            first, last = _parse_day(start, "--start"), _parse_day(end, "--end")
            if last < first:
                fail(f"--end {last} is before --start {first}")
            with open_db() as db, db.transaction() as session:
                active = queries.active_portfolio_ids(session)
            if portfolio is not None and portfolio not in active:
                fail(f"portfolio {portfolio} not found (or deleted)")
            materialize(first, last, [portfolio] if portfolio is not None else active, force=force)

    @app.command("report")
    def report(
        portfolio_id: int = typer.Argument(..., help="portfolio id"),
        day: str | None = typer.Option(None, "--date", help="YYYY-MM-DD (default: latest materialized)"),
        as_json: bool = typer.Option(False, "--json", help="print the report as one JSON object"),
    ) -> None:
        """A portfolio's risk report for a date."""
        with cli_errors():
            as_of = _parse_day(day, "--date") if day else None
            with open_db() as db, db.transaction() as session:
                data = build_report(session, portfolio_id, as_of)
            if as_json:
                typer.echo(json.dumps(data, indent=2))
            else:
                print_report(data)

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


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.2f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def worst_scenario(data: dict) -> dict | None:
    scored = [s for s in data["stress_tests"]["scenarios"] if s["correlated_pnl"] is not None]
    return min(scored, key=lambda s: s["correlated_pnl"], default=None)


def print_summary(data: dict) -> None:
    snapshot, worst = data["snapshot"], worst_scenario(data)
    table = Table(title=f"{data['portfolio']['name']} (id {data['portfolio']['id']}) as of {data['as_of']}")
    for column in ("NAV", "daily P&L", "market beta", "21d vol", "HAR 1d", "worst stress scenario"):
        table.add_column(column, justify="right")
    table.add_row(
        _money(snapshot["nav"]), _money(snapshot["daily_pnl"]), _num(data["betas"]["market_beta"]),
        _pct(data["volatility"]["realized_21d"]), _pct(data["volatility"]["har_forecast_1d"]),
        f"{worst['name']} {_money(worst['correlated_pnl'])} ({_pct(worst['correlated_pct'])})" if worst else "n/a",
    )
    stdout().print(table)


def print_report(data: dict) -> None:
    console = stdout()
    print_summary(data)
    snap = data["snapshot"]
    console.print(
        f"long {_money(snap['long_exposure'])}  short {_money(snap['short_exposure'])}  gross "
        f"{_money(snap['gross_exposure'])}  net {_money(snap['net_exposure'])}  return {_pct(snap['daily_return'])}  "
        f"cumulative P&L {_money(snap['cumulative_pnl'])}  [{snap['data_quality']['flag']}]"
    )
    positions = Table(title="Positions")
    for column in ("symbol", "class", "quantity", "price", "market value", "weight", "beta", "delta"):
        positions.add_column(column, justify="left" if column in ("symbol", "class") else "right")
    for p in data["positions"]:
        positions.add_row(
            p["symbol"], p["investment_class"], _num(p["quantity"], 0), _num(p["price"]), _money(p["market_value"]),
            _pct(p["weight"]), _num(p["market_beta"]), _num(p["greeks"]["delta"]) if p["greeks"] else "",
        )
    console.print(positions)
    factors = Table(title=f"Factor exposures [{(data['factor_exposures']['data_quality'] or {}).get('flag')}]")
    factors.add_column("factor")
    factors.add_column("beta", justify="right")
    factors.add_column("dollar exposure", justify="right")
    for name, value in data["factor_exposures"]["factors"].items():
        factors.add_row(name, _num(value["beta"], 3), _money(value["dollar_exposure"]))
    console.print(factors)
    vol = data["volatility"]
    console.print(
        f"volatility: 21d {_pct(vol['realized_21d'])}  63d {_pct(vol['realized_63d'])}  252d "
        f"{_pct(vol['realized_252d'])}  HAR 1d {_pct(vol['har_forecast_1d'])}  21d {_pct(vol['har_forecast_21d'])}  "
        f"VaR95 {_pct(vol['var_95'])}  VaR99 {_pct(vol['var_99'])}  ES95 {_pct(vol['es_95'])}  "
        f"ES99 {_pct(vol['es_99'])}  [{(vol['data_quality'] or {}).get('flag')}]"
    )
    corr = data["correlations"]
    console.print(
        f"correlation: average {_num(corr['average'])}  weighted {_num(corr['weighted'])}  "
        f"clusters {[c for c in corr['clusters'] if len(c) > 1]}  excluded {corr['excluded_positions']}"
    )
    stress = Table(title="Stress tests")
    for column in ("scenario", "category", "direct P&L", "direct %", "correlated P&L", "correlated %"):
        stress.add_column(column, justify="left" if column in ("scenario", "category") else "right")
    for s in data["stress_tests"]["scenarios"]:
        stress.add_row(s["name"], s["category"], _money(s["direct_pnl"]), _pct(s["direct_pct"]),
                       _money(s["correlated_pnl"]), _pct(s["correlated_pct"]))
    console.print(stress)


