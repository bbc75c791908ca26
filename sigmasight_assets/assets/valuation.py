"""Position values (with option Greeks) and portfolio snapshots per portfolio and trading day."""

from collections import Counter

import dagster as dg
import numpy as np
import pandas as pd

from sigmasight_assets.pipeline.book import Book
from sigmasight_assets.pipeline.quality import quality_table
from sigmasight_assets.pipeline.writer import PortfolioRange, portfolio_asset_kwargs, replacing
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.db.results import PortfolioSnapshot, PositionValue
from sigmasight_resources.pricing import OptionPricing

PRICED_CHECK = "position_values_price_every_public_position"
SNAPSHOT_CHECK = "portfolio_snapshots_cover_active_portfolios"


def position_rows(book: Book) -> pd.DataFrame:
    """One row per (date, open position) with value, weight, P&L and Greeks."""
    v = book.valuation
    frames = {
        "price": v.price, "market_value": v.market_value, "exposure": v.exposure, "weight": book.weights(),
        "daily_pnl": v.pnl, "underlying_price": v.underlying_price, "delta": v.delta, "gamma": v.gamma,
        "vega": v.vega, "theta": v.theta, "flag": book.valuation_reasons(),
    }
    rows, cols = np.nonzero(v.open.to_numpy())
    ids = v.open.columns[cols]
    out = pd.DataFrame({"date": v.open.index[rows], "position_id": ids})
    for name in ("portfolio_id", "symbol", "investment_class", "quantity"):
        out[name] = book.positions[name].reindex(ids).to_numpy()
    for name, frame in frames.items():
        out[name] = frame.to_numpy()[rows, cols]
    return out


def snapshot_quality(book: Book) -> pd.DataFrame:
    """Coverage of the valuation; data_days counts the portfolio's days since its first entry."""
    history = book.snapshots.groupby(level="portfolio_id").cumcount() + 1
    return quality_table(
        book.valuation.open, book.valuation_reasons(), book.public, book.portfolio_of, history,
        required=book.snapshots.index,
    )


def missing_snapshots(book: Book, chunk: PortfolioRange, snapshots: pd.DataFrame) -> list[tuple]:
    """(date, portfolio) pairs on or after a portfolio's first entry that have no snapshot row."""
    first_entry = book.positions.groupby("portfolio_id")["entry_date"].min()
    expected = {
        (pd.Timestamp(d), p) for d in chunk.days for p in chunk.portfolios if p in first_entry and d >= first_entry[p]
    }
    have = set(zip(pd.to_datetime(snapshots["date"]), snapshots["portfolio_id"], strict=True))
    return list(expected - have)


def build_position_assets(days: dg.TimeWindowPartitionsDefinition) -> list[dg.AssetsDefinition]:
    kwargs = portfolio_asset_kwargs(days, "portfolio_valuation")

    @dg.asset(
        **kwargs,
        deps=["market_prices", "symbol_metrics"],
        check_specs=[dg.AssetCheckSpec(PRICED_CHECK, asset="position_values")],
    )
    def position_values(
        context: dg.AssetExecutionContext, db: ResultsDatabase, pricing: OptionPricing
    ) -> dg.MaterializeResult:
        """Per open position and day: price, signed market value, delta-adjusted exposure, weight, Greeks."""
        span = PortfolioRange.of(context, db)
        unpriced: Counter = Counter()
        covered = 0
        with replacing(context, db, span, [PositionValue]) as writer:
            for chunk in span.chunks(db):
                book = chunk.book(db, pricing)
                rows = chunk.keep(position_rows(book))
                writer.write(chunk, {PositionValue: rows}, snapshot_quality(book))
                unpriced.update(rows.loc[rows["investment_class"].ne("PRIVATE") & rows["market_value"].isna(), "flag"])
                covered += rows["position_id"].nunique()
        return writer.result(
            {"positions_covered": covered},
            check_results=[
                dg.AssetCheckResult(
                    check_name=PRICED_CHECK,
                    passed=not unpriced,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={
                        "unpriced_position_days": sum(unpriced.values()),
                        "reasons": dg.MetadataValue.json(dict(unpriced)),
                    },
                )
            ],
        )

    @dg.asset(
        **kwargs,
        deps=["position_values"],
        check_specs=[dg.AssetCheckSpec(SNAPSHOT_CHECK, asset="portfolio_snapshots")],
    )
    def portfolio_snapshots(
        context: dg.AssetExecutionContext, db: ResultsDatabase, pricing: OptionPricing
    ) -> dg.MaterializeResult:
        """Per portfolio and day: NAV, long/short/gross/net exposure, daily and cumulative P&L, return."""
        span = PortfolioRange.of(context, db)
        missing = []
        with replacing(context, db, span, [PortfolioSnapshot]) as writer:
            for chunk in span.chunks(db):
                book = chunk.book(db, pricing)
                snapshots = chunk.keep(book.snapshots.reset_index())
                writer.write(chunk, {PortfolioSnapshot: snapshots}, snapshot_quality(book))
                missing += missing_snapshots(book, chunk, snapshots)
        return writer.result(check_results=[
            dg.AssetCheckResult(
                check_name=SNAPSHOT_CHECK,
                passed=not missing,
                metadata={"missing": dg.MetadataValue.json([f"{d.date()}|{p}" for d, p in sorted(missing)[:50]])},
            )
        ])

    return [position_values, portfolio_snapshots]
