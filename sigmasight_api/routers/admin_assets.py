"""Admin overviews: per-asset partition status and checks, the data-quality roll-up, and stale portfolios."""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import dagster as dg
from dagster import DagsterRunStatus
from fastapi import APIRouter, Query

from sigmasight_api import pagination
from sigmasight_api.dagster_state import ACTIVE, utc
from sigmasight_api.deps import AdminUser, AssetGraphDep, InstanceDep, SessionDep, SettingsDep
from sigmasight_api.reads import aware
from sigmasight_api.run_details import latest_checks
from sigmasight_api.schemas import admin as s
from sigmasight_api.schemas.common import ErrorPublic
from sigmasight_assets.assets import DAY_ASSETS, PORTFOLIO_ASSETS
from sigmasight_assets.automation.bounds import last_partition
from sigmasight_assets.automation.planning import completed_portfolio_days, contiguous_blocks, missing_days
from sigmasight_resources import calendar
from sigmasight_resources.db import queries
from sigmasight_resources.db.admin_reads import (
    latest_quality_date,
    portfolios_latest_page,
    quality_flag_counts,
    skipped_positions_page,
    unavailable_symbol_rows,
)

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/assets/summary", response_model=list[s.AssetSummary])
def assets_summary(_: AdminUser, instance: InstanceDep, graph: AssetGraphDep) -> list[s.AssetSummary]:
    """Per asset: partitions materialized / failed / in progress / missing, last materialization, latest checks.

    A partition is a trading day for every asset; a portfolio-level one is materialized once any run
    wrote that day, for whichever portfolios it covered (per-portfolio completeness: `/admin/freshness`).
    """
    out = []
    for name in DAY_ASSETS + PORTFOLIO_ASSETS:
        key = dg.AssetKey(name)
        node = graph.get(key)
        total = node.partitions_def.get_num_partitions()
        materialized = instance.get_materialized_partitions(key)
        attempts = (
            instance.event_log_storage.get_latest_asset_partition_materialization_attempts_without_materializations(key)
        )
        statuses = _run_statuses(instance, {run_id for run_id, _ in attempts.values()})
        failed = sum(
            1
            for run_id, _ in attempts.values()
            if statuses.get(run_id) in (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)
        )
        running = sum(1 for run_id, _ in attempts.values() if statuses.get(run_id) in ACTIVE)
        event = instance.get_latest_materialization_event(key)
        last = (
            s.LastMaterialization(
                run_id=event.run_id,
                partition=event.dagster_event.partition if event.dagster_event else None,
                at=utc(event.timestamp),
            )
            if event
            else None
        )
        out.append(
            s.AssetSummary(
                asset=name,
                partitions_total=total,
                materialized=len(materialized),
                failed=failed,
                in_progress=running,
                missing=max(total - len(materialized) - failed - running, 0),
                last_materialization=last,
                checks=latest_checks(instance, sorted(node.check_keys, key=str)),
            )
        )
    return out


def _run_statuses(instance: dg.DagsterInstance, run_ids: set[str]) -> dict[str, DagsterRunStatus]:
    if not run_ids:
        return {}
    runs = instance.get_runs(dg.RunsFilter(run_ids=sorted(run_ids)))
    return {run.run_id: run.status for run in runs}


@router.get("/data-quality", response_model=s.DataQualityRollup, responses={422: {"model": ErrorPublic}})
def data_quality_rollup(
    _: AdminUser,
    session: SessionDep,
    day: Annotated[date | None, Query(alias="date", description="default: the latest date with results")] = None,
    limit: pagination.Limit = 100,
    cursor: pagination.Cursor = None,
) -> s.DataQualityRollup:
    """Across active portfolios: flags by count per asset, portfolios with skipped positions, unavailable symbols."""
    as_of = day or latest_quality_date(session)
    flags = quality_flag_counts(session, as_of)
    after = pagination.decode(cursor, list)
    if after is not None and (len(after) != 2 or not isinstance(after[0], int) or not isinstance(after[1], str)):
        raise pagination.invalid()
    fetched = skipped_positions_page(session, as_of, tuple(after) if after is not None else None, limit + 1)
    rows, next_cursor = pagination.page(fetched, limit, lambda r: [r.portfolio_id, r.asset])
    unavailable = unavailable_symbol_rows(session)
    return s.DataQualityRollup(
        as_of=as_of,
        flags=[s.FlagCount(asset=a, flag=f, count=n) for a, f, n in flags],
        skipped=[
            s.SkippedPositions(
                portfolio_id=r.portfolio_id,
                asset=r.asset,
                positions_total=r.positions_total,
                positions_analyzed=r.positions_analyzed,
                positions_skipped=r.positions_skipped,
            )
            for r in rows
        ],
        next_cursor=next_cursor,
        unavailable_symbols=[
            s.UnavailableSymbolPublic(symbol=u.symbol, reason=u.reason, checked_at=aware(u.checked_at))
            for u in unavailable
        ],
    )


@router.get("/freshness", response_model=s.FreshnessPublic, responses={422: {"model": ErrorPublic}})
def freshness(
    _: AdminUser,
    session: SessionDep,
    settings: SettingsDep,
    limit: pagination.Limit = 100,
    cursor: pagination.Cursor = None,
) -> s.FreshnessPublic:
    """Active portfolios with a hole anywhere in their history (since the first entry, within the
    partitions) or whose latest snapshot is older than the latest closed trading day; each lists its holes."""
    latest_day = last_partition(settings.partitions_end, datetime.now(UTC))
    after = pagination.decode(cursor, int)
    days = [d.isoformat() for d in calendar.sessions(settings.partitions_start, latest_day)]
    missing = missing_days(
        queries.first_entry_dates(session), days, completed_portfolio_days(session), settings.partitions_start
    )
    rows, next_cursor = pagination.page(
        portfolios_latest_page(session, sorted(int(p) for p in missing), latest_day, after, limit + 1),
        limit,
        lambda r: r.id,
    )
    items = [
        s.StalePortfolio(
            portfolio_id=r.id,
            name=r.name,
            latest_result=r.latest,
            trading_days_behind=len(calendar.sessions(r.latest + timedelta(days=1), latest_day)) if r.latest else None,
            missing_days=len(missing.get(str(r.id), [])),
            holes=[_hole(a, b) for a, b in contiguous_blocks(missing.get(str(r.id), []))],
        )
        for r in rows
    ]
    return s.FreshnessPublic(latest_trading_day=latest_day, items=items, next_cursor=next_cursor)


def _hole(first: str, last: str) -> s.Hole:
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    return s.Hole(first=a, last=b, days=len(calendar.sessions(a, b)))
