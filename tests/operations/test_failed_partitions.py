"""A failed ranged run marks its days failed in the partition status, with the planned-event subset setting on."""

import dagster as dg
import pytest

from benchmarks.scenarios.pipeline import STOCKS
from sigmasight_assets.automation.failed_partitions import failed_partitions_sensor, mark_failed_partitions
from sigmasight_assets.pipeline.tags import day_range_tags
from sigmasight_resources.market_data import PermanentMarketDataError, SimulatedMarketData
from tests.support.bench import Bench

DAYS = ["2025-03-04", "2025-03-05", "2025-03-06"]
SELECTION = ("market_prices", "symbol_metrics")  # a failing asset and one it holds back
FAILED, MATERIALIZED = dg.AssetPartitionStatus.FAILED, dg.AssetPartitionStatus.MATERIALIZED


@pytest.fixture(autouse=True)
def subset_planned_events(monkeypatch):
    """What the Makefile and the CLI set: one planned event per asset for a ranged run."""
    monkeypatch.setenv("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "true")
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "1000")


def day_run(bench: Bench, first: str, last: str) -> dg.DagsterRun:
    result = dg.materialize(
        list(bench.defs.assets),
        selection=list(SELECTION),
        instance=bench.instance,
        resources=bench.defs.resources,
        tags=day_range_tags(first, last),
        raise_on_error=False,
    )
    return bench.instance.get_run_by_id(result.run_id)


def statuses(bench: Bench, asset: str) -> list:
    partitions = bench.defs.get_assets_def(asset).partitions_def
    by_key = bench.instance.get_status_by_partition(dg.AssetKey(asset), DAYS, partitions)
    return [by_key[day] for day in DAYS]


def evaluate_sensor(bench: Bench, run: dg.DagsterRun) -> None:
    event = next(e for e in bench.instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE))
    with dg.build_run_status_sensor_context(
        sensor_name="failed_partitions_sensor",
        dagster_instance=bench.instance,
        dagster_run=run,
        dagster_event=event.dagster_event,
    ) as context:
        failed_partitions_sensor(context.for_run_failure())


def test_a_failed_ranged_run_marks_its_days_failed(bench: Bench, monkeypatch):
    bench.add_portfolio("failing", [dict(s) for s in STOCKS[:2]])
    assert day_run(bench, DAYS[0], DAYS[0]).status == dg.DagsterRunStatus.SUCCESS

    def refuse(self, symbols, start, end):
        raise PermanentMarketDataError("401: bad API key")

    with monkeypatch.context() as patched:
        patched.setattr(SimulatedMarketData, "daily_closes", refuse)
        failed = day_run(bench, DAYS[0], DAYS[-1])
    assert failed.status == dg.DagsterRunStatus.FAILURE
    assert statuses(bench, "market_prices") == [MATERIALIZED, None, None]  # what the setting alone leaves

    evaluate_sensor(bench, failed)
    for asset in SELECTION:
        assert statuses(bench, asset) == [FAILED] * 3, asset
    assert mark_failed_partitions(bench.instance, failed.run_id) == 0  # idempotent

    assert day_run(bench, DAYS[1], DAYS[1]).status == dg.DagsterRunStatus.SUCCESS
    assert statuses(bench, "market_prices") == [FAILED, MATERIALIZED, FAILED]
