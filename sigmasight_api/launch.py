"""Admin launches as Dagster asset backfills, deduplicated by a request tag, canceled through the instance.

Why backfills: the backfill daemon launches and records the runs in the instance, so a launch
shows up like any other run; the API only writes the backfill and never executes steps. Every
asset is partitioned by trading day with a single-run backfill policy, so the daemon puts the
assets requested over the same days in one run: a daily launch is one run of all ten assets,
day-level and portfolio-level together, in dependency order. The portfolios are not partitions:
they go in the backfill's tags, which the daemon copies onto every run of it
(`sigmasight/portfolios`, plus `portfolio` for a single one, as on the sensors' runs), with the
run's `sigmasight/level`.

Why no second writer: every launch carries `sigmasight/request=<key>` (same key for the same
scope: a date, or a portfolio and range). While a backfill or run with that tag is active, a
new launch answers 409 with its id. The backfill id is derived from the key and the number of
earlier launches of it, so two simultaneous requests (even from two API processes) compute
the same id and the instance's unique key lets only one insert through.
"""

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
from sqlalchemy.orm import Session

from sigmasight_api.dagster_state import ACTIVE
from sigmasight_assets.assets import DAY_ASSETS, PORTFOLIO_ASSETS
from sigmasight_assets.automation.planning import completed_portfolio_days
from sigmasight_assets.automation.registry import register_onboarded_portfolios
from sigmasight_assets.pipeline.tags import (
    DAY_LEVEL,
    LEVEL_TAG,
    PORTFOLIO_LEVEL,
    PORTFOLIO_TAG,
    PORTFOLIOS_TAG,
    portfolio_range_tags,
)
from sigmasight_resources.audit import REQUESTED_BY_TAG

REQUEST_TAG = "sigmasight/request"
BACKFILL_TAG = "dagster/backfill"
ACTIVE_BACKFILL = [
    s for s in BulkActionStatus if s not in BULK_ACTION_TERMINAL_STATUSES and s is not BulkActionStatus.COMPLETED
]


class AlreadyRunning(Exception):
    """The same request is queued or running; `existing_id` is its backfill (or run) id."""

    def __init__(self, existing_id: str) -> None:
        super().__init__(existing_id)
        self.existing_id = existing_id


class AlreadyFinished(Exception):
    """The run or backfill to cancel has already finished."""


@dataclass(frozen=True)
class Launch:
    """Every asset over `days` for `portfolio_ids`; days already done are skipped unless their level is recomputed."""

    request_key: str
    days: list[date]
    portfolio_ids: list[int]
    recompute_market: bool
    recompute_portfolios: bool
    requested_by: str | None = None  # the actor's tag (`audit.Actor.tag`), copied onto every run as REQUESTED_BY_TAG


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


def submit(instance: dg.DagsterInstance, graph, session: Session, launch: Launch) -> Launched:
    """Request the launch's days as one backfill; raise `AlreadyRunning` for a duplicate.

    The portfolios join the registry of onboarded ones, as with the CLI (`in_process.plan_runs`): the
    close sensor keeps only registered portfolios current.
    """
    existing = active_request(instance, launch.request_key)
    if existing:
        raise AlreadyRunning(existing)
    register_onboarded_portfolios(instance, launch.portfolio_ids)
    wanted = {name: days for name, days in _wanted(instance, session, launch).items() if days}
    if not wanted:
        return Launched(None, 0)
    subsets = {}
    for name, days in wanted.items():
        key = dg.AssetKey(name)
        subsets[key] = graph.get(key).partitions_def.empty_subset().with_partition_keys(sorted(days))
    previous = instance.get_backfills_count(BulkActionsFilter(tags={REQUEST_TAG: launch.request_key}))
    backfill_id = hashlib.sha256(f"{launch.request_key}#{previous}".encode()).hexdigest()[:16]
    backfill = PartitionBackfill.from_asset_graph_subset(
        backfill_id=backfill_id,
        backfill_timestamp=time.time(),
        tags={REQUEST_TAG: launch.request_key, **_run_tags(launch, wanted), **_requested_by(launch)},
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
    return Launched(backfill_id, sum(len(days) for days in wanted.values()))


def _wanted(instance: dg.DagsterInstance, session: Session, launch: Launch) -> dict[str, set[str]]:
    """Day keys per asset: the launch's days, less those kept as done.

    A day-level day is done when the instance has it materialized. A portfolio-level partition is a
    day across all portfolios, so the instance cannot say whether these portfolios have it: a day
    is done when every launched portfolio has all its portfolio-level results (`data_quality` rows).
    """
    days = {d.isoformat() for d in launch.days}
    wanted = {}
    for name in DAY_ASSETS:
        done = set() if launch.recompute_market else instance.get_materialized_partitions(dg.AssetKey(name))
        wanted[name] = days - done
    portfolio_days = days if launch.portfolio_ids else set()
    if portfolio_days and not launch.recompute_portfolios:
        completed = completed_portfolio_days(session)
        portfolio_days -= set.intersection(*(completed.get(str(p), set()) for p in launch.portfolio_ids))
    return wanted | {name: portfolio_days for name in PORTFOLIO_ASSETS}


def _run_tags(launch: Launch, wanted: dict[str, set[str]]) -> dict[str, str]:
    """The tags the daemon copies onto the backfill's runs: level and portfolios (it sets the range itself).

    A run that writes portfolios is `portfolio`-level even with day-level steps in it: the close
    sensor then counts its portfolios as in flight (`planning.busy_portfolios`) and dagster.yaml's
    limit on portfolio-level runs holds. Its day-level steps are then outside the day-level limit,
    which is safe: market_prices inserts only unstored (symbol, date) pairs (a concurrent writer's
    rows win), and the symbol tables are replaced under a lock.
    """
    tags = {LEVEL_TAG: PORTFOLIO_LEVEL if wanted.keys() & set(PORTFOLIO_ASSETS) else DAY_LEVEL}
    if launch.portfolio_ids:
        named = portfolio_range_tags(launch.days[0], launch.days[-1], launch.portfolio_ids)
        tags |= {name: named[name] for name in (PORTFOLIOS_TAG, PORTFOLIO_TAG) if name in named}
    return tags


def _requested_by(launch: Launch) -> dict[str, str]:
    return {REQUESTED_BY_TAG: launch.requested_by} if launch.requested_by else {}


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
