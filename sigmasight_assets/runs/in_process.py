"""Materializing a date range through a Dagster instance: one run per level.

The day-level assets run over the whole range in one run; the portfolio-level assets run over
the range for the requested portfolios in one run (its `sigmasight/portfolios` tag names them).
Both are partitioned by trading day, so a run records one materialization per asset and day,
however many portfolios it writes. Each is a run of its level's job (`day_assets_job`,
`portfolio_assets_job`), recorded in the instance with the code location's origin, so the UI
shows it in the job's history and on the timeline and can re-execute it.

Without `force`, portfolio-days the results DB already holds are skipped: portfolios are grouped
by the contiguous blocks of days they lack, one run per block. The day-level run always covers
the whole range, since `market_prices` fetches only the (symbol, date) pairs not yet stored, so
it fills in whatever a portfolio's symbols lack and costs little when nothing is.
"""

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import dagster as dg

from sigmasight_assets.assets import DAY_ASSETS, PORTFOLIO_ASSETS
from sigmasight_assets.automation.planning import completed_portfolio_days, contiguous_blocks
from sigmasight_assets.automation.registry import register_onboarded_portfolios
from sigmasight_assets.pipeline.tags import MARKET_SCOPE, RANGE_END, RANGE_START, day_range_tags, portfolio_range_tags
from sigmasight_assets.runs.job_runs import launch_in_process
from sigmasight_resources import calendar
from sigmasight_resources.db.session import ResultsDB

__all__ = [
    "MARKET_SCOPE",
    "RANGE_END",
    "RANGE_START",
    "PlannedRun",
    "RangeError",
    "RunOutcome",
    "completed_days",
    "ensure_portfolio_partitions",
    "execute",
    "plan_runs",
    "run_range",
    "skipped_days",
]
# The name tests/api/test_onboarding.py imports; the registry now lives in automation.registry.
ensure_portfolio_partitions = register_onboarded_portfolios
# Every event still goes to the instance's event log (the UI shows it); the terminal gets warnings only.
QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


class RangeError(ValueError):
    """The requested range holds no trading day, or names unknown portfolios."""


@dataclass(frozen=True)
class PlannedRun:
    label: str
    selection: tuple[str, ...]
    tags: dict[str, str]


@dataclass
class AssetOutcome:
    partitions: int = 0
    rows_written: int = 0
    checks_failed: list[str] = field(default_factory=list)


@dataclass
class RunOutcome:
    plan: PlannedRun
    run_id: str
    success: bool
    seconds: float
    assets: dict[str, AssetOutcome]
    failures: list[tuple[str, str]]  # (asset, error message)


def trading_range(start: date, end: date) -> tuple[date, date]:
    days = calendar.sessions(start, end)
    if not days:
        raise RangeError(f"no NYSE trading day between {start} and {end}")
    return days[0], days[-1]


def plan_runs(
    instance: dg.DagsterInstance,
    start: date,
    end: date,
    portfolio_ids: Sequence[int],
    done: Mapping[str, set[str]] | None = None,
) -> list[PlannedRun]:
    """The runs that materialize every asset over [start, end] for the given portfolios.

    With `done` (per portfolio key, the days already complete), portfolio-level runs cover only the rest.
    """
    start, end = trading_range(start, end)
    first, last = start.isoformat(), end.isoformat()
    runs = [PlannedRun(f"day-level assets {first}..{last}", DAY_ASSETS, day_range_tags(first, last))]
    register_onboarded_portfolios(instance, portfolio_ids)
    wanted = sorted({str(p) for p in portfolio_ids}, key=int)
    if not wanted:
        return runs
    if done is None:
        return [*runs, _portfolio_run(first, last, wanted)]
    days = [d.isoformat() for d in calendar.sessions(start, end)]
    by_blocks: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for key in wanted:
        blocks = tuple(contiguous_blocks([d for d in days if d not in done.get(key, set())]))
        if blocks:
            by_blocks.setdefault(blocks, []).append(key)
    for blocks, keys in sorted(by_blocks.items()):
        runs += [_portfolio_run(a, b, keys) for a, b in blocks]
    return runs


