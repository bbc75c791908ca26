"""Failed ranged runs mark their days failed, with one planned event per asset kept for every run.

With DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS (the Makefile, the CLI and the deployment set
it) a ranged run logs one planned event per asset for its whole range instead of one per day;
Dagster 1.13 derives a partition's "failed" status only from a per-day planned event that a
failed run did not follow with a materialization, so such a run left its days unmarked. After a
run fails, this logs, into that run, a per-day planned event for every (asset, day) it planned
and did not materialize: Dagster's own record of a failed attempt, so the Partitions tab shows
those days failed until a later run materializes them. Logging per day on every run instead
costs 10× the per-partition event time on dagster-postgres (docs/OPERATIONS.md, "Failed days");
here it costs a batch of events only when a run fails.
"""

import logging

import dagster as dg
from dagster._core.events import (
    AssetMaterializationPlannedData,
    DagsterEvent,
    DagsterEventBatchMetadata,
    DagsterEventType,
    generate_event_batch_id,
)

PLANNED = DagsterEventType.ASSET_MATERIALIZATION_PLANNED
MATERIALIZED = DagsterEventType.ASSET_MATERIALIZATION


def unmarked_failed_partitions(instance: dg.DagsterInstance, run_id: str) -> list[DagsterEvent]:
    """Per-day planned events for the (asset, day) pairs the run planned as a range and did not materialize."""
    ranges: dict[tuple[dg.AssetKey, str | None, str], list[str]] = {}
    settled: set[tuple[dg.AssetKey, str | None]] = set()
    for record in instance.all_logs(run_id, of_type={PLANNED, MATERIALIZED}):
        event = record.dagster_event
        if event.event_type == MATERIALIZED:
            settled.add((event.asset_key, event.partition))
            continue
        planned = event.event_specific_data
        if planned.partitions_subset is None:
            settled.add((planned.asset_key, planned.partition))  # already planned per day (or unpartitioned)
        else:
            ranges[(planned.asset_key, event.step_key, event.job_name)] = list(
                planned.partitions_subset.get_partition_keys()
            )
    return [
        DagsterEvent.build_asset_materialization_planned_event(
            job_name, step_key, AssetMaterializationPlannedData(asset_key, partition=key)
        )
        for (asset_key, step_key, job_name), keys in ranges.items()
        for key in keys
        if (asset_key, key) not in settled
    ]


def mark_failed_partitions(instance: dg.DagsterInstance, run_id: str) -> int:
    """Log the failed run's unmarked days into it (one batch); how many (asset, day) pairs. Idempotent."""
    events = unmarked_failed_partitions(instance, run_id)
    batch = generate_event_batch_id()
    for i, event in enumerate(events):
        instance.report_dagster_event(
            event, run_id, logging.DEBUG, batch_metadata=DagsterEventBatchMetadata(batch, i == len(events) - 1)
        )
    return len(events)


@dg.run_failure_sensor(
    name="failed_partitions_sensor",
    description=(
        "Marks the days of a failed ranged run failed in each asset's partition status: the run's"
        " planned events cover its range in one event per asset, which Dagster does not mark."
    ),
    monitor_all_code_locations=True,  # in-process runs (CLI, tests) count whatever origin they record
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def failed_partitions_sensor(context: dg.RunFailureSensorContext) -> None:
    marked = mark_failed_partitions(context.instance, context.dagster_run.run_id)
    context.log.info(f"run {context.dagster_run.run_id}: {marked} asset-day partitions marked failed")
