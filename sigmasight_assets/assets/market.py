"""Market prices: make sure closes for the universe are stored, fetching only what is missing."""

from collections import defaultdict
from datetime import UTC, date, datetime

import dagster as dg
import pandas as pd
from sqlalchemy.orm import Session

from sigmasight_assets.analytics.factors import FACTOR_ETFS
from sigmasight_assets.analytics.parameters import LOOKBACK
from sigmasight_assets.analytics.stress import load_scenarios, replay_windows
from sigmasight_assets.pipeline.builder import table_metadata
from sigmasight_assets.pipeline.pools import DAY_POOL
from sigmasight_assets.pipeline.scope import requested_days
from sigmasight_assets.pipeline.tags import DAY_LEVEL, LEVEL_TAG, MARKET_SCOPE, PORTFOLIO_TAG
from sigmasight_assets.pipeline.vendor import VENDOR_RETRY, due_for_recheck, refused
from sigmasight_resources import calendar
from sigmasight_resources.db import queries, unavailable
from sigmasight_resources.db.models import MarketPrice, UnavailableSymbol
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.market_data.base import PermanentMarketDataError, PriceBatch
from sigmasight_resources.market_data.resource import MarketDataResource

NAME = "market_prices"
COVERAGE_CHECK = "market_prices_cover_universe"


def price_windows(positions: pd.DataFrame, start: date, end: date) -> dict[str, date]:
    """Per symbol of the universe, the first day whose close must be stored.

    The universe is the price symbols of positions open in [start, end] plus the factor ETFs; each
    needs LOOKBACK sessions before the earlier of `start` and its first entry, so betas and option
    vols exist from a position's first day and cumulative P&L can be valued since entry.
    """
    open_positions = queries.positions_overlapping(positions, start, end).dropna(subset=["price_symbol"])
    first_entry = open_positions.groupby("price_symbol")["entry_date"].min().to_dict()
    earliest = min([start, *first_entry.values()])
    windows = {s: calendar.previous_sessions(min(start, d), LOOKBACK) for s, d in first_entry.items()}
    for etf in FACTOR_ETFS:
        windows[etf] = calendar.previous_sessions(earliest, LOOKBACK)
    return windows


def missing_spans(stored: pd.DataFrame, windows: dict[str, date], end: date) -> dict[tuple[date, date], list[str]]:
    """Group symbols by the span [first missing day, last missing day] still to fetch."""
    have = defaultdict(set)
    for symbol, day in stored.itertuples(index=False):
        have[symbol].add(day)
    spans: dict[tuple[date, date], list[str]] = defaultdict(list)
    for symbol, first in sorted(windows.items()):
        missing = [d for d in calendar.sessions(first, end) if d not in have[symbol]]
        if missing:
            spans[(missing[0], missing[-1])].append(symbol)
    return spans


def replay_spans(
    session: Session, symbols: list[str], windows: list[tuple[date, date]]
) -> dict[tuple[date, date], list[str]]:
    """Per replay window (first and last session), the universe symbols still lacking some of its closes."""
    spans: dict[tuple[date, date], list[str]] = {}
    for start, end in windows:
        days = calendar.sessions(start, end)
        if not days:
            continue
        stored = queries.stored_price_dates(session, symbols, days[0], days[-1])
        for (first, last), lacking in missing_spans(stored, dict.fromkeys(symbols, days[0]), days[-1]).items():
            spans.setdefault((first, last), []).extend(lacking)
    return spans


def build_market_assets(days: dg.TimeWindowPartitionsDefinition) -> list[dg.AssetsDefinition]:
    @dg.asset(
        partitions_def=days,
        group_name="market",
        backfill_policy=dg.BackfillPolicy.single_run(),
        retry_policy=VENDOR_RETRY,
        check_specs=[
            dg.AssetCheckSpec(
                COVERAGE_CHECK,
                asset=NAME,
                description="Every symbol of the universe not recorded unavailable has a close on every requested day.",
            )
        ],
        op_tags={PORTFOLIO_TAG: MARKET_SCOPE},
        tags={LEVEL_TAG: DAY_LEVEL},
        pool=DAY_POOL,
        kinds={"api", "sql"},
        metadata=table_metadata((MarketPrice, UnavailableSymbol)),
    )
    def market_prices(
        context: dg.AssetExecutionContext, db: ResultsDatabase, market_data: MarketDataResource
    ) -> dg.MaterializeResult:
        """Daily closes of the universe over [start − lookback, end]; only unstored (symbol, date) pairs are fetched."""
        requested = requested_days(context)
        start, end = requested[0], requested[-1]
        with db.transaction() as session:
            positions = queries.positions_frame(session)
            known_unavailable = queries.unavailable_symbols(session)
            # A symbol recorded unavailable is left out until its cool-off has passed, then asked again.
            due = due_for_recheck(
                unavailable.last_checked(session), datetime.now(UTC), market_data.unavailable_cooloff_sessions
            )
            cooling = {s: r for s, r in known_unavailable.items() if s not in due}
            windows = {s: d for s, d in price_windows(positions, start, end).items() if s not in cooling}
            first = min(windows.values())
            stored = queries.stored_price_dates(session, windows, first, end)
            replays = replay_spans(session, list(windows), replay_windows(load_scenarios()))
        spans = missing_spans(stored, windows, end)

        with market_data.provider() as provider:
            try:
                batch = PriceBatch.combine(provider.daily_closes(syms, a, b) for (a, b), syms in spans.items())
                # Replay windows lie before most histories: a symbol without closes there is not
                # unavailable, so only their closes are kept.
                history = PriceBatch.combine(provider.daily_closes(syms, a, b) for (a, b), syms in replays.items())
            except PermanentMarketDataError as exc:
                raise refused(exc, "request") from exc

        fetched_at = datetime.now(UTC)
        with db.transaction() as session:
            written = queries.insert_prices(session, batch.closes, provider.name, fetched_at)
            written += queries.insert_prices(session, history.closes, provider.name, fetched_at)
            queries.record_unavailable(session, batch.unavailable, fetched_at)
            rechecked = sorted(due & windows.keys())
            recovered = [s for s in rechecked if s not in batch.unavailable]
            unavailable.forget(session, recovered)
            coverage = queries.count_by(
                session, MarketPrice.symbol, MarketPrice.symbol.in_(list(windows)), MarketPrice.date.between(start, end)
            )
        lacking = sorted(s for s in windows if s not in batch.unavailable and coverage.get(s, 0) < len(requested))
        context.log.info(
            f"market_prices {start}..{end}: {len(windows)} symbols, fetched {written} closes in {len(spans)} requests"
        )
        return dg.MaterializeResult(
            metadata={
                "rows_written": written,
                "symbols_in_universe": len(windows),
                "symbols_fetched": sum(len(s) for s in spans.values()),
                "replay_requests": len(replays),
                "unavailable_symbols": dg.MetadataValue.json(
                    {s: r for s, r in known_unavailable.items() if s not in recovered} | batch.unavailable
                ),
                "unavailable_rechecked": dg.MetadataValue.json(rechecked),
                "unavailable_recovered": dg.MetadataValue.json(recovered),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name=COVERAGE_CHECK,
                    passed=not lacking,
                    metadata={"symbols_lacking_closes": dg.MetadataValue.json(lacking[:50]), "count": len(lacking)},
                )
            ],
        )

    return [market_prices]
