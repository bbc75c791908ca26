"""Stress tests per portfolio and trading day: direct and correlated P&L of every library scenario.

Direct P&L = Σ_f dollar exposure_f × shock_f on the twelve reported factors (stored by
`factor_exposures`). Correlated P&L: the factor-ETF move implied by the shocks, as the conditional
mean under the day's EWMA factor-ETF covariance (Δr = Σ A′(A Σ A′)⁻¹ s), moves every position by
its risk-model loadings (options by delta and gamma on their underlying's move). A historical
replay applies each held symbol's return over its window (close on the last day / close on the
first − 1) to today's positions; its direct P&L uses the factors' moves over the window.
"""

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from sigmasight_assets.analytics.conditional import (
    conditional_etf_move,
    model_factor_move,
    position_pnl,
    revalue,
    shock_constraints,
)
from sigmasight_assets.analytics.factors import FACTOR_ETFS, FACTORS, MARKET, RATES, SPREADS, STYLE_LEGS
from sigmasight_assets.analytics.stress import REPLAY, Scenario, load_scenarios
from sigmasight_assets.analytics.valuation import OPTION_MULTIPLIER
from sigmasight_assets.assets.factors import NAME as FACTOR_EXPOSURES
from sigmasight_assets.assets.risk_model import NAME as RISK_MODEL
from sigmasight_assets.pipeline.book import Book
from sigmasight_assets.pipeline.builder import Computed, Conclusion, PortfolioAsset
from sigmasight_assets.pipeline.layout import run_starts
from sigmasight_assets.pipeline.risk_inputs import StoredRiskModel, load_risk_model
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_resources import calendar
from sigmasight_resources.db import portfolio_reads
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.db.results import StressResult
from sigmasight_resources.vocabulary import InvestmentClass


def load_stress_inputs(db: ResultsDatabase, book: Book, scope: RunScope) -> dict:
    """Stored factor dollar exposures and their data_quality, the stored risk model, the scenarios, and
    each replay window's return of the book's symbols and the factor ETFs."""
    with db.transaction() as session:
        exposures = portfolio_reads.factor_dollar_exposures(session, scope.portfolios, scope.start, scope.end)
        quality = portfolio_reads.quality_rows(session, FACTOR_EXPOSURES, scope.portfolios, scope.start, scope.end)
    scenarios = load_scenarios()
    symbols = sorted(set(book.positions["price_symbol"].dropna()) | set(FACTOR_ETFS))
    returns = {}
    for scenario in scenarios:
        days = calendar.sessions(*scenario.window) if scenario.kind == REPLAY else []
        if days:
            closes = db.closes(symbols, days[0], days[-1])
            returns[scenario.id] = window_returns(closes, days[0], days[-1])
    return {
        "exposures": exposures,
        "upstream_quality": quality,
        "model": load_risk_model(db, book, scope),
        "scenarios": scenarios,
        "replay_returns": returns,
    }


def window_returns(closes: pd.DataFrame, first: date, last: date) -> pd.Series:
    """Per symbol, close on `last` / close on `first` − 1 (NaN without both)."""
    ends = closes.reindex([pd.Timestamp(first), pd.Timestamp(last)])
    return ends.iloc[1] / ends.iloc[0] - 1.0


@dataclass(frozen=True)
class Sensitivities:
    """What a scenario's moves act on, per (date, position) of the scope: the loadings and the money."""

    loadings: np.ndarray  # (dates, positions, 7)
    market_value: np.ndarray
    delta_value: np.ndarray  # q·m·Δ·S
    gamma_value: np.ndarray  # q·m·Γ·S²
    option: np.ndarray  # (positions,)

    @classmethod
    def of(cls, book: Book, scope: RunScope, model: StoredRiskModel) -> "Sensitivities":
        v = book.valuation
        quantity = book.positions["quantity"].to_numpy(dtype=float)
        spot = scope.window(v.underlying_price).to_numpy()
        return cls(
            loadings=model.loadings(),
            market_value=scope.window(v.market_value).to_numpy(),
            delta_value=scope.window(v.exposure).to_numpy(),
            gamma_value=quantity * OPTION_MULTIPLIER * scope.window(v.gamma).to_numpy() * spot**2,
            option=(book.positions["investment_class"] == InvestmentClass.OPTIONS).to_numpy(),
        )


def correlated_position_pnl(model: StoredRiskModel, book: Sensitivities, scenario: Scenario) -> np.ndarray:
    """(dates, positions): each position's P&L under the scenario's conditional factor move (NaN: no model)."""
    constraints, shock = shock_constraints(scenario.shocks)
    factor_move = model_factor_move(conditional_etf_move(model.etf_cov, constraints, shock))
    return position_pnl(book.market_value, book.loadings, factor_move, book.delta_value, book.gamma_value, book.option)


