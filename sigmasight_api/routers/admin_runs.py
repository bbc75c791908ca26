"""Admin control of runs: launch (as a backfill), list with filters, detail, cancel — all via the Dagster instance."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Annotated

import dagster as dg
from dagster import DagsterRunStatus, RunsFilter
from fastapi import APIRouter, Body, Path, Query, Response

from sigmasight_api import pagination
from sigmasight_api.dagster_state import first_error, run_brief, selected_assets, utc
from sigmasight_api.deps import AdminUser, AssetGraphDep, DbDep, InstanceDep, SessionDep, SettingsDep
from sigmasight_api.errors import ApiError
from sigmasight_api.launch import BACKFILL_TAG, AlreadyFinished, AlreadyRunning, Launch, cancel, submit
from sigmasight_api.run_details import asset_outcomes
from sigmasight_api.schemas.admin import CancelPublic, DailyLaunch, LaunchCreate, LaunchPublic, RunDetailPublic
from sigmasight_api.schemas.common import ErrorDetail, ErrorPublic, Page
from sigmasight_api.schemas.portfolios import RunBrief
from sigmasight_assets.assets import DAY_ASSETS, PORTFOLIO_ASSETS
from sigmasight_assets.automation.bounds import last_partition, outside
from sigmasight_resources import calendar
from sigmasight_resources.audit import CANCELED_BY_TAG, Action, api_actor, record
from sigmasight_resources.db import queries
from sigmasight_resources.db.models import Portfolio
from sigmasight_resources.settings import Settings

router = APIRouter(prefix="/admin/runs", tags=["admin"])
ERRORS = {404: {"model": ErrorPublic}, 409: {"model": ErrorPublic}, 422: {"model": ErrorPublic}}
MAX_RANGE_DAYS = 366 * 3
RunId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.post(
    "",
    status_code=202,
    response_model=LaunchPublic,
    responses={200: {"model": LaunchPublic, "description": "nothing to materialize"}, **ERRORS},
)
def launch(
    body: Annotated[LaunchCreate, Body()],
    response: Response,
    admin: AdminUser,
    session: SessionDep,
    db: DbDep,
    instance: InstanceDep,
    graph: AssetGraphDep,
    settings: SettingsDep,
) -> LaunchPublic:
    """Launch the daily materialization for a date, or a portfolio rerun over a range; 409 while the same runs.

    The runs carry the admin as `sigmasight/requested_by=user:<id>`, and the launch is audited.
    """
    actor = api_actor(admin)
    request = replace(_plan(body, session, settings), requested_by=actor.tag)
    try:
        launched = submit(instance, graph, session, request)
    except AlreadyRunning as exc:
        raise ApiError(
            409,
            "already_running",
            f"the same request is already queued or running: {exc.existing_id}",
            [ErrorDetail(field="id", message=exc.existing_id)],
        ) from exc
    if launched.backfill_id is None:
        response.status_code = 200
    public = LaunchPublic(
        status="launched" if launched.backfill_id else "up_to_date",
        backfill_id=launched.backfill_id,
        request_key=request.request_key,
        partitions=launched.partitions,
    )
    with db.transaction() as audit_session:
        details = {"request": body.model_dump(mode="json"), **public.model_dump(mode="json")}
        record(audit_session, actor, Action.RUN_LAUNCH, launched.backfill_id or request.request_key, details)
    return public


def _plan(body, session, settings: Settings) -> Launch:
    """Check the request against the calendar and the results DB; 422/404 name what is wrong."""
    now = datetime.now(UTC)
    if isinstance(body, DailyLaunch):
        start = end = body.date
    else:
        start, end = body.start, body.end
        if end < start:
            raise ApiError(422, "invalid_range", f"end {end} is before start {start}")
        if (end - start) > timedelta(days=MAX_RANGE_DAYS):
            raise ApiError(422, "invalid_range", f"the range is longer than {MAX_RANGE_DAYS} days")
    names = ("date", "date") if isinstance(body, DailyLaunch) else ("start", "end")
    problem = outside(start, end, settings.partitions_start, last_partition(settings.partitions_end, now), names)
    if problem:
        field, message = problem
        raise ApiError(422, "invalid_range", message, [ErrorDetail(field=field, message=message)])
    days = calendar.sessions(start, end)
    if not days:
        raise ApiError(422, "invalid_range", f"no NYSE trading day between {start} and {end}")
    if isinstance(body, DailyLaunch):
        return Launch(f"daily:{body.date}", days, queries.active_portfolio_ids(session), True, True)
    portfolio = session.get(Portfolio, body.portfolio_id)
    if portfolio is None or portfolio.deleted_at is not None:
        raise ApiError(404, "portfolio_not_found", f"portfolio {body.portfolio_id} not found")
    # A rerun recomputes the portfolio's results with `force`, else only the days it lacks; shared
    # market data only fills its gaps.
    return Launch(f"portfolio:{portfolio.id}:{start}:{end}", days, [portfolio.id], False, body.force)


@router.get("", response_model=Page[RunBrief], responses={422: {"model": ErrorPublic}})
def list_runs(
    _: AdminUser,
    instance: InstanceDep,
    status: Annotated[DagsterRunStatus | None, Query()] = None,
    portfolio: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    asset: Annotated[
        str | None,
        Query(
            description="only runs that selected this asset",
            json_schema_extra={"enum": [*DAY_ASSETS, *PORTFOLIO_ASSETS]},
        ),
    ] = None,
    since: Annotated[datetime | None, Query(description="created at or after (ISO 8601)")] = None,
    limit: pagination.Limit = 50,
    cursor: pagination.Cursor = None,
) -> Page[RunBrief]:
    """Runs, newest first, filtered by status, `portfolio` tag, selected asset and creation time."""
    if asset is not None and asset not in DAY_ASSETS + PORTFOLIO_ASSETS:
        raise ApiError(422, "unknown_asset", f"no asset named {asset!r}")
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    filters = RunsFilter(
        statuses=[status] if status else [],
        tags={"portfolio": str(portfolio)} if portfolio else {},
        created_after=since,
    )
    after = pagination.decode(cursor, str)
    found: list[dg.RunRecord] = []
    while len(found) <= limit:  # the asset filter is applied here, so fetch until the page is full
        batch = instance.get_run_records(filters, limit=limit + 1, cursor=after)
        found.extend(r for r in batch if asset is None or asset in selected_assets(r.dagster_run))
        if len(batch) <= limit:
            break
        after = batch[-1].dagster_run.run_id
    rows, next_cursor = pagination.page(found, limit, lambda r: r.dagster_run.run_id)
    return Page(items=[run_brief(r) for r in rows], next_cursor=next_cursor)


@router.get("/{run_id}", response_model=RunDetailPublic, responses={404: {"model": ErrorPublic}})
def run_detail(run_id: RunId, _: AdminUser, instance: InstanceDep) -> RunDetailPublic:
    """A run, or a backfill with its runs: per-asset partitions materialized/failed, timings, errors, checks."""
    record = instance.get_run_record_by_id(run_id)
    if record is not None:
        brief = run_brief(record)
        return RunDetailPublic(
            kind="run",
            id=run_id,
            status=brief.status,
            tags=brief.tags,
            created_at=brief.created_at,
            started_at=brief.started_at,
            ended_at=brief.ended_at,
            assets=asset_outcomes(instance, [run_id]),
            runs=[],
            error=first_error(instance, run_id) if record.dagster_run.status is DagsterRunStatus.FAILURE else None,
        )
    backfill = instance.get_backfill(run_id)
    if backfill is None:
        raise ApiError(404, "run_not_found", f"no run or backfill with id {run_id}")
    runs = instance.get_run_records(RunsFilter(tags={BACKFILL_TAG: run_id}))
    failed = next((r for r in runs if r.dagster_run.status is DagsterRunStatus.FAILURE), None)
    return RunDetailPublic(
        kind="backfill",
        id=run_id,
        status=backfill.status.value,
        tags=dict(backfill.tags),
        created_at=utc(backfill.backfill_timestamp),
        started_at=min((utc(r.start_time) for r in runs if r.start_time), default=None),
        ended_at=utc(backfill.backfill_end_timestamp),
        assets=asset_outcomes(instance, [r.dagster_run.run_id for r in reversed(runs)]),
        runs=[run_brief(r) for r in runs],
        error=first_error(instance, failed.dagster_run.run_id) if failed else None,
    )


@router.post("/{run_id}/cancel", status_code=202, response_model=CancelPublic, responses=ERRORS)
def cancel_run(run_id: RunId, admin: AdminUser, db: DbDep, instance: InstanceDep) -> CancelPublic:
    """Cancel a queued or running run (through the run coordinator) or a backfill (the daemon stops its runs).

    Audited; a canceled run is also tagged `sigmasight/canceled_by=user:<id>`.
    """
    try:
        outcome = cancel(instance, run_id)
    except AlreadyFinished as exc:
        raise ApiError(409, "already_finished", str(exc)) from exc
    if outcome is None:
        raise ApiError(404, "run_not_found", f"no run or backfill with id {run_id}")
    kind, status = outcome
    actor = api_actor(admin)
    if kind == "run":
        instance.add_run_tags(run_id, {CANCELED_BY_TAG: actor.tag})
    with db.transaction() as session:
        record(session, actor, Action.RUN_CANCEL, run_id, {"kind": kind, "status": status})
    return CancelPublic(id=run_id, kind=kind, status=status)
