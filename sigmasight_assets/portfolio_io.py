"""What every portfolio-level asset shares: its range, its book, and one transaction that replaces its rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import dagster as dg
import pandas as pd

from sigmasight_assets.book import Book, load_book
from sigmasight_assets.partitions import portfolio_day_partitions
from sigmasight_assets.ranges import requested_days, requested_portfolios
from sigmasight_assets.rows import to_records
from sigmasight_resources.db import queries
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.db.results import DataQuality
from sigmasight_resources.risk_model import RiskModel


@dataclass(frozen=True)
class PortfolioRange:
    start: date
    end: date
    days: list[date]
    portfolios: list[int]

    @classmethod
    def of(cls, context: dg.AssetExecutionContext) -> PortfolioRange:
        days = requested_days(context)
        return cls(days[0], days[-1], days, requested_portfolios(context))

    def book(self, db: ResultsDatabase, risk: RiskModel) -> Book:
        return load_book(db, self.portfolios, self.end, risk.risk_free_rate)

    def keep(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of a long frame (columns date, portfolio_id) on the requested days and portfolios."""
        days = pd.DatetimeIndex([pd.Timestamp(d) for d in self.days])
        mask = pd.to_datetime(frame["date"]).isin(days) & frame["portfolio_id"].isin(self.portfolios)
        return frame[mask]


def write_results(
    context: dg.AssetExecutionContext,
    db: ResultsDatabase,
    span: PortfolioRange,
    tables: dict,
    quality: pd.DataFrame,
    metadata: dict | None = None,
) -> dg.MaterializeResult:
    """Replace the range's rows of each table and the asset's data_quality rows in one transaction."""
    asset = context.asset_key.to_user_string()
    quality = span.keep(quality.assign(asset=asset))
    written = {}
    with db.transaction() as session:
        for table, frame in tables.items():
            rows = to_records(span.keep(frame), context.run_id)
            written[table.__tablename__] = queries.replace_rows(
                session, table, rows, span.start, span.end, span.portfolios
            )
        queries.replace_rows(
            session, DataQuality, to_records(quality, context.run_id), span.start, span.end, span.portfolios,
            DataQuality.asset == asset,
        )
    flags = Counter(quality["flag"])
    return dg.MaterializeResult(
        metadata={
            "rows_written": sum(written.values()),
            **{f"rows_{name}": count for name, count in written.items()},
            "portfolios": len(span.portfolios),
            "days": len(span.days),
            "data_quality_flags": dg.MetadataValue.json(dict(flags)),
            **(metadata or {}),
        }
    )


def portfolio_asset_kwargs(days: dg.TimeWindowPartitionsDefinition, group: str) -> dict:
    return dict(
        partitions_def=portfolio_day_partitions(days),
        group_name=group,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
