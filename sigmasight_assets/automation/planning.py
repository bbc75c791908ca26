"""What each active portfolio still lacks, read from the Dagster instance and the results DB.

There is no global watermark: portfolio p lacks day D when the day-level assets have D, D is on
or after p's first entry (clamped to the partitions start), and not every portfolio-level asset
has written p's data_quality row for D. That row is written in the same transaction as the
asset's results, so it is the per-portfolio record of completion (a Dagster partition is a whole
day across portfolios). The close sensor, the run summaries and `sigmasight run` without
`--force` all answer "what is missing" here, so they agree.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import dagster as dg
from sqlalchemy.orm import Session

from sigmasight_assets.assets import DAY_ASSETS, PORTFOLIO_ASSETS
from sigmasight_assets.pipeline.pools import PORTFOLIO_POOL
from sigmasight_assets.pipeline.tags import (
    AFTER_RUN_TAG,
    DAY_LEVEL,
    LEVEL_TAG,
    MARKET_SCOPE,
    PORTFOLIO_JOB,
    PORTFOLIO_LEVEL,
    PORTFOLIO_TAG,
    run_dates,
    run_portfolios,
)
from sigmasight_resources import calendar
from sigmasight_resources.db import queries

IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
FAILED = [dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]
PARTITION_TAG = "dagster/partition"  # a single-day run's partition (the schedule's)


def materialized_days(instance: dg.DagsterInstance) -> set[str]:
    """Trading days on which every day-level asset is materialized."""
    sets = [instance.get_materialized_partitions(dg.AssetKey(name)) for name in DAY_ASSETS]
    return set.intersection(*sets)


def completed_portfolio_days(
    session: Session, start: date | None = None, end: date | None = None
) -> dict[str, set[str]]:
    """Per portfolio key, the days (within [start, end] if given) on which every portfolio-level asset
    has written its results."""
    return queries.days_with_all_assets(session, PORTFOLIO_ASSETS, start, end)


def missing_days(
    first_entry: dict[str, date], ready: Iterable[str], done: dict[str, set[str]], start: date
) -> dict[str, list[str]]:
    """Per portfolio, the sorted days in `ready` since its first entry (≥ `start`) not in `done`."""
    ready = sorted(ready)
    missing = {}
    for portfolio, first in first_entry.items():
        since = max(first, start).isoformat()
        have = done.get(portfolio, set())
        lacking = [d for d in ready if d >= since and d not in have]
        if lacking:
            missing[portfolio] = lacking
    return missing


def contiguous_blocks(days: list[str]) -> list[tuple[str, str]]:
    """Sorted ISO trading days grouped into runs of consecutive sessions: [(first, last), …]."""
    if not days:
        return []
    position = {
        d.isoformat(): i
        for i, d in enumerate(calendar.sessions(date.fromisoformat(days[0]), date.fromisoformat(days[-1])))
    }
    blocks = [[days[0], days[0]]]
    for day in days[1:]:
        if position[day] == position[blocks[-1][1]] + 1:
            blocks[-1][1] = day
        else:
            blocks.append([day, day])
    return [(a, b) for a, b in blocks]


def writes_portfolio_level(run: dg.DagsterRun) -> bool:
    """Whether a run executes portfolio-level assets, whoever launched it.

    Job runs carry the level tag; an asset page's Materialize or a backfill runs `__ASSET_JOB`
    without it, so its asset selection or, for a run of every asset, its pools say it.
    """
    if run.tags.get(LEVEL_TAG) == PORTFOLIO_LEVEL or run.job_name == PORTFOLIO_JOB:
        return True
    if run.asset_selection is not None:
        return any(key.to_user_string() in PORTFOLIO_ASSETS for key in run.asset_selection)
    return run.run_op_concurrency is not None and PORTFOLIO_POOL in (run.run_op_concurrency.all_pools or ())


def busy_portfolios(instance: dg.DagsterInstance, active: Iterable[str]) -> set[str]:
    """Portfolios a queued or in-progress run writes (all `active` ones for a run over every portfolio)."""
    busy: set[str] = set()
    for run in instance.get_runs(dg.RunsFilter(statuses=IN_PROGRESS)):
        if writes_portfolio_level(run):
            named = run_portfolios(run.tags)
            busy |= set(active) if named is None else set(named)
        elif run.tags.get(PORTFOLIO_TAG, MARKET_SCOPE) != MARKET_SCOPE:
            busy.add(run.tags[PORTFOLIO_TAG])  # an onboarding day-level run
    return busy


def failed_attempts(
    instance: dg.DagsterInstance, since: datetime, active: Iterable[str]
) -> Counter[tuple[str, str, str]]:
    """How many portfolio-level runs writing (portfolio, first day, last day) failed or were canceled
    since `since`; onboarding's portfolio-level runs (which follow a day-level run and fail when it
    did) are onboarding's attempts, not the catch-up's."""
    runs = instance.get_runs(dg.RunsFilter(statuses=FAILED, tags={LEVEL_TAG: PORTFOLIO_LEVEL}, created_after=since))
    counts: Counter[tuple[str, str, str]] = Counter()
    for run in (r for r in runs if AFTER_RUN_TAG not in r.tags):
        span = run_dates(run.tags)
        named = run_portfolios(run.tags)
        for portfolio in (active if named is None else named) if span else ():
            counts[(portfolio, *span)] += 1
    return counts


def run_days(tags: dict[str, str]) -> list[str]:
    """The ISO trading days a day-level run covers: its range, or its single partition."""
    span = run_dates(tags) or ((tags[PARTITION_TAG],) * 2 if PARTITION_TAG in tags else None)
    if span is None:
        return []
    return [d.isoformat() for d in calendar.sessions(date.fromisoformat(span[0]), date.fromisoformat(span[1]))]


@dataclass(frozen=True)
class DayLevelGaps:
    """Days the day level lacks before its horizon, how often each failed, and those given up on."""

    due: list[tuple[str, str, int]]  # (first, last, failed runs so far) per block to request
    given_up: list[str]


def day_level_gaps(
    instance: dg.DagsterInstance,
    start: date,
    end: date,
    since: datetime,
    max_attempts: int,
    owned: Iterable[str] = (),
) -> DayLevelGaps:
    """Trading days in [start, end] not materialized by every day-level asset, up to the latest day a
    day-level materialization or a failed or in-flight run reached (later days are the schedule's; a
    close that never ran is the deadline alert's), without a day-level run in flight; days that failed
    `max_attempts` times since `since` are given up. Runs serving an `owned` portfolio (still onboarding,
    which retries its own) are left out."""
    per_asset = [instance.get_materialized_partitions(dg.AssetKey(name)) for name in DAY_ASSETS]
    ready, touched = set.intersection(*per_asset), set.union(*per_asset)
    failed: Counter[str] = Counter()
    in_flight: set[str] = set()
    owned = set(owned)
    for run in instance.get_runs(dg.RunsFilter(tags={LEVEL_TAG: DAY_LEVEL}, created_after=since)):
        days = run_days(run.tags)
        if run.status in IN_PROGRESS:
            in_flight.update(days)
        if run.tags.get(PORTFOLIO_TAG) in owned or run.status == dg.DagsterRunStatus.SUCCESS:
            continue  # a success left its materializations, which count
        touched.update(days)
        if run.status in FAILED:
            failed.update(days)
    horizon = min(max(touched, default=""), end.isoformat())
    lacking = [
        d.isoformat()
        for d in calendar.sessions(start, end)
        if d.isoformat() <= horizon and d.isoformat() not in ready | in_flight
    ]
    given_up = [d for d in lacking if failed[d] >= max_attempts]
    retry = [d for d in lacking if failed[d] < max_attempts]
    due = [(a, b, max(failed[d] for d in retry if a <= d <= b)) for a, b in contiguous_blocks(retry)]
    return DayLevelGaps(due, given_up)
