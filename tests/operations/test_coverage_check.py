"""The coverage check per day and each day's stored-results metadata, after runs that write different portfolios."""

from datetime import date

import dagster as dg
from dagster._core.event_api import PartitionKeyFilter

from benchmarks.scenarios.pipeline import STOCKS
from sigmasight_assets.automation.coverage import COVERAGE_CHECK, TARGET
from sigmasight_assets.automation.registry import register_onboarded_portfolios
from tests.support.bench import Bench

START, MIDDLE, END = date(2025, 3, 3), date(2025, 3, 5), date(2025, 3, 7)
CHECK_KEY = dg.AssetCheckKey(dg.AssetKey(TARGET), COVERAGE_CHECK)


def coverage(bench: Bench, day: str) -> tuple[bool, dict]:
    """The latest evaluation of the coverage check for `day`: passed, and its metadata as plain values."""
    records = bench.instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [CHECK_KEY], partition_filter=PartitionKeyFilter(key=day)
    )
    evaluation = records[CHECK_KEY].event.dagster_event.event_specific_data
    assert evaluation.partition == day
    return evaluation.passed, {name: value.value for name, value in evaluation.metadata.items()}


def day_metadata(bench: Bench, asset: str, day: str) -> dict:
    """The metadata of the latest materialization of `asset` for `day`, as plain values."""
    filter_ = dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[day])
    record = bench.instance.fetch_materializations(filter_, limit=1).records[0]
    return {name: value.value for name, value in record.asset_materialization.metadata.items()}


def positions() -> list[dict]:
    return [dict(s) for s in STOCKS[:2]]


def test_coverage_check_names_a_missing_portfolio_and_passes_a_complete_day(bench: Bench):
    first = bench.add_portfolio("first", positions())
    second = bench.add_portfolio("second", positions())
    assert all(o.success for o in bench.run(START, END, [first]))  # registers only `first`
    passed, metadata = coverage(bench, "2025-03-04")
    assert passed and metadata["onboarded_portfolios"] == [str(first)] and metadata["portfolios_due"] == 1

    register_onboarded_portfolios(bench.instance, [second])  # onboarded, no results yet
    assert all(o.success for o in bench.run(START, MIDDLE, [first]))
    passed, metadata = coverage(bench, "2025-03-04")
    assert not passed
    assert metadata["missing"] == [f"{second} (second)"]
    assert metadata["portfolios_due"] == 2 and metadata["portfolios_complete"] == 1
    assert metadata["onboarded_portfolios"] == sorted([str(first), str(second)], key=int)

    assert all(o.success for o in bench.run(START, MIDDLE, [second]))
    passed, metadata = coverage(bench, "2025-03-04")
    assert passed and metadata["missing"] == [] and metadata["portfolios_complete"] == 2
    assert coverage(bench, "2025-03-07")[0]  # evaluated by the first run, before `second` was onboarded


def test_each_day_metadata_describes_its_stored_portfolios_and_rows(bench: Bench):
    first = bench.add_portfolio("first", positions())
    second = bench.add_portfolio("second", positions())
    assert all(o.success for o in bench.run(START, END, [first]))
    assert all(o.success for o in bench.run(START, MIDDLE, [second]))  # the last writer of 03-03..03-05

    both = day_metadata(bench, "portfolio_snapshots", "2025-03-04")
    assert both["portfolios"] == 2 and both["portfolio_ids"] == sorted([first, second])
    assert both["rows_portfolio_snapshots"] == 2 and both["rows"] == 2
    assert both["run_portfolios"] == 1 and both["run_days"] == 3  # the run's own totals keep run_ names

    one = day_metadata(bench, "portfolio_snapshots", "2025-03-07")  # written by the first run only
    assert one["portfolios"] == 1 and one["portfolio_ids"] == [first] and one["run_days"] == 5

    values = day_metadata(bench, "position_values", "2025-03-04")  # two positions in each portfolio
    assert values["portfolios"] == 2 and values["rows_position_values"] == 4
    assert sum(values["data_quality_flags"].values()) == 2
