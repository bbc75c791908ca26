"""Symbol-level analytics per trading day: factor exposures and return/volatility metrics."""

from collections.abc import Callable
from datetime import UTC, date, datetime

import dagster as dg
import numpy as np
import pandas as pd

from sigmasight_assets.analytics.factors import FACTOR_ETFS, MARKET, RATES, SPREADS, STYLE_LEGS
from sigmasight_assets.analytics.parameters import (
    BETA_WINDOW,
    MIN_REGRESSION_DAYS,
    STYLE_MIN_OBS,
    STYLE_WINDOW,
    SYMBOL_BETA_LOOKBACK,
    SYMBOL_METRICS_LOOKBACK,
)
from sigmasight_assets.analytics.regression import rolling_ols, rolling_ridge
from sigmasight_assets.analytics.returns import simple_returns, spread_returns
from sigmasight_assets.analytics.volatility import realized_vol
from sigmasight_assets.assets.market import NAME as MARKET_PRICES
from sigmasight_assets.pipeline.builder import KINDS, table_metadata
from sigmasight_assets.pipeline.pools import DAY_POOL
from sigmasight_assets.pipeline.records import insert_frame
from sigmasight_assets.pipeline.scope import requested_days
from sigmasight_assets.pipeline.tags import DAY_LEVEL, LEVEL_TAG
from sigmasight_resources import calendar
from sigmasight_resources.db import queries
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.db.results import SymbolFactorExposure, SymbolMetric

NAMES = ("symbol_factor_exposures", "symbol_metrics")
SYMBOL_CHUNK = 100
"""Symbols per chunk of a day-level asset: its frames are bounded by the chunk, not by the universe."""


def universe_closes(db: ResultsDatabase, start: date, end: date, lookback: int) -> pd.DataFrame:
    """Stored closes of the universe (open positions' price symbols + factor ETFs) over [start − lookback, end]."""
    first = calendar.previous_sessions(start, lookback)
    with db.transaction() as session:
        positions = queries.positions_overlapping(queries.positions_frame(session), start, end)
        unavailable = queries.unavailable_symbols(session)
        symbols = (set(positions["price_symbol"].dropna()) | set(FACTOR_ETFS)) - set(unavailable)
        return queries.closes(session, symbols, first, end, calendar.sessions(first, end))


def factor_exposure_frame(closes: pd.DataFrame) -> pd.DataFrame:
    """Per (date, symbol): market/IR OLS betas, ridge style betas and spread betas."""
    returns = simple_returns(closes)
    etf = returns[list(FACTOR_ETFS)]
    market = rolling_ols(returns, etf[MARKET], BETA_WINDOW, MIN_REGRESSION_DAYS)
    rates = rolling_ols(returns, etf[RATES], BETA_WINDOW, MIN_REGRESSION_DAYS)
    style = rolling_ridge(returns, etf[list(STYLE_LEGS.values())], STYLE_WINDOW, STYLE_MIN_OBS)
    spreads = spread_returns(etf)
    columns = {
        "market_beta": market.beta,
        "market_r2": market.r2,
        "market_n_obs": market.n_obs,
        "ir_beta": rates.beta,
        "ir_r2": rates.r2,
        "ir_n_obs": rates.n_obs,
        "style_r2": style.r2,
        "style_n_obs": style.n_obs,
    }
    for factor, etf_symbol in STYLE_LEGS.items():
        columns[factor.lower()] = style.betas[etf_symbol]
    spread_n_obs = None
    for spread in SPREADS:
        fit = rolling_ols(returns, spreads[spread], STYLE_WINDOW, STYLE_MIN_OBS)
        columns[spread.lower()] = fit.beta
        spread_n_obs = fit.n_obs if spread_n_obs is None else np.minimum(spread_n_obs, fit.n_obs)
    columns["spread_n_obs"] = spread_n_obs
    return long_rows(columns, closes)


def metrics_frame(closes: pd.DataFrame) -> pd.DataFrame:
    """Per (date, symbol): close, 1-day and 21-day return, 21/63-day realized vol."""
    returns = simple_returns(closes)
    columns = {
        "close": closes,
        "return_1d": returns,
        "return_21d": closes / closes.shift(21) - 1.0,
        "vol_21d": realized_vol(returns, 21),
        "vol_63d": realized_vol(returns, 63),
    }
    return long_rows(columns, closes)


def long_rows(columns: dict[str, pd.DataFrame], closes: pd.DataFrame) -> pd.DataFrame:
    """Stack (date × symbol) frames into rows, keeping only (date, symbol) pairs with a close."""
    stacked = pd.DataFrame({name: frame.stack(future_stack=True) for name, frame in columns.items()})
    stacked.index = stacked.index.set_names(["date", "symbol"])
    priced = closes.stack(future_stack=True).notna()
    return stacked[priced.reindex(stacked.index).to_numpy()].reset_index()