def skipped_days(done: Mapping[str, set[str]], start: date, end: date, portfolio_ids: Sequence[int]) -> int:
    """How many portfolio-days of the range the results DB already holds (skipped without force)."""
    days = {d.isoformat() for d in calendar.sessions(start, end)}
    return sum(len(days & done.get(str(p), set())) for p in portfolio_ids)


def completed_days(defs: dg.Definitions, start: date, end: date) -> dict[str, set[str]]:
    """Per portfolio key, the days in [start, end] every portfolio-level asset has written, from the
    defs' results DB (the range only: a daily run does not read the whole history's rows)."""
    db = ResultsDB(defs.resources["db"].url)
    try:
        with db.transaction() as session:
            return completed_portfolio_days(session, start, end)
    finally:
        db.dispose()


def _portfolio_run(first: str, last: str, keys: list[str]) -> PlannedRun:
    label = f"portfolio {keys[0]}" if len(keys) == 1 else f"{len(keys)} portfolios"
    return PlannedRun(
        f"portfolio-level assets {first}..{last}, {label}", PORTFOLIO_ASSETS, portfolio_range_tags(first, last, keys)
    )


def execute(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    run: PlannedRun,
    extra_tags: dict[str, str] | None = None,
) -> RunOutcome:
    """Execute one planned run in process as a run of its level's job, recorded in `instance`.

    Never raises on asset failure. The run carries the job's tags and the code location's origin
    (`job_runs.launch_in_process`), so the UI opens its job and re-executes it like a daemon's run.
    """
    began = time.monotonic()
    result = launch_in_process(defs, instance, run.selection, {**run.tags, **(extra_tags or {})}, QUIET_CONSOLE)
    assets: dict[str, AssetOutcome] = {name: AssetOutcome() for name in run.selection}
    failures: list[tuple[str, str]] = []
    counted: set[str] = set()
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            name = event.asset_key.to_user_string()
            outcome = assets.setdefault(name, AssetOutcome())
            outcome.partitions += 1
            rows = event.event_specific_data.materialization.metadata.get("rows_written")
            if rows is not None and name not in counted:
                outcome.rows_written = int(rows.value)
                counted.add(name)
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                assets.setdefault(evaluation.asset_key.to_user_string(), AssetOutcome()).checks_failed.append(
                    evaluation.check_name
                )
        elif event.event_type_value == "STEP_FAILURE":
            failure = event.event_specific_data.user_failure_data  # a dg.Failure: its description, unprefixed
            error = event.event_specific_data.error
            while error is not None and error.cause is not None:  # Dagster's wrapper → the exception raised
                error = error.cause
            text = failure.description if failure and failure.description else error.message if error else ""
            message = text.strip().splitlines()[0] if text.strip() else "step failed"
            failures.append((event.step_key, message))
    return RunOutcome(run, result.run_id, result.success, time.monotonic() - began, assets, failures)


def run_range(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    start: date,
    end: date,
    portfolio_ids: Sequence[int],
    on_run: Callable[[PlannedRun, RunOutcome | None], None] | None = None,
    force: bool = True,
    extra_tags: dict[str, str] | None = None,
) -> list[RunOutcome]:
    """Plan and execute every run for a range (`extra_tags` on each); stops after a failed day-level
    run (its dependents would fail)."""
    outcomes = []
    done = None if force else completed_days(defs, start, end)
    for planned in plan_runs(instance, start, end, portfolio_ids, done):
        if on_run:
            on_run(planned, None)
        outcome = execute(defs, instance, planned, extra_tags=extra_tags)
        outcomes.append(outcome)
        if on_run:
            on_run(planned, outcome)
        if not outcome.success and planned.selection == DAY_ASSETS:
            break
    return outcomes
