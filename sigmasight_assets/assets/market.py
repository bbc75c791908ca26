"""Market prices: make sure closes for the universe are stored, fetching only what is missing, and
re-fetch the last sessions of held symbols so a vendor's correction or a split replaces stored closes."""

from collections import defaultdict
from datetime import UTC, date, datetime

import dagster as dg
import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from sigmasight_assets.analytics.factors import FACTOR_ETFS
from sigmasight_assets.analytics.parameters import LOOKBACK
from sigmasight_assets.analytics.stress import load_scenarios, replay_windows
from sigmasight_assets.pipeline import revisions
from sigmasight_assets.pipeline.builder import table_metadata
from sigmasight_assets.pipeline.pools import DAY_POOL
from sigmasight_assets.pipeline.scope import requested_days
from sigmasight_assets.pipeline.tags import DAY_LEVEL, LEVEL_TAG, MARKET_SCOPE, PORTFOLIO_TAG
from sigmasight_assets.pipeline.vendor import VENDOR_RETRY, due_for_recheck, refused
from sigmasight_resources import calendar
from sigmasight_resources.db import queries, unavailable
from sigmasight_resources.db.models import MarketPrice, PriceCorrection, UnavailableSymbol
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.market_data.base import (
    MarketDataProvider,
    PermanentMarketDataError,
    PriceBatch,
    empty_closes,
)
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
    """Group symbols by the span [first missing day, last missing day] still to fetch.

    One boolean (symbol × session) grid of what is stored, not a Python set per symbol: a daily run
    of a large universe checks ~500 sessions of lookback for every symbol."""
    sessions = calendar.sessions(min(windows.values()), end) if windows else []
    if not sessions:
        return {}
    symbols = sorted(windows)
    days = pd.DatetimeIndex([pd.Timestamp(d) for d in sessions])
    stored_at = (pd.Index(symbols).get_indexer(stored["symbol"]), days.get_indexer(pd.to_datetime(stored["date"])))
    known = (stored_at[0] >= 0) & (stored_at[1] >= 0)
    present = np.zeros((len(symbols), len(days)), dtype=bool)
    present[stored_at[0][known], stored_at[1][known]] = True
    opens = days.searchsorted(pd.DatetimeIndex([pd.Timestamp(windows[s]) for s in symbols]))
    missing = (np.arange(len(days))[None, :] >= opens[:, None]) & ~present
    first, last = missing.argmax(axis=1), len(days) - 1 - missing[:, ::-1].argmax(axis=1)
    spans: dict[tuple[date, date], list[str]] = defaultdict(list)
    for i in np.flatnonzero(missing.any(axis=1)):
        spans[(days[first[i]].date(), days[last[i]].date())].append(symbols[i])
    return spans


def held_symbols(positions: pd.DataFrame, start: date, end: date) -> set[str]:
    """The price symbols of positions open in [start, end] (the run's range and the re-fetched window, so a
    position exited inside the window counts): the symbols whose stored closes are re-checked."""
    open_positions = queries.positions_overlapping(positions, start, end).dropna(subset=["price_symbol"])
    return set(open_positions["price_symbol"])


def check_window(end: date, sessions: int) -> date | None:
    """The first of the last `sessions` sessions up to `end`, re-fetched to catch revisions; None for none."""
    return calendar.previous_sessions(end, sessions - 1) if sessions > 0 else None


def with_check_window(
    spans: dict[tuple[date, date], list[str]], held: set[str], check_from: date | None, end: date
) -> dict[tuple[date, date], list[str]]:
    """The spans to fetch: each held symbol's missing span widened to [check_from, end] (one request
    answers both), a held symbol missing nothing gets that window alone; a symbol missing only days
    of the window joins it too, so the daily close of a large universe is one span (one grouped
    daily request per session with Polygon)."""
    if check_from is None:
        return spans
    widened: dict[tuple[date, date], list[str]] = defaultdict(list)
    for (first, last), symbols in spans.items():
        for symbol in symbols:
            widen = symbol in held or first >= check_from
            widened[(min(first, check_from), end) if widen else (first, last)].append(symbol)
    fetched = {s for symbols in spans.values() for s in symbols}
    widened[(check_from, end)].extend(sorted(held - fetched))
    return {span: sorted(symbols) for span, symbols in widened.items() if symbols}


def find_revisions(
    provider: MarketDataProvider,
    db: ResultsDatabase,
    recent: pd.DataFrame,
    fetched: pd.DataFrame,
    reported: dict[str, list[date]],
    tolerance: float,
) -> list[revisions.Revision]:
    """Stored closes the vendor now answers differently; a split symbol's whole stored history is re-fetched."""
    changes = revisions.changed_closes(recent, fetched, tolerance)
    # A reported split whose window closes all agree was handled already (or moved nothing stored).
    split = sorted(revisions.readjusted(changes, recent) | (set(reported) & set(changes["symbol"])))
    found = revisions.corrections(changes, set(split))
    if split:
        with db.transaction() as session:
            history = queries.stored_closes(session, split, None, None)
        spans = history.groupby("symbol")["date"].agg(["min", "max"])
        refetched = PriceBatch.combine(provider.daily_closes([s], a, b) for s, (a, b) in spans.iterrows())
        found += revisions.splits(history, refetched.closes, tolerance)
    return sorted(found, key=lambda r: r.symbol)


