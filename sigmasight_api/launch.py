"""Admin launches as Dagster asset backfills, deduplicated by a request tag, canceled through the instance.

Why backfills: a launch spans both partitions definitions (day-level and date × portfolio), and
the backfill daemon orders them — the day-level run first, then the portfolio runs — and
records every run in the instance. The API only writes the backfill; it never executes steps.

Why no second writer: every launch carries `sigmasight/request=<key>` (same key for the same
scope: a date, or a portfolio and range). While a backfill or run with that tag is active, a
new launch answers 409 with its id. The backfill id is derived from the key and the number of
earlier launches of it, so two simultaneous requests (even from two API processes) compute
the same id and the instance's unique key lets only one insert through.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import date

import dagster as dg
from dagster import DagsterRunStatus, RunsFilter
from dagster._core.definitions.assets.graph.asset_graph_subset import AssetGraphSubset
from dagster._core.execution.backfill import (
    BULK_ACTION_TERMINAL_STATUSES,
    BulkActionsFilter,
    BulkActionStatus,
    PartitionBackfill,
)
from sqlalchemy.exc import IntegrityError

from sigmasight_api.dagster_state import ACTIVE
from sigmasight_assets.definitions import DAY_ASSETS, PORTFOLIO_ASSETS
from sigmasight_assets.runner import ensure_portfolio_partitions

REQUEST_TAG = "sigmasight/request"
BACKFILL_TAG = "dagster/backfill"
ACTIVE_BACKFILL = [s for s in BulkActionStatus if s not in BULK_ACTION_TERMINAL_STATUSES
                   and s is not BulkActionStatus.COMPLETED]


class AlreadyRunning(Exception):
    """The same request is queued or running; `existing_id` is its backfill (or run) id."""

    def __init__(self, existing_id: str) -> None:
        super().__init__(existing_id)
        self.existing_id = existing_id


class AlreadyFinished(Exception):
    """The run or backfill to cancel has already finished."""


@dataclass(frozen=True)
class Launch:
    """What to materialize; partitions already materialized are skipped unless their level is recomputed."""

    request_key: str
    days: list[date]
    portfolio_ids: list[int]
    recompute_market: bool
    recompute_portfolios: bool


@dataclass(frozen=True)
class Launched:
    backfill_id: str | None
    partitions: int


def active_request(instance: dg.DagsterInstance, request_key: str) -> str | None:
    """Id of an unfinished backfill or run carrying this request key, if any."""
    tags = {REQUEST_TAG: request_key}
    backfills = instance.get_backfills(filters=BulkActionsFilter(statuses=ACTIVE_BACKFILL, tags=tags), limit=1)
    if backfills:
        return backfills[0].backfill_id
    runs = instance.get_run_records(RunsFilter(tags=tags, statuses=list(ACTIVE)), limit=1)
    return runs[0].dagster_run.run_id if runs else None


def submit(instance: dg.DagsterInstance, graph, launch: Launch) -> Launched:
    """Request the launch's partitions as one backfill; raise `AlreadyRunning` for a duplicate."""
    existing = active_request(instance, launch.request_key)
    if existing:
        raise AlreadyRunning(existing)
    ensure_portfolio_partitions(instance, launch.portfolio_ids)
    wanted = {name: keys for name, keys in _wanted(instance, launch).items() if keys}
    if not wanted:
        return Launched(None, 0)
    subsets = {}
    with dg.partition_loading_context(dynamic_partitions_store=instance):
        for name, keys in wanted.items():
            key = dg.AssetKey(name)
            subsets[key] = graph.get(key).partitions_def.empty_subset().with_partition_keys(sorted(keys))
    previous = instance.get_backfills_count(BulkActionsFilter(tags={REQUEST_TAG: launch.request_key}))
    backfill_id = hashlib.sha256(f"{launch.request_key}#{previous}".encode()).hexdigest()[:16]
    backfill = PartitionBackfill.from_asset_graph_subset(
        backfill_id=backfill_id,
        backfill_timestamp=time.time(),
        tags={REQUEST_TAG: launch.request_key},
        dynamic_partitions_store=instance,
        asset_graph_subset=AssetGraphSubset(partitions_subsets_by_asset_key=subsets, non_partitioned_asset_keys=set()),
        title=f"sigmasight {launch.request_key}",
        description=None,
        run_config=None,
    )
    try:
        instance.add_backfill(backfill)
    except IntegrityError as exc:  # the same request won the race a moment ago
        raise AlreadyRunning(active_request(instance, launch.request_key) or backfill_id) from exc
    return Launched(backfill_id, sum(len(keys) for keys in wanted.values()))


def _wanted(instance: dg.DagsterInstance, launch: Launch) -> dict[str, set[str]]:
    """Partition keys per asset: the launch's days (× portfolios), less those kept as materialized."""
    days = {d.isoformat() for d in launch.days}
    box = {f"{d}|{p}" for d in days for p in launch.portfolio_ids}
    levels = [(DAY_ASSETS, days, launch.recompute_market), (PORTFOLIO_ASSETS, box, launch.recompute_portfolios)]
    wanted = {}
    for assets, keys, recompute in levels:
        for name in assets:
            done = set() if recompute else instance.get_materialized_partitions(dg.AssetKey(name))
            wanted[name] = keys - done
    return wanted


def cancel(instance: dg.DagsterInstance, identifier: str) -> tuple[str, str] | None:
    """Cancel a run or a backfill; (kind, new status), or None when neither exists.

    Raises `AlreadyFinished` when it has.
    """
    run = instance.get_run_by_id(identifier)
    if run is not None:
        if run.status not in ACTIVE:
            raise AlreadyFinished(f"run {identifier} already finished ({run.status.value})")
        if run.status is not DagsterRunStatus.CANCELING:
            instance.run_coordinator.cancel_run(identifier)
        return "run", instance.get_run_by_id(identifier).status.value
    backfill = instance.get_backfill(identifier)
    if backfill is None:
        return None
    if backfill.status not in ACTIVE_BACKFILL:
        raise AlreadyFinished(f"backfill {identifier} already finished ({backfill.status.value})")
    if backfill.status is BulkActionStatus.REQUESTED:
        # What the Dagster UI does: the backfill daemon cancels the backfill's runs and marks it CANCELED.
        instance.update_backfill(backfill.with_status(BulkActionStatus.CANCELING))
    return "backfill", instance.get_backfill(identifier).status.value
