"""Per-portfolio coverage of each trading day, as a day-partitioned asset check.

A portfolio-level partition is a whole day across portfolios, so Dagster's partition status says
nothing about one portfolio. This check does, in the UI: for each day of the run it fails when an
onboarded, active portfolio whose first entry is on or before that day lacks any portfolio-level
result (the rule of `planning.completed_portfolio_days`), naming the portfolios, and carries the
registry of onboarded portfolios. It runs after every portfolio-level asset of its run
(`additional_deps`) and yields one evaluation per day: Dagster 1.13's `AssetCheckResult` takes a
single partition key, which a ranged run does not have, while an `AssetCheckEvaluation` names
its partition itself. It targets `portfolio_snapshots`, the portfolios' day; it never blocks.
"""

import warnings
from collections.abc import Iterator
from datetime import date

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,
)

from sigmasight_assets.assets import PORTFOLIO_ASSETS
from sigmasight_assets.automation.planning import completed_portfolio_days, missing_days
from sigmasight_assets.automation.registry import onboarded_portfolio_keys
from sigmasight_resources.db import coverage_reads, queries
from sigmasight_resources.db.resource import ResultsDatabase

COVERAGE_CHECK = "portfolios_complete"
TARGET = "portfolio_snapshots"
MAX_LISTED = 200  # portfolios named per day; the counts are always exact


def lacking_by_day(
    days: list[str], onboarded: set[str], first_entry: dict[str, date], done: dict[str, set[str]]
) -> dict[str, list[str]]:
    """Per ISO day, the onboarded active portfolios (ids as text, by id) due that day without every result."""
    due = {p: first for p, first in first_entry.items() if p in onboarded}
    by_day: dict[str, list[str]] = {day: [] for day in days}
    for portfolio, lacking in missing_days(due, days, done, date.fromisoformat(min(days))).items():
        for day in lacking:
            by_day[day].append(portfolio)
    return {day: sorted(portfolios, key=int) for day, portfolios in by_day.items()}


def due_by_day(days: list[str], onboarded: set[str], first_entry: dict[str, date]) -> dict[str, int]:
    """Per ISO day, how many onboarded active portfolios have entered by then."""
    firsts = [first.isoformat() for p, first in first_entry.items() if p in onboarded]
    return {day: sum(first <= day for first in firsts) for day in days}


def _targets(instance: dg.DagsterInstance, keys: list[str]) -> dict[str, AssetCheckEvaluationTargetMaterializationData]:
    """The latest materialization of the target per partition, so the UI ties each evaluation to it."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(TARGET), asset_partitions=keys), limit=2 * len(keys)
    ).records
    targets: dict[str, AssetCheckEvaluationTargetMaterializationData] = {}
    for record in records:  # newest first
        if record.partition_key not in targets:
            targets[record.partition_key] = AssetCheckEvaluationTargetMaterializationData(
                storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp
            )
    return targets


def build_coverage_check(days: dg.PartitionsDefinition) -> dg.AssetChecksDefinition:
    """The coverage check on the trading-day partitions."""
    with warnings.catch_warnings():
        # A partitioned asset check is a preview feature in Dagster 1.13; it is what shows coverage per day.
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return _coverage_check(days)


def _coverage_check(days: dg.PartitionsDefinition) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=TARGET,
        name=COVERAGE_CHECK,
        partitions_def=days,
        additional_deps=[name for name in PORTFOLIO_ASSETS if name != TARGET],
        description=(
            "Every onboarded, active portfolio whose first entry is on or before the day has all"
            " portfolio-level results for it; the metadata names those that lack any, and lists the"
            " onboarded portfolios."
        ),
    )
    def portfolios_complete(context: dg.AssetCheckExecutionContext, db: ResultsDatabase) -> Iterator:
        keys = sorted(context.op_execution_context.partition_keys)
        if not keys:  # a reversed range: the assets fail on it too, with the same line
            raise dg.Failure("the run's partition range holds no trading day", allow_retries=False)
        onboarded = onboarded_portfolio_keys(context.instance)
        with db.transaction() as session:
            first_entry = queries.first_entry_dates(session)
            done = completed_portfolio_days(session, date.fromisoformat(keys[0]), date.fromisoformat(keys[-1]))
            lacking = lacking_by_day(keys, onboarded, first_entry, done)  # the run's days only: not the history
            named = {int(p) for day in keys for p in lacking[day][:MAX_LISTED]}
            names = coverage_reads.portfolio_names(session, sorted(named))
        due = due_by_day(keys, onboarded, first_entry)
        targets = _targets(context.instance, keys)
        registry = dg.MetadataValue.json(sorted(onboarded, key=int))
        for key in keys:
            missing = lacking[key]
            yield dg.AssetCheckEvaluation(
                asset_key=dg.AssetKey(TARGET),
                check_name=COVERAGE_CHECK,
                passed=not missing,
                partition=key,
                target_materialization_data=targets.get(key),
                blocking=False,
                metadata={
                    "portfolios_due": due[key],
                    "portfolios_complete": due[key] - len(missing),
                    "portfolios_missing": len(missing),
                    "missing": dg.MetadataValue.json([f"{p} ({names.get(int(p), '?')})" for p in missing[:MAX_LISTED]]),
                    "onboarded_portfolios": registry,
                },
            )
        yield dg.Output(None)

    return portfolios_complete
