"""A portfolio's onboarding status, derived from the Dagster instance alone.

`not_found`: the instance has neither a `portfolio` partition nor a run for it (the sensor has
not seen the upload yet). `pending`: the partition exists or runs are queued, none started.
`running`: a run for it is starting, running or canceling. `failed`: the newest run failed or
was canceled. `completed`: the newest run succeeded and every asset has every partition of the
runs' date span materialized for this portfolio (otherwise more runs are due: `pending`).
"""

from __future__ import annotations

import time

import dagster as dg

from sigmasight_api import dagster_state as state
from sigmasight_api.schemas.portfolios import AssetProgress, OnboardingPublic
from sigmasight_assets.definitions import DAY_ASSETS, PORTFOLIO_ASSETS
from sigmasight_resources import calendar

EVENTS = 50


def onboarding_status(instance: dg.DagsterInstance, portfolio_id: int) -> OnboardingPublic:
    records = state.portfolio_runs(instance, portfolio_id)
    progress = _progress(instance, portfolio_id, records)
    complete = all(p.materialized == p.total for p in progress)
    statuses = {r.dagster_run.status for r in records}
    error = None
    if not records:
        known = str(portfolio_id) in instance.get_dynamic_partitions("portfolio")
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


def _progress(instance: dg.DagsterInstance, portfolio_id: int, records: list[dg.RunRecord]) -> list[AssetProgress]:
    """Materialized / total partitions per asset over the trading days the runs cover."""
    days: set = set()
    for record in records:
        span = state.run_days(record.dagster_run)
        if span:
            days.update(calendar.sessions(*span))
    if not days:
        return []
    keys = state.materialized_keys(instance, DAY_ASSETS + PORTFOLIO_ASSETS)
    wanted = {name: {d.isoformat() for d in days} for name in DAY_ASSETS}
    wanted |= {name: {f"{d.isoformat()}|{portfolio_id}" for d in days} for name in PORTFOLIO_ASSETS}
    return [
        AssetProgress(asset=name, materialized=len(wanted[name] & keys[name]), total=len(wanted[name]))
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
