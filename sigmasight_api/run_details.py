"""Per-asset, per-partition outcome of runs, read from their event logs; and latest asset-check results."""

from collections.abc import Iterable

import dagster as dg
from dagster import DagsterEventType

from sigmasight_api.dagster_state import error_message, utc
from sigmasight_api.schemas.admin import AssetOutcome, CheckResult

EVENTS = {
    DagsterEventType.STEP_START,
    DagsterEventType.STEP_SUCCESS,
    DagsterEventType.STEP_FAILURE,
    DagsterEventType.ASSET_MATERIALIZATION,
    DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
    DagsterEventType.ASSET_CHECK_EVALUATION,
}


class _Asset:
    """Accumulates one asset's events across runs."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.ended: float | None = None
        self.failed_step = False
        self.planned: set[str] = set()
        self.materialized: set[str] = set()
        self.error: str | None = None
        self.checks: list[CheckResult] = []


def asset_outcomes(instance: dg.DagsterInstance, run_ids: Iterable[str]) -> list[AssetOutcome]:
    assets: dict[str, _Asset] = {}
    for run_id in run_ids:
        for entry in instance.all_logs(run_id, of_type=EVENTS):
            _apply(assets, run_id, entry)
    return [_outcome(name, a) for name, a in sorted(assets.items())]


def _apply(assets: dict[str, _Asset], run_id: str, entry) -> None:
    event = entry.dagster_event
    kind = event.event_type
    if kind in (DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
        asset = assets.setdefault(entry.step_key, _Asset())
        if kind is DagsterEventType.STEP_START:
            asset.started = min(filter(None, (asset.started, entry.timestamp)))
        else:
            asset.ended = max(filter(None, (asset.ended, entry.timestamp)))
        if kind is DagsterEventType.STEP_FAILURE:
            asset.failed_step = True
            error = event.event_specific_data.error
            asset.error = error_message(error) if error else "step failed"
        return
    if kind is DagsterEventType.ASSET_CHECK_EVALUATION:
        data = event.event_specific_data
        assets.setdefault(data.asset_key.to_user_string(), _Asset()).checks.append(
            CheckResult(
                check=data.check_name,
                status="SUCCEEDED" if data.passed else "FAILED",
                passed=data.passed,
                run_id=run_id,
                partition=getattr(data, "partition", None),
                evaluated_at=utc(entry.timestamp),
            )
        )
        return
    asset = assets.setdefault(event.asset_key.to_user_string(), _Asset())
    if kind is DagsterEventType.ASSET_MATERIALIZATION:
        if event.partition:
            asset.materialized.add(event.partition)
        return
    data = event.event_specific_data  # ASSET_MATERIALIZATION_PLANNED: one partition, or a range's subset
    if data.partition:
        asset.planned.add(data.partition)
    elif data.partitions_subset is not None:
        asset.planned.update(data.partitions_subset.get_partition_keys())


def _outcome(name: str, a: _Asset) -> AssetOutcome:
    if a.failed_step:
        status = "failed"
    elif a.ended is not None:
        status = "succeeded"
    elif a.started is not None:
        status = "running"
    else:
        status = "skipped"
    seconds = round(a.ended - a.started, 3) if a.started is not None and a.ended is not None else None
    failed = sorted(a.planned - a.materialized) if a.failed_step else []
    return AssetOutcome(
        asset=name,
        status=status,
        started_at=utc(a.started),
        ended_at=utc(a.ended),
        seconds=seconds,
        materialized=sorted(a.materialized),
        failed=failed,
        error=a.error,
        checks=a.checks,
    )


def latest_checks(instance: dg.DagsterInstance, check_keys: Iterable[dg.AssetCheckKey]) -> list[CheckResult]:
    """The latest evaluation of each check, from the instance's check records."""
    out = []
    for key in check_keys:
        record = instance.get_latest_asset_check_evaluation_record(key)
        if record is None:
            out.append(
                CheckResult(
                    check=key.name, status="NEVER_RUN", passed=None, run_id=None, partition=None, evaluated_at=None
                )
            )
            continue
        evaluation = (
            record.event.dagster_event.event_specific_data if record.event and record.event.dagster_event else None
        )
        passed = evaluation.passed if isinstance(evaluation, dg.AssetCheckEvaluation) else None
        out.append(
            CheckResult(
                check=key.name,
                status=record.status.value,
                passed=passed,
                run_id=record.run_id,
                partition=record.partition,
                evaluated_at=utc(record.create_timestamp),
            )
        )
    return out