def symbol_chunks(columns: pd.Index) -> list[tuple[list[str], list[str]]]:
    """(symbols a chunk computes on, symbols whose rows it writes): SYMBOL_CHUNK symbols at a time, each
    chunk with the factor ETFs every kernel regresses on, whose own rows come from the first chunk."""
    etfs = [symbol for symbol in FACTOR_ETFS if symbol in columns]
    others = [symbol for symbol in columns if symbol not in etfs]
    starts = range(0, len(others), SYMBOL_CHUNK) if others else [0]
    return [
        ([*etfs, *others[i : i + SYMBOL_CHUNK]], (etfs if i == 0 else []) + others[i : i + SYMBOL_CHUNK])
        for i in starts
    ]


def replace_window(
    db: ResultsDatabase,
    compute: Callable[[pd.DataFrame], dict[type, pd.DataFrame]],
    closes: pd.DataFrame,
    start: date,
    end: date,
    run_id: str,
    once: dict[type, pd.DataFrame] | None = None,
) -> int:
    """Replace, in one transaction, the rows in [start, end] of the tables `compute` returns frames for
    (per date and symbol) and of those in `once` (per date), computing on the closes one symbol chunk
    at a time: each symbol's figures depend on its own closes and the factor ETFs' only, so the chunks
    give the rows the whole universe would, and each chunk writes its own symbols' rows."""
    written, stamp = 0, datetime.now(UTC)
    with db.transaction() as session:

        def insert(table: type, frame: pd.DataFrame, first_chunk: bool) -> int:
            if first_chunk:
                queries.lock_name(session, table.__tablename__)
                queries.delete_rows(session, table, start, end)
            kept = (frame["date"] >= pd.Timestamp(start)) & (frame["date"] <= pd.Timestamp(end))
            return insert_frame(session, table, frame[kept], run_id, stamp)

        for table, frame in (once or {}).items():
            written += insert(table, frame, first_chunk=True)
        for number, (used, owned) in enumerate(symbol_chunks(closes.columns)):
            for table, frame in compute(closes[used]).items():
                written += insert(table, frame[frame["symbol"].isin(owned)], first_chunk=number == 0)
    return written


def symbol_asset_kwargs(days: dg.TimeWindowPartitionsDefinition) -> dict:
    """What every day-level asset computed from stored closes shares: partitions, group, level tag."""
    return dict(
        partitions_def=days,
        group_name="symbol_analytics",
        backfill_policy=dg.BackfillPolicy.single_run(),
        deps=[MARKET_PRICES],
        tags={LEVEL_TAG: DAY_LEVEL},
        pool=DAY_POOL,
        kinds=KINDS,
    )


def build_symbol_assets(days: dg.TimeWindowPartitionsDefinition) -> list[dg.AssetsDefinition]:
    common = symbol_asset_kwargs(days)

    @dg.asset(**common, metadata=table_metadata((SymbolFactorExposure,)))
    def symbol_factor_exposures(context: dg.AssetExecutionContext, db: ResultsDatabase) -> dg.MaterializeResult:
        """Per symbol and day: OLS market/IR betas (90d), ridge style betas and spread betas (150d)."""
        requested = requested_days(context)
        closes = universe_closes(db, requested[0], requested[-1], lookback=SYMBOL_BETA_LOOKBACK)
        frames = lambda chunk: {SymbolFactorExposure: factor_exposure_frame(chunk)}  # noqa: E731
        rows = replace_window(db, frames, closes, requested[0], requested[-1], context.run_id)
        return dg.MaterializeResult(metadata={"rows_written": rows, "symbols_covered": closes.shape[1]})

    @dg.asset(**common, metadata=table_metadata((SymbolMetric,)))
    def symbol_metrics(context: dg.AssetExecutionContext, db: ResultsDatabase) -> dg.MaterializeResult:
        """Per symbol and day: 1-day and 21-day return, 21/63-day realized vol."""
        requested = requested_days(context)
        closes = universe_closes(db, requested[0], requested[-1], lookback=SYMBOL_METRICS_LOOKBACK)
        frames = lambda chunk: {SymbolMetric: metrics_frame(chunk)}  # noqa: E731
        rows = replace_window(db, frames, closes, requested[0], requested[-1], context.run_id)
        return dg.MaterializeResult(metadata={"rows_written": rows, "symbols_covered": closes.shape[1]})

    return [symbol_factor_exposures, symbol_metrics]
