"""What each active portfolio still lacks, read from the Dagster instance and the results DB.

There is no global watermark: a portfolio-level partition `D|p` is missing when the day-level
assets have D, D is on or after p's first entry (clamped to the partitions start), and not every
portfolio-level asset has `D|p`. The close sensor, the run summaries and `sigmasight run` without
`--force` all answer "what is missing" here, so they agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime

import dagster as dg
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigmasight_assets.levels import DAY_ASSETS, LEVEL_TAG, PORTFOLIO_ASSETS, PORTFOLIO_LEVEL, PORTFOLIO_TAG, run_dates
from sigmasight_resources import calendar
from sigmasight_resources.db.models import Portfolio, Position

IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING,
]
FAILED = [dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def first_entry_dates(session: Session) -> dict[str, date]:
    """Active portfolios (by partition key) and their earliest position entry date."""
    query = (
        select(Position.portfolio_id, func.min(Position.entry_date))
        .join(Portfolio).where(Portfolio.deleted_at.is_(None)).group_by(Position.portfolio_id)
    )
    return {str(pid): first for pid, first in session.execute(query).all()}


def materialized_days(instance: dg.DagsterInstance) -> set[str]:
    """Trading days on which every day-level asset is materialized."""
    sets = [instance.get_materialized_partitions(dg.AssetKey(name)) for name in DAY_ASSETS]
    return set.intersection(*sets)


def materialized_portfolio_days(instance: dg.DagsterInstance) -> dict[str, set[str]]:
    """Per portfolio key, the days on which every portfolio-level asset is materialized."""
    sets = [instance.get_materialized_partitions(dg.AssetKey(name)) for name in PORTFOLIO_ASSETS]
    done: dict[str, set[str]] = {}
    for key in set.intersection(*sets):
        day, portfolio = key.split("|")
        done.setdefault(portfolio, set()).add(day)
    return done


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
    position = {d.isoformat(): i for i, d in enumerate(calendar.sessions(date.fromisoformat(days[0]),
                                                                          date.fromisoformat(days[-1])))}
    blocks = [[days[0], days[0]]]
    for day in days[1:]:
        if position[day] == position[blocks[-1][1]] + 1:
            blocks[-1][1] = day
        else:
            blocks.append([day, day])
    return [(a, b) for a, b in blocks]


def busy_portfolios(instance: dg.DagsterInstance) -> set[str]:
    """Portfolio tags of runs queued or in progress (their partitions are already being written)."""
    runs = instance.get_runs(dg.RunsFilter(statuses=IN_PROGRESS))
    return {run.tags[PORTFOLIO_TAG] for run in runs if PORTFOLIO_TAG in run.tags}


def failed_attempts(instance: dg.DagsterInstance, since: datetime) -> Counter[tuple[str, str, str]]:
    """How many portfolio-level runs for (portfolio, first day, last day) failed or were canceled since `since`."""
    runs = instance.get_runs(dg.RunsFilter(statuses=FAILED, tags={LEVEL_TAG: PORTFOLIO_LEVEL}, created_after=since))
    counts: Counter[tuple[str, str, str]] = Counter()
    for run in runs:
        span = run_dates(run.tags)
        if span and PORTFOLIO_TAG in run.tags:
            counts[(run.tags[PORTFOLIO_TAG], *span)] += 1
    return counts
