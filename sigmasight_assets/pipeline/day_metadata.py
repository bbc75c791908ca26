"""Materialization metadata of a portfolio-level asset: per day what is stored, per run what it wrote.

A day's partition holds every portfolio's results, written by however many runs (onboarding,
catch-up, the daily close). So each partition's metadata is read back from the results DB after
the write, for all the run's days at once (Dagster's partition-scoped `add_asset_metadata`, which
adds no event: a ranged run already logs one materialization per day). The run's own totals keep
`run_` names (and `rows_written`, which the CLI's run outcome reads) beside the asset's headline
figures, so no partition shows another day's or another run's counts as its own.
"""

from collections import Counter, defaultdict
from datetime import date

import dagster as dg

from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_assets.pipeline.writer import ResultsWriter
from sigmasight_resources.db import coverage_reads
from sigmasight_resources.db.resource import ResultsDatabase

MAX_LISTED = 200  # portfolio ids listed per partition; the count is always exact


def stored_day_metadata(db: ResultsDatabase, asset: str, tables: tuple[type, ...], days: list[date]) -> dict[str, dict]:
    """Per partition key of `days`, the asset's stored results that day across all portfolios:
    portfolios covered (its data_quality rows), rows per table and in all, data-quality flags."""
    with db.transaction() as session:
        quality = coverage_reads.quality_per_day(session, asset, days[0], days[-1])
        counts = {t.__tablename__: coverage_reads.rows_per_day(session, t, days[0], days[-1]) for t in tables}
    portfolios: dict[date, list[int]] = defaultdict(list)
    flags: dict[date, Counter] = defaultdict(Counter)
    for day, portfolio, flag in quality:
        portfolios[day].append(portfolio)
        flags[day][flag] += 1
    metadata = {}
    for day in days:
        rows = {name: per_day.get(day, 0) for name, per_day in counts.items()}
        metadata[day.isoformat()] = {
            "portfolios": len(portfolios[day]),
            "portfolio_ids": dg.MetadataValue.json(portfolios[day][:MAX_LISTED]),
            "rows": sum(rows.values()),
            **{f"rows_{name}": count for name, count in sorted(rows.items())},
            "data_quality_flags": dg.MetadataValue.json(dict(sorted(flags[day].items()))),
        }
    return metadata


def run_result(
    writer: ResultsWriter, scope: RunScope, metadata: dict, check_results: list[dg.AssetCheckResult]
) -> dg.MaterializeResult:
    """The run's totals (what this run wrote) plus the asset's headline figures and check results."""
    return dg.MaterializeResult(
        metadata={
            "rows_written": sum(writer.written.values()),
            "run_portfolios": len(scope.portfolios),
            "run_days": len(scope.days),
            "run_data_quality_flags": dg.MetadataValue.json(dict(writer.flags)),
            **metadata,
        },
        check_results=check_results,
    )
