"""What the Dagster instance knows about runs, partitions and checks, in the API's terms.

Everything here reads the instance's own storage (run records, event log, partition
materializations); the API keeps no bookkeeping of its own, so runs launched by the CLI, the
sensor, a schedule, a backfill or this API all show up the same way.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

import dagster as dg
from dagster import DagsterEventType, DagsterRunStatus, RunsFilter

from sigmasight_api.schemas.portfolios import LogEntry, RunBrief, StepError
from sigmasight_assets.pipeline.tags import ONBOARDING_TAG, PORTFOLIO_TAG, run_dates

PARTITION_TAG = "dagster/partition"
QUEUED = (DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED)
RUNNING = (DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING)
ACTIVE = QUEUED + RUNNING
FAILED = (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)


def utc(timestamp: float | None) -> datetime | None:
    return datetime.fromtimestamp(timestamp, UTC) if timestamp is not None else None


def run_brief(record: dg.RunRecord) -> RunBrief:
    run = record.dagster_run
    return RunBrief(
        run_id=run.run_id,
        status=run.status.value,
        tags=dict(run.tags),
        created_at=record.create_timestamp.astimezone(UTC),
        started_at=utc(record.start_time),
        ended_at=utc(record.end_time),
    )


def selected_assets(run: dg.DagsterRun) -> set[str]:
    """Assets a run selected: its asset selection, else (in-process `materialize` runs) its step keys."""
    return {key.to_user_string() for key in run.asset_selection or ()} or set(run.step_keys_to_execute or ())


def portfolio_runs(instance: dg.DagsterInstance, portfolio_id: int, limit: int = 50) -> list[dg.RunRecord]:
    """Runs for one portfolio, newest first: tagged `portfolio=<id>` or `sigmasight/onboarding=<id>`."""
    records: dict[str, dg.RunRecord] = {}
    for tag in (PORTFOLIO_TAG, ONBOARDING_TAG):
        for record in instance.get_run_records(RunsFilter(tags={tag: str(portfolio_id)}), limit=limit):
            records[record.dagster_run.run_id] = record
    return sorted(records.values(), key=lambda r: r.create_timestamp, reverse=True)[:limit]


def run_days(run: dg.DagsterRun) -> tuple[date, date] | None:
    """The first and last date a run covers, from its partition (range) tags; None when unpartitioned."""
    span = run_dates(run.tags)
    if span is None and PARTITION_TAG in run.tags:
        span = (run.tags[PARTITION_TAG],) * 2
    if span is None:
        return None
    try:
        return date.fromisoformat(span[0]), date.fromisoformat(span[1])
    except ValueError:  # a partition key that is not ours (another code location): no dates to report
        return None


def error_message(error) -> str:
    """The message of the innermost cause: Dagster wraps the asset's own exception in a step error."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def first_error(instance: dg.DagsterInstance, run_id: str) -> StepError | None:
    """The first step failure of a run, else its run-failure message."""
    for event_type in (DagsterEventType.STEP_FAILURE, DagsterEventType.RUN_FAILURE):
        for entry in instance.all_logs(run_id, of_type=event_type):
            data = entry.dagster_event.event_specific_data if entry.dagster_event else None
            error = getattr(data, "error", None)
            message = error_message(error) if error else entry.message
            return StepError(run_id=run_id, step=entry.step_key, message=message)
    return None


def log_entry(entry) -> LogEntry:
    return LogEntry(
        timestamp=utc(entry.timestamp),
        run_id=entry.run_id,
        step=entry.step_key,
        event=entry.dagster_event.event_type.name if entry.dagster_event else None,
        level=logging.getLevelName(entry.level),
        message=(
            entry.dagster_event.message if entry.dagster_event and entry.dagster_event.message else entry.user_message
        ),
    )


def recent_events(instance: dg.DagsterInstance, run_ids: Iterable[str], count: int = 50) -> list[LogEntry]:
    """The last `count` event-log entries across the runs, oldest first."""
    entries = []
    for run_id in run_ids:
        records = instance.get_records_for_run(run_id, limit=count, ascending=False).records
        entries.extend(r.event_log_entry for r in records)
    entries.sort(key=lambda e: e.timestamp)
    return [log_entry(e) for e in entries[-count:]]


def materialized_keys(instance: dg.DagsterInstance, assets: Sequence[str]) -> dict[str, set[str]]:
    return {name: instance.get_materialized_partitions(dg.AssetKey(name)) for name in assets}
