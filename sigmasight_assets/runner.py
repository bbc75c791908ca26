"""Materializing a date range through a Dagster instance: one run per partitions definition.

The day-level assets run over the whole range in one run; the portfolio-level assets run over the
box (range × portfolios) in one run per contiguous block of the `portfolio` dynamic partition
keys (one block for all active portfolios, one for a single portfolio). Runs are recorded in the
instance, so they show in the Dagster UI's run history.

Without `force`, portfolio-level partitions the instance already has are skipped: each portfolio
gets runs over its missing days only. The day-level run always covers the whole range, since
`market_prices` fetches only the (symbol, date) pairs not yet stored, so it fills in whatever a
portfolio's symbols lack and costs little when nothing is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import dagster as dg

from sigmasight_assets.catchup import contiguous_blocks, materialized_portfolio_days
from sigmasight_assets.levels import (
    DAY_ASSETS,
    DAY_LEVEL,
    LEVEL_TAG,
    MARKET_SCOPE,
    PORTFOLIO_ASSETS,
    PORTFOLIO_LEVEL,
    RANGE_END,
    RANGE_START,
)
from sigmasight_resources import calendar

__all__ = ["MARKET_SCOPE", "RANGE_END", "RANGE_START", "PlannedRun", "RangeError", "RunOutcome", "execute",
           "plan_runs", "run_range", "skipped_partitions"]
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


def ensure_portfolio_partitions(instance: dg.DagsterInstance, portfolio_ids: Sequence[int]) -> list[str]:
    """Add missing `portfolio` partitions; returns the keys in the instance's order."""
    existing = instance.get_dynamic_partitions("portfolio")
    missing = [str(p) for p in portfolio_ids if str(p) not in existing]
    if missing:
        instance.add_dynamic_partitions("portfolio", missing)
    return instance.get_dynamic_partitions("portfolio")


def plan_runs(
    instance: dg.DagsterInstance,
    start: date,
    end: date,
    portfolio_ids: Sequence[int],
    scope_tag: str | None = None,
    force: bool = True,
) -> list[PlannedRun]:
    """The runs that materialize every asset over [start, end] for the given portfolios.

    With `force=False` the portfolio-level runs cover only partitions the instance lacks.
    """
    start, end = trading_range(start, end)
    first, last = start.isoformat(), end.isoformat()
    runs = [PlannedRun(
        f"day-level assets {first}..{last}", DAY_ASSETS,
        {RANGE_START: first, RANGE_END: last, "portfolio": MARKET_SCOPE, LEVEL_TAG: DAY_LEVEL},
    )]
    order = ensure_portfolio_partitions(instance, portfolio_ids)
    wanted = {str(p) for p in portfolio_ids}
    if force:
        return runs + _portfolio_runs(order, wanted, first, last, scope_tag)
    days = [d.isoformat() for d in calendar.sessions(start, end)]
    done = materialized_portfolio_days(instance)
    by_blocks: dict[tuple[tuple[str, str], ...], set[str]] = {}
    for key in wanted:
        blocks = tuple(contiguous_blocks([d for d in days if d not in done.get(key, set())]))
        if blocks:
            by_blocks.setdefault(blocks, set()).add(key)
    for blocks, keys in sorted(by_blocks.items()):
        for a, b in blocks:
            runs += _portfolio_runs(order, keys, a, b, scope_tag)
    return runs


def skipped_partitions(instance: dg.DagsterInstance, start: date, end: date, portfolio_ids: Sequence[int]) -> int:
    """How many portfolio-level partitions in the range the instance already has (skipped without force)."""
    days = {d.isoformat() for d in calendar.sessions(start, end)}
    done = materialized_portfolio_days(instance)
    return sum(len(days & done.get(str(p), set())) for p in portfolio_ids)


def _portfolio_runs(order: list[str], wanted: set[str], first: str, last: str, scope_tag: str | None) -> list[PlannedRun]:
    """Box runs [first, last] × each contiguous block of `wanted` in the instance's partition order."""
    blocks: list[list[str]] = []
    for key in order:
        if key in wanted:
            if blocks and blocks[-1][-1] == _previous(order, key):
                blocks[-1].append(key)
            else:
                blocks.append([key])
    runs = []
    for block in blocks:
        tags = {RANGE_START: f"{first}|{block[0]}", RANGE_END: f"{last}|{block[-1]}", LEVEL_TAG: PORTFOLIO_LEVEL}
        if len(block) == 1:
            tags["portfolio"] = block[0]
        if scope_tag:
            tags["sigmasight/scope"] = scope_tag
        label = f"portfolio {block[0]}" if len(block) == 1 else f"portfolios {block[0]}..{block[-1]}"
        runs.append(PlannedRun(f"portfolio-level assets {first}..{last}, {label}", PORTFOLIO_ASSETS, tags))
    return runs


def _previous(order: list[str], key: str) -> str | None:
    index = order.index(key)
    return order[index - 1] if index else None


def execute(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    run: PlannedRun,
    extra_tags: dict[str, str] | None = None,
) -> RunOutcome:
    """Materialize one planned run in process, recorded in `instance`; never raises on asset failure."""
    began = time.monotonic()
    result = dg.materialize(
        list(defs.assets),
        selection=list(run.selection),
        instance=instance,
        resources=defs.resources,
        tags={**run.tags, **(extra_tags or {})},
        raise_on_error=False,
        run_config=QUIET_CONSOLE,
    )
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
            error = event.event_specific_data.error
            message = error.message.strip().splitlines()[-1] if error else "step failed"
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
) -> list[RunOutcome]:
    """Plan and execute every run for a range; stops after the first failed run (its dependents would fail)."""
    outcomes = []
    for planned in plan_runs(instance, start, end, portfolio_ids, force=force):
        if on_run:
            on_run(planned, None)
        outcome = execute(defs, instance, planned)
        outcomes.append(outcome)
        if on_run:
            on_run(planned, outcome)
        if not outcome.success and planned.selection == DAY_ASSETS:
            break
    return outcomes
