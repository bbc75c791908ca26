"""Position values (with option Greeks) and portfolio snapshots per portfolio and trading day."""

from collections import Counter

import dagster as dg
import pandas as pd

from sigmasight_assets.pipeline.book import Book
from sigmasight_assets.pipeline.builder import Check, Computed, Conclusion, PortfolioAsset
from sigmasight_assets.pipeline.layout import position_rows
from sigmasight_assets.pipeline.quality import quality_table
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.db.results import PortfolioSnapshot, PositionValue
from sigmasight_resources.vocabulary import STALE_PRICE, InvestmentClass

GROUP = "portfolio_valuation"
PRICED_CHECK = "position_values_price_every_public_position"
SNAPSHOT_CHECK = "portfolio_snapshots_cover_active_portfolios"
POSITION_COLUMNS = ("portfolio_id", "symbol", "investment_class", "quantity")


def snapshot_quality(book: Book, scope: RunScope) -> pd.DataFrame:
    """Coverage of the valuation on the scope's days; data_days counts the portfolio's days since its
    first entry (counted over the whole book, then windowed)."""
    return quality_table(
        scope.window(book.valuation.open),
        scope.window(book.valuation_reasons()),
        book.public,
        book.portfolio_of,
        scope.window(book.history_days()),
        required=scope.window(book.snapshots).index,
        stale=scope.window(book.stale),
    )


def position_values(book: Book, scope: RunScope) -> Computed:
    """Per open position and day: price, signed market value, delta-adjusted exposure, weight, Greeks."""
    v = book.valuation
    columns = {
        "price": v.price,
        "market_value": v.market_value,
        "exposure": v.exposure,
        "weight": book.weights(),
        "daily_pnl": v.pnl,
        "underlying_price": v.underlying_price,
        "delta": v.delta,
        "gamma": v.gamma,
        "vega": v.vega,
        "theta": v.theta,
        "flag": book.position_flags(),
    }
    rows = position_rows(book, scope, {name: scope.window(frame) for name, frame in columns.items()})
    for name in POSITION_COLUMNS[2:]:
        rows[name] = book.positions[name].reindex(rows["position_id"]).to_numpy()
    rows = scope.keep(rows)
    unpriced = rows["investment_class"].ne(InvestmentClass.PRIVATE) & rows["market_value"].isna()
    stale = rows["flag"].eq(STALE_PRICE)
    return Computed(
        {PositionValue: rows},
        snapshot_quality(book, scope),
        facts={
            "unpriced": Counter(rows.loc[unpriced, "flag"]),
            "stale": Counter(rows.loc[stale, "symbol"]),
            "covered": rows["position_id"].nunique(),
        },
    )


def conclude_position_values(facts: list[dict], db: ResultsDatabase, scope: RunScope) -> Conclusion:
    unpriced = sum((f["unpriced"] for f in facts), Counter())
    stale = sum((f["stale"] for f in facts), Counter())
    covered = sum(f["covered"] for f in facts)
    return {"positions_covered": covered}, [
        dg.AssetCheckResult(
            check_name=PRICED_CHECK,
            passed=not unpriced,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "unpriced_position_days": sum(unpriced.values()),
                "reasons": dg.MetadataValue.json(dict(unpriced)),
                "stale_position_days": sum(stale.values()),
                "stale_symbols": dg.MetadataValue.json(dict(stale.most_common(50))),
            },
        )
    ]


def missing_snapshots(book: Book, scope: RunScope, snapshots: pd.DataFrame) -> list[tuple]:
    """(date, portfolio) pairs on or after a portfolio's first entry that have no snapshot row."""
    first_entry = book.positions.groupby("portfolio_id")["entry_date"].min()
    expected = {
        (pd.Timestamp(d), p) for d in scope.days for p in scope.portfolios if p in first_entry and d >= first_entry[p]
    }
    have = set(zip(pd.to_datetime(snapshots["date"]), snapshots["portfolio_id"], strict=True))
    return list(expected - have)


def portfolio_snapshots(book: Book, scope: RunScope) -> Computed:
    """Per portfolio and day: NAV, long/short/gross/net exposure, daily and cumulative P&L, return."""
    snapshots = scope.keep(book.snapshots.reset_index())
    return Computed(
        {PortfolioSnapshot: snapshots},
        snapshot_quality(book, scope),
        facts={"missing": missing_snapshots(book, scope, snapshots)},
    )


def conclude_portfolio_snapshots(facts: list[dict], db: ResultsDatabase, scope: RunScope) -> Conclusion:
    missing = sorted(pair for f in facts for pair in f["missing"])
    return {}, [
        dg.AssetCheckResult(
            check_name=SNAPSHOT_CHECK,
            passed=not missing,
            metadata={"missing": dg.MetadataValue.json([f"{d.date()}|{p}" for d, p in missing[:50]])},
        )
    ]


ASSETS = (
    PortfolioAsset(
        name="position_values",
        group=GROUP,
        deps=("market_prices", "symbol_metrics"),
        tables=(PositionValue,),
        compute=position_values,
        conclude=conclude_position_values,
        checks=(
            Check(
                PRICED_CHECK,
                "Every open public or option position has a value on every day: its close, or one carried "
                "at most 5 sessions (reported as stale) (warn).",
            ),
        ),
    ),
    PortfolioAsset(
        name="portfolio_snapshots",
        group=GROUP,
        deps=("position_values",),
        tables=(PortfolioSnapshot,),
        compute=portfolio_snapshots,
        conclude=conclude_portfolio_snapshots,
        checks=(Check(SNAPSHOT_CHECK, "Every active portfolio has a snapshot on every day since its first entry."),),
    ),
)
