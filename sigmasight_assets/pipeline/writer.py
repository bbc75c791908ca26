"""What every portfolio-level asset shares: its range, its book, and one transaction that replaces its rows.

A range covers every portfolio the run writes; it is computed a chunk of portfolios at a time
(`chunks`) so memory stays bounded by the chunk, not by the book of every portfolio, while the
rows of all chunks land in one transaction: the partition range lands whole or not at all.
"""


from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

import dagster as dg
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigmasight_assets.pipeline.book import Book, load_book
from sigmasight_assets.pipeline.records import to_records
from sigmasight_assets.pipeline.scope import requested_days, requested_portfolios
from sigmasight_resources.db import queries
from sigmasight_resources.db.models import Position
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.db.results import DataQuality
from sigmasight_resources.pricing import OptionPricing

CHUNK_POSITIONS = 600  # positions valued together: (dates × positions) frames stay tens of MB


@dataclass(frozen=True)
class PortfolioRange:
    start: date
    end: date
    days: list[date]
    portfolios: list[int]

    @classmethod
    def of(cls, context: dg.AssetExecutionContext, db: ResultsDatabase) -> "PortfolioRange":
        days = requested_days(context)
        with db.transaction() as session:
            portfolios = requested_portfolios(context, session)
        return cls(days[0], days[-1], days, portfolios)

    def chunks(self, db: ResultsDatabase) -> list["PortfolioRange"]:
        """This range split into groups of whole portfolios holding at most CHUNK_POSITIONS positions."""
        with db.transaction() as session:
            sizes = _position_counts(session, self.portfolios, self.end)
        groups: list[list[int]] = []
        held = 0
        for portfolio in self.portfolios:
            size = sizes.get(portfolio, 0)
            if not groups or held + size > CHUNK_POSITIONS:
                groups.append([])
                held = 0
            groups[-1].append(portfolio)
            held += size
        return [replace(self, portfolios=group) for group in groups]

    def book(self, db: ResultsDatabase, risk: OptionPricing) -> Book:
        return load_book(db, self.portfolios, self.end, risk.risk_free_rate)

    def keep(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of a long frame (columns date, portfolio_id) on the requested days and portfolios."""
        days = pd.DatetimeIndex([pd.Timestamp(d) for d in self.days])
        mask = pd.to_datetime(frame["date"]).isin(days) & frame["portfolio_id"].isin(self.portfolios)
        return frame[mask]


@dataclass
class ResultsWriter:
    """Inserts one asset's rows chunk by chunk into the transaction that deleted the range's old rows."""

    session: Session
    asset: str
    run_id: str
    span: PortfolioRange
    written: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)
    stamp: datetime = field(default_factory=lambda: datetime.now(UTC))

    def write(self, chunk: PortfolioRange, tables: dict, quality: pd.DataFrame) -> None:
        quality = chunk.keep(quality.assign(asset=self.asset))
        for table, frame in tables.items():
            rows = to_records(chunk.keep(frame), self.run_id, self.stamp)
            self.written[table.__tablename__] += queries.insert_rows(self.session, table, rows)
        queries.insert_rows(self.session, DataQuality, to_records(quality, self.run_id, self.stamp))
        self.flags.update(quality["flag"])

    def result(self, metadata: dict | None = None, check_results: list | None = None) -> dg.MaterializeResult:
        return dg.MaterializeResult(
            metadata={
                "rows_written": sum(self.written.values()),
                **{f"rows_{name}": count for name, count in sorted(self.written.items())},
                "portfolios": len(self.span.portfolios),
                "days": len(self.span.days),
                "data_quality_flags": dg.MetadataValue.json(dict(self.flags)),
                **(metadata or {}),
            },
            check_results=check_results or [],
        )


@contextmanager
def replacing(
    context: dg.AssetExecutionContext, db: ResultsDatabase, span: PortfolioRange, tables: list
) -> Iterator[ResultsWriter]:
    """One transaction: lock the range's portfolios, delete their rows of `tables` and of the asset's
    data_quality in the range, then let the caller insert the new rows chunk by chunk."""
    asset = context.asset_key.to_user_string()
    with db.transaction() as session:
        queries.lock_portfolios(session, span.portfolios)
        for table in tables:
            queries.delete_rows(session, table, span.start, span.end, span.portfolios)
        queries.delete_rows(session, DataQuality, span.start, span.end, span.portfolios, DataQuality.asset == asset)
        yield ResultsWriter(session, asset, context.run_id, span)


def _position_counts(session: Session, portfolio_ids: list[int], end: date) -> dict[int, int]:
    query = (
        select(Position.portfolio_id, func.count())
        .where(Position.portfolio_id.in_(portfolio_ids), Position.entry_date <= end)
        .group_by(Position.portfolio_id)
    )
    return dict(session.execute(query).all())


def portfolio_asset_kwargs(days: dg.TimeWindowPartitionsDefinition, group: str) -> dict:
    return dict(
        partitions_def=days,
        group_name=group,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
