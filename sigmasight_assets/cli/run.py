"""`sigmasight run`: materialize a date range through the Dagster instance, with a per-asset summary."""

from datetime import UTC, date, datetime

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sigmasight_assets.automation.alerts import portfolios_behind
from sigmasight_assets.automation.bounds import last_partition, outside
from sigmasight_assets.cli.actor import AsOption, actor_for
from sigmasight_assets.cli.common import (
    EXIT_FAILURE,
    cli_errors,
    echo,
    fail,
    get_settings,
    open_db,
    parse_day,
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
from sigmasight_assets.runs.instance import local_instance
from sigmasight_resources.audit import REQUESTED_BY_TAG, Action, record
from sigmasight_resources.db import queries


def materialize(
    start: date, end: date, portfolio_ids: list[int], force: bool = False, tags: dict[str, str] | None = None
) -> list[RunOutcome]:
    """Run every asset over the range with a progress bar; print a per-asset summary; exit 1 on failure.

    Without `force`, portfolio-days the results DB already holds are skipped (and counted). `tags`
    go on every run (who asked: `sigmasight/requested_by`).
    """
    settings = get_settings()
    defs = build_definitions(settings)
    instance = local_instance(settings)
    skipped = 0 if force else skipped_days(completed_days(defs, start, end), start, end, portfolio_ids)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} runs done"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("planning", total=None)

        def on_run(planned: PlannedRun, outcome: RunOutcome | None) -> None:
            if outcome is None:
                progress.update(task, description=planned.label)
            else:
                progress.advance(task)

        outcomes = run_range(defs, instance, start, end, portfolio_ids, on_run, force, tags)
    _print_summary(outcomes)
    if skipped:
        echo(f"skipped {skipped} portfolio-days already materialized (--force redoes them)")
    _print_holes(portfolios_behind(instance, defs.resources["db"]))
    failed = [(o, asset, message) for o in outcomes for asset, message in o.failures]
    if failed or not all(o.success for o in outcomes):
        outcome, asset, message = failed[0] if failed else (next(o for o in outcomes if not o.success), "?", "")
        span = (
            f"{outcome.plan.tags.get('dagster/asset_partition_range_start')}.."
            f"{outcome.plan.tags.get('dagster/asset_partition_range_end')}"
        )
        fail(f"{asset} failed for partitions {span} (run {outcome.run_id}): {message}", EXIT_FAILURE)
    return outcomes


def _print_holes(holes: dict[str, list[tuple[str, str]]]) -> None:
    """Every hole left in any active portfolio's history, so a gap outside the range is not silent."""
    echo(f"portfolios with holes in their history: {len(holes) or 'none'}")
    for portfolio, spans in sorted(holes.items(), key=lambda item: int(item[0])):
        echo(f"  portfolio {portfolio}: " + ", ".join(a if a == b else f"{a}..{b}" for a, b in spans))


def _print_summary(outcomes: list[RunOutcome]) -> None:
    table = Table(title="Materialized")
    for column in ("asset", "partitions", "rows written", "failed checks", "run", "seconds"):
        table.add_column(column, justify="right" if column in ("partitions", "rows written", "seconds") else "left")
    for outcome in outcomes:
        for name, asset in outcome.assets.items():
            table.add_row(
                name,
                str(asset.partitions),
                str(asset.rows_written),
                ", ".join(asset.checks_failed) or "-",
                outcome.run_id[:8],
                f"{outcome.seconds:.1f}",
            )
    stdout().print(table)


def register(app: typer.Typer) -> None:
    register_error(RangeError)

    @app.command("run")
    def run(
        start: str = typer.Option(..., "--start", help="first day, YYYY-MM-DD"),
        end: str = typer.Option(..., "--end", help="last day, YYYY-MM-DD"),
        portfolio: int | None = typer.Option(None, "--portfolio", help="one portfolio id (default: all active)"),
        force: bool = typer.Option(False, "--force", help="re-materialize portfolio-level partitions already done"),
        as_email: AsOption = None,
    ) -> None:
        """Materialize every asset over a date range through the Dagster instance (rows are replaced, never duplicated)."""  # noqa: E501 - the help text
        with cli_errors():
            first, last = parse_day(start, "--start"), parse_day(end, "--end")
            if last < first:
                fail(f"--end {last} is before --start {first}")
            settings = get_settings()
            problem = outside(
                first,
                last,
                settings.partitions_start,
                last_partition(settings.partitions_end, datetime.now(UTC)),
                ("--start", "--end"),
            )
            if problem:
                fail(problem[1])
            with open_db() as db, db.transaction() as session:
                active = queries.active_portfolio_ids(session)
                if portfolio is not None and portfolio not in active:
                    fail(f"portfolio {portfolio} not found (or deleted)")
                ids = [portfolio] if portfolio is not None else active
                # Audited before the runs start, so a run killed midway still has its request on record.
                actor = actor_for(session, as_email)
                details = {"start": first.isoformat(), "end": last.isoformat(), "portfolio_ids": ids, "force": force}
                record(session, actor, Action.RUN_LAUNCH, f"range:{first}..{last}", details)
            materialize(first, last, ids, force=force, tags={REQUESTED_BY_TAG: actor.tag})