def replay_position_pnl(book: Sensitivities, price_symbols: pd.Series, returns: pd.Series) -> np.ndarray:
    """(dates, positions): each position's P&L if its symbol moved as over the replay window; a symbol
    without closes there moves by its model loadings on the window's factor moves."""
    etf = returns.reindex(list(FACTOR_ETFS)).to_numpy(dtype=float)
    modelled = book.loadings @ model_factor_move(etf)
    own = returns.reindex(price_symbols.fillna("").to_numpy()).to_numpy(dtype=float)
    moves = np.where(np.isfinite(own)[None, :], own[None, :], modelled)
    return revalue(book.market_value, moves, book.delta_value, book.gamma_value, book.option)


def replay_factor_moves(returns: pd.Series) -> dict[str, float]:
    """The twelve reported factors' moves over a replay window, from the factor ETFs' returns."""
    moves = {"Market_Beta": returns.get(MARKET, np.nan), "IR_Beta": returns.get(RATES, np.nan)}
    moves |= {factor: returns.get(etf, np.nan) for factor, etf in STYLE_LEGS.items()}
    moves |= {factor: returns.get(a, np.nan) - returns.get(b, np.nan) for factor, (a, b) in SPREADS.items()}
    return {factor: float(moves[factor]) for factor in FACTORS}


def stress_tests(
    book: Book,
    scope: RunScope,
    exposures: pd.DataFrame,
    upstream_quality: pd.DataFrame,
    model: StoredRiskModel,
    scenarios: list[Scenario],
    replay_returns: dict[str, pd.Series] | None = None,
) -> Computed:
    """Direct P&L from stored factor dollar exposures; correlated P&L from the conditional factor move;
    a replay applies each held symbol's return over its window.

    The data quality is that of the factor exposures.
    """
    replay_returns = replay_returns or {}
    nav = book.snapshots["nav"]
    owners = book.portfolio_of.to_numpy()
    sensitivities = Sensitivities.of(book, scope, model)
    moves, shocks = {}, {}
    for s in scenarios:
        if s.kind == REPLAY:
            returns = replay_returns.get(s.id, pd.Series(dtype=float))
            moves[s.id] = replay_position_pnl(sensitivities, book.positions["price_symbol"], returns)
            shocks[s.id] = replay_factor_moves(returns)
        else:
            moves[s.id] = correlated_position_pnl(model, sensitivities, s)
            shocks[s.id] = s.shocks
    if not scenarios or exposures.empty:
        return Computed({StressResult: pd.DataFrame(columns=["date", "portfolio_id"])}, upstream_quality)
    shock_matrix = np.array([[shocks[s.id].get(f, 0.0) for s in scenarios] for f in FACTORS]).reshape(len(FACTORS), -1)
    wide = exposures.pivot(index=["portfolio_id", "date"], columns="factor", values="dollar_exposure")
    wide = wide.reindex(columns=list(FACTORS)).astype(float)  # rows by portfolio, then date
    known = wide.fillna(0.0).where(wide.notna().any(axis=1), np.nan, axis=0).to_numpy()
    # a plain sum over the factors: a row's figure is the same in a 1-day and a 250-day run (BLAS is not)
    direct = (known[:, :, None] * shock_matrix[None, :, :]).sum(axis=1)  # (rows, scenarios)
    portfolio_ids = wide.index.get_level_values("portfolio_id").to_numpy()
    dates = wide.index.get_level_values("date")
    nav_rows = nav.reindex(pd.MultiIndex.from_arrays([dates, portfolio_ids])).to_numpy()
    positive_nav = np.where(nav_rows > 0, nav_rows, np.nan)[:, None]
    at = model.dates.get_indexer(dates)
    correlated = np.empty_like(direct)
    bounds = run_starts(portfolio_ids)  # each portfolio's rows
    for first, last in zip(bounds[:-1], bounds[1:], strict=True):
        held = owners == portfolio_ids[first]
        pnl = np.stack([moves[s.id][at[first:last]][:, held] for s in scenarios])  # (scenarios, days, held)
        correlated[first:last] = np.where(np.isfinite(pnl).any(axis=2), np.nansum(pnl, axis=2), np.nan).T
    count = len(scenarios)
    table = pd.DataFrame(
        {
            "date": np.repeat(dates.to_numpy(), count),
            "portfolio_id": np.repeat(portfolio_ids, count),
            "scenario_id": np.tile([s.id for s in scenarios], len(wide)),
            "name": np.tile([s.name for s in scenarios], len(wide)),
            "category": np.tile([s.category for s in scenarios], len(wide)),
            "direct_pnl": direct.ravel(),
            "correlated_pnl": correlated.ravel(),
            "direct_pct": (direct / positive_nav).ravel(),
            "correlated_pct": (correlated / positive_nav).ravel(),
        }
    )
    return Computed({StressResult: table}, upstream_quality)


def conclude_stress_tests(facts: list[dict], db: ResultsDatabase, scope: RunScope) -> Conclusion:
    return {"scenarios": len(load_scenarios())}, []


ASSET = PortfolioAsset(
    name="stress_tests",
    group="portfolio_risk",
    deps=(FACTOR_EXPOSURES, RISK_MODEL, "market_prices"),
    tables=(StressResult,),
    compute=stress_tests,
    load=load_stress_inputs,
    conclude=conclude_stress_tests,
)
