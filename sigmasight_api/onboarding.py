"""A portfolio's onboarding status, from the Dagster instance and the portfolio's own results.

`not_found`: the instance has neither the portfolio in its registry of onboarded portfolios (the
`portfolio` dynamic partitions) nor a run for it (the sensor has not seen the upload yet).
`pending`: it is registered or runs are queued, none started. `running`: a run for it is
starting, running or canceling. `failed`: the newest run failed or was canceled. `completed`: the
newest run succeeded and every asset has every trading day of the runs' date span (otherwise more
runs are due: `pending`).

A day-level asset has a day when the instance has that partition materialized. A portfolio-level
partition is a day across every portfolio, so it says nothing about this one: a portfolio-level
asset has a day when it wrote this portfolio's `data_quality` row for it, in the same transaction
as its results (the same record of completion the sensors use, `planning.completed_portfolio_days`).
"""

import time
from datetime import date

import dagster as dg
from sqlalchemy.orm import Session

from sigmasight_api import dagster_state as state
from sigmasight_api.schemas.portfolios import AssetProgress, OnboardingPublic
from sigmasight_assets.assets import DAY_ASSETS, PORTFOLIO_ASSETS
from sigmasight_assets.automation.registry import onboarded_portfolio_keys
from sigmasight_resources import calendar
from sigmasight_resources.db.result_reads import days_written_per_asset

EVENTS = 50


def onboarding_status(instance: dg.DagsterInstance, session: Session, portfolio_id: int) -> OnboardingPublic:
    records = state.portfolio_runs(instance, portfolio_id)
    progress = _progress(instance, session, portfolio_id, records)
    complete = all(p.materialized == p.total for p in progress)
    statuses = {r.dagster_run.status for r in records}
    error = None
    if not records:
        known = str(portfolio_id) in onboarded_portfolio_keys(instance)
        status = "pending" if known else "not_found"
    elif statuses & set(state.RUNNING):
        status = "running"
    elif statuses & set(state.QUEUED):
        status = "pending"
    elif records[0].dagster_run.status in state.FAILED:
        status = "failed"
        error = state.first_error(instance, records[0].dagster_run.run_id)
    else:
        status = "completed" if complete else "pending"
    return OnboardingPublic(
        portfolio_id=portfolio_id,
        status=status,
        runs=[state.run_brief(r) for r in records],
        progress=progress,
        elapsed_seconds=_elapsed(records),
        error=error,
        events=state.recent_events(instance, [r.dagster_run.run_id for r in records], EVENTS),
    )


def _progress(
    instance: dg.DagsterInstance, session: Session, portfolio_id: int, records: list[dg.RunRecord]
) -> list[AssetProgress]:
    """Days done / trading days the runs cover, per asset (see the module docstring for "done")."""
    sessions: set[date] = set()
    for record in records:
        span = state.run_days(record.dagster_run)
        if span:
            sessions.update(calendar.sessions(*span))
    if not sessions:
        return []
    days = {d.isoformat() for d in sessions}
    done = {
        **state.materialized_keys(instance, DAY_ASSETS),
        **days_written_per_asset(session, portfolio_id, PORTFOLIO_ASSETS, min(sessions), max(sessions)),
    }
    return [
        AssetProgress(asset=name, materialized=len(days & done.get(name, set())), total=len(days))
        for name in DAY_ASSETS + PORTFOLIO_ASSETS
    ]


def _elapsed(records: list[dg.RunRecord]) -> float | None:
    """From the first run's creation to the last run's end (or now while any is unfinished)."""
    if not records:
        return None
    began = min(r.create_timestamp.timestamp() for r in records)
    unfinished = any(r.dagster_run.status in state.ACTIVE for r in records)
    ended = time.time() if unfinished else max((r.end_time or r.update_timestamp.timestamp()) for r in records)
    return round(max(ended - began, 0.0), 3)