def correction_records(found: list[revisions.Revision], run_id: str, end: date, at: datetime) -> list[dict]:
    return [
        {
            "symbol": r.symbol,
            "first_date": r.first_date,
            "last_date": end,
            "reason": r.reason,
            "closes_changed": len(r.closes),
            "detected_run_id": run_id,
            "detected_at": at,
        }
        for r in found
    ]


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
        metadata=table_metadata((MarketPrice, UnavailableSymbol, PriceCorrection)),
    )
    def market_prices(
        context: dg.AssetExecutionContext, db: ResultsDatabase, market_data: MarketDataResource
    ) -> dg.MaterializeResult:
        """Daily closes of the universe over [start − lookback, end]: the unstored (symbol, date) pairs, plus
        the last sessions of held symbols re-fetched, whose revised closes replace the stored ones."""
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
            check_from = check_window(end, market_data.correction_sessions)
            held = held_symbols(positions, min(start, check_from or start), end) & windows.keys()
            spans = missing_spans(stored, windows, end)
            fetches = with_check_window(spans, held, check_from, end)
            widened = held | {s for (a, _), symbols in fetches.items() if a == check_from for s in symbols}
            recent = queries.stored_closes(session, widened, check_from, end) if check_from else empty_closes()

        with market_data.provider() as provider:
            sent = provider.requests_sent
            try:
                batch = PriceBatch.combine(provider.daily_closes(syms, a, b) for (a, b), syms in fetches.items())
                # Replay windows lie before most histories: a symbol without closes there is not
                # unavailable, so only their closes are kept.
                history = PriceBatch.combine(provider.daily_closes(syms, a, b) for (a, b), syms in replays.items())
                reported = {}
                if check_from is not None and held and check_from < end:
                    after = calendar.sessions(check_from, end)[1]  # a split on check_from moved no window close
                    reported = provider.splits(sorted(held), after, end)
                checked = recent[recent["symbol"].isin(held)]  # only held symbols' closes are re-checked
                found = find_revisions(provider, db, checked, batch.closes, reported, market_data.correction_tolerance)
            except PermanentMarketDataError as exc:
                raise refused(exc, "request") from exc
            cost = provider.requests_sent - sent
        # Only a symbol something was missing for is unavailable; an empty re-check of stored closes is not.
        missing_symbols = {s for symbols in spans.values() for s in symbols}
        gone = {s: r for s, r in batch.unavailable.items() if s in missing_symbols}
        new_closes = batch.closes.merge(recent[["symbol", "date"]], how="left", indicator=True)
        new_closes = new_closes[new_closes["_merge"] == "left_only"].drop(columns="_merge")

        fetched_at = datetime.now(UTC)
        with db.transaction() as session:
            written = queries.insert_prices(session, new_closes, provider.name, fetched_at)
            written += queries.insert_prices(session, history.closes, provider.name, fetched_at)
            for revision in found:  # in the same transaction as the record the close sensor acts on
                written += queries.replace_prices(session, revision.closes, provider.name, fetched_at)
            queries.record_price_corrections(session, correction_records(found, context.run_id, end, fetched_at))
            queries.record_unavailable(session, gone, fetched_at)
            rechecked = sorted(due & windows.keys())
            recovered = [s for s in rechecked if s not in gone]
            unavailable.forget(session, recovered)
            coverage = queries.count_by(
                session, MarketPrice.symbol, MarketPrice.symbol.in_(list(windows)), MarketPrice.date.between(start, end)
            )
        lacking = sorted(s for s in windows if s not in gone and coverage.get(s, 0) < len(requested))
        limit = f"{provider.requests_per_minute}/min" if provider.requests_per_minute else "none"
        revised = ", ".join(f"{r.reason}:{r.symbol} from {r.first_date}" for r in found) or "none"
        context.log.info(
            f"market_prices {start}..{end}: {len(windows)} symbols, wrote {written} closes; vendor cost "
            f"{cost} requests (rate limit {limit}); revised: {revised}"
        )
        return dg.MaterializeResult(
            metadata={
                "rows_written": written,
                "symbols_in_universe": len(windows),
                "symbols_fetched": sum(len(s) for s in spans.values()),
                "symbols_rechecked": len(held) if check_from else 0,
                "replay_requests": len(replays),
                "vendor_requests": cost,
                "vendor_rate_limit_per_minute": provider.requests_per_minute or 0,
                "corrections": dg.MetadataValue.json(
                    [
                        {"symbol": r.symbol, "reason": r.reason, "from": str(r.first_date), "closes": len(r.closes)}
                        for r in found
                    ]
                ),
                "unavailable_symbols": dg.MetadataValue.json(
                    {s: r for s, r in known_unavailable.items() if s not in recovered} | gone
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
