"""Trades after onboarding, on the Dagster side: one call for the CLI and the API (`amend_portfolio`).

The amendment itself (validation, positions, deleting the stale results) is
`sigmasight_resources.amendments`; the close sensor's catch-up then recomputes the deleted days,
since they lack their `data_quality` rows. What the sensors do not do is fetch closes for past
days: a day-level day that is materialized stays so, and the day-level assets of those days were
computed without a symbol nobody held. So when an added position's price symbol lacks day-level
results since its entry (or a touched day lacks the day level altogether), the amendment puts one
day-level run for that span on the daemon's queue, tagged `portfolio=<id>`. It is queued before the
transaction that deletes the results commits, so the close sensor, which leaves a portfolio with a
queued or running run to that run (`planning.busy_portfolios`), only requests the deleted days once
the closes are stored. Nothing runs in the caller's process.

An amendment is refused while a run writing the portfolio is queued or in progress: such a run may
have read the positions before the amendment and would store results computed without it.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import dagster as dg
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.execution.api import create_execution_plan

from sigmasight_assets.automation.planning import busy_portfolios, materialized_days
from sigmasight_assets.automation.registry import onboarded_portfolio_keys
from sigmasight_assets.definitions import build_definitions
from sigmasight_assets.pipeline.tags import DAY_JOB, day_range_tags
from sigmasight_assets.runs.job_runs import DEFINITIONS_ATTRIBUTE, DEFINITIONS_MODULE, job_origin
from sigmasight_resources import calendar
from sigmasight_resources.amendments import AmendmentResult, PortfolioBusyError, amendment_rows, apply_amendment
from sigmasight_resources.audit import REQUESTED_BY_TAG, Action, Actor, record
from sigmasight_resources.cash_flows import active_portfolio
from sigmasight_resources.db import queries
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.settings import Settings

AMENDMENT_TAG = "sigmasight/amendment"  # on the day-level run an amendment queues: the portfolio id


@dataclass(frozen=True)
class DayRun:
    run_id: str
    start: date
    end: date


@dataclass(frozen=True)
class Amended:
    result: AmendmentResult
    day_run: DayRun | None  # the day-level run queued for new symbols' closes, if one was needed


def latest_trading_day(settings: Settings, now: datetime) -> date:
    """The latest closed NYSE session, or the partitions' last session when they end before it."""
    latest = calendar.latest_closed_session(now)
    if settings.partitions_end is not None:
        latest = min(latest, calendar.latest_session(settings.partitions_end))
    return latest


def amend_portfolio(
    db: ResultsDB,
    instance: dg.DagsterInstance,
    settings: Settings,
    portfolio_id: int,
    data: bytes,
    actor: Actor,
    now: datetime | None = None,
) -> Amended:
    """Validate and apply an amendment, queue the day-level run it needs and audit it: all in one transaction.

    Raises `PortfolioNotFoundError`, `PortfolioImportError` (every problem, nothing written) and
    `PortfolioBusyError`. If queuing the run fails, the transaction rolls back: nothing is written.
    """
    now = now or datetime.now(UTC)
    latest = latest_trading_day(settings, now)
    key = str(portfolio_id)
    with db.transaction() as session:
        active_portfolio(session, portfolio_id)
        specs, problems = amendment_rows(data, today=now.date(), latest=latest)
        if key in busy_portfolios(instance, [key]):
            raise PortfolioBusyError(
                f"a run writing portfolio {portfolio_id} is queued or in progress; amend once it has finished"
            )
        result = apply_amendment(session, portfolio_id, specs, problems)
        day_run = None
        if key in onboarded_portfolio_keys(instance):  # else the onboarding sensor's first runs cover it all
            span = refresh_span(instance, session, result, settings.partitions_start, latest)
            if span is not None:
                day_run = enqueue_day_run(settings, instance, portfolio_id, *span, actor)
        record(session, actor, Action.PORTFOLIO_AMEND, f"portfolio:{portfolio_id}", audit_details(result, day_run))
    return Amended(result, day_run)


def refresh_span(
    instance: dg.DagsterInstance, session, result: AmendmentResult, partitions_start: date, latest: date
) -> tuple[date, date] | None:
    """[first day the day level must be recomputed, latest], or None when the stored day level serves.

    Needed from the first session since an added position's entry on which its price symbol has no
    day-level results, and from the first touched day the day level skipped (e.g. before the
    instance's history); the latest day is the daily schedule's own when it is not yet materialized.
    """
    starts = []
    for symbol, entry in result.new_price_symbols.items():
        days = calendar.sessions(max(entry, partitions_start), latest)
        have = queries.symbol_metric_days(session, [symbol], days[0], latest).get(symbol, set()) if days else set()
        missing = [d for d in days if d not in have]
        if missing:
            starts.append(missing[0])
    done = materialized_days(instance)
    last_done = max(done, default="")
    touched = calendar.sessions(max(result.earliest, partitions_start), latest)
    skipped = [d for d in touched if d.isoformat() not in done and d.isoformat() < last_done]
    if skipped:
        starts.append(skipped[0])
    return (min(starts), latest) if starts else None


def enqueue_day_run(
    settings: Settings, instance: dg.DagsterInstance, portfolio_id: int, start: date, end: date, actor: Actor
) -> DayRun:
    """Put a run of the day-level job over [start, end] on the daemon's queue, as a launch from the UI would."""
    job_def = build_definitions(settings).resolve_job_def(DAY_JOB)
    tags = {
        **job_def.run_tags,
        **day_range_tags(start, end, portfolio=str(portfolio_id)),
        AMENDMENT_TAG: str(portfolio_id),
        REQUESTED_BY_TAG: actor.tag,
    }
    plan = create_execution_plan(job_def, run_config={}, tags=tags)
    python_origin = ReconstructableRepository.for_module(DEFINITIONS_MODULE, DEFINITIONS_ATTRIBUTE, None)
    run = instance.create_run_for_job(
        job_def=job_def,
        execution_plan=plan,
        run_config={},
        tags=tags,
        remote_job_origin=job_origin(DAY_JOB),
        job_code_origin=python_origin.get_reconstructable_job(DAY_JOB).get_python_origin(),
    )
    instance.submit_run(run.run_id, workspace=None)  # the queued coordinator only enqueues it
    return DayRun(run.run_id, start, end)


def audit_details(result: AmendmentResult, day_run: DayRun | None) -> dict:
    return {
        "from": result.earliest.isoformat(),
        "added": result.count("add"),
        "exits": result.count("exit"),
        "marks": result.count("mark"),
        "positions": [c.position_id for c in result.changes],
        "rows_deleted": sum(result.deleted.values()),
        "day_run": None if day_run is None else day_run.run_id,
    }
