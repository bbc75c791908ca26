"""Each portfolio asset function on a small synthetic book: no Dagster, no database.

Expected values are computed here position by position (loops over the book's rows), so each
test checks the vectorized function against an independent, obvious computation.
"""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from sigmasight_assets.analytics.correlation import rolling_correlation
from sigmasight_assets.analytics.factors import FACTOR_COLUMNS, FACTOR_ETFS, FACTORS, MODEL_COLUMNS
from sigmasight_assets.analytics.parameters import MIN_REGRESSION_DAYS
from sigmasight_assets.analytics.stress import Scenario
from sigmasight_assets.assets import volatility as volatility_asset
from sigmasight_assets.assets.betas import position_betas
from sigmasight_assets.assets.correlations import correlations
from sigmasight_assets.assets.factors import factor_exposures
from sigmasight_assets.assets.stress import stress_tests
from sigmasight_assets.assets.valuation import portfolio_snapshots, position_values
from sigmasight_assets.assets.volatility import portfolio_volatility
from sigmasight_assets.pipeline.risk_inputs import StoredRiskModel
from sigmasight_assets.pipeline.symbol_betas import N_OBS_COLUMN, SymbolBetas
from sigmasight_resources.db.results import (
    FactorExposure,
    PortfolioBeta,
    PortfolioCorrelation,
    PortfolioSnapshot,
    PortfolioVolatility,
    PositionBeta,
    PositionFactorExposure,
    PositionValue,
    StressResult,
)
from sigmasight_resources.vocabulary import InvestmentClass, QualityFlag, SkipReason
from tests.support.books import random_closes, scope_of, synthetic_book

START, END = date(2025, 3, 3), date(2025, 3, 14)
SYMBOLS = ["AAA", "BBB", "CCC", "DDD"]
SPECS = [
    {"portfolio_id": 1, "symbol": "AAA", "quantity": 100, "entry_price": 95.0, "entry_date": date(2024, 6, 3)},
    {"portfolio_id": 1, "symbol": "BBB", "quantity": -40, "entry_price": 105.0, "entry_date": date(2024, 6, 3)},
    {"portfolio_id": 1, "symbol": "CCC", "quantity": 30, "entry_price": 99.0, "entry_date": date(2025, 3, 6)},
    {
        "portfolio_id": 1,
        "symbol": "Fund A",
        "investment_class": InvestmentClass.PRIVATE.value,
        "quantity": 10,
        "entry_price": 500.0,
        "entry_date": date(2024, 6, 3),
    },
    {
        "portfolio_id": 2,
        "symbol": "DDD",
        "quantity": 50,
        "entry_price": 101.0,
        "entry_date": date(2024, 9, 3),
        "exit_date": date(2025, 3, 10),
        "exit_price": 110.0,
    },
    {"portfolio_id": 2, "symbol": "AAA", "quantity": 20, "entry_price": 98.0, "entry_date": date(2024, 9, 3)},
]


@pytest.fixture(scope="module")
def book():
    return synthetic_book(SPECS, random_closes(SYMBOLS))


@pytest.fixture(scope="module")
def scope(book):
    return scope_of(book, START, END)


def open_rows(book, scope):
    """(day, position_id) of every position open on a scope day, from the book by a loop."""
    return [
        (day, pid)
        for day in scope.window(book.valuation.open).index
        for pid in book.positions.index
        if book.valuation.open.at[day, pid]
    ]


def nav_of(book, day, portfolio):
    return float(book.snapshots.loc[(day, portfolio), "nav"])


def stored_betas(book, scope, values: dict[str, float], short: set[str] = frozenset()) -> SymbolBetas:
    """Stored symbol exposures: every factor column of symbol s is values[s] × (1 + k/10) for factor k."""
    days = scope.window(book.valuation.open).index
    rows = []
    for day in days:
        for symbol, value in values.items():
            row = {"date": day, "symbol": symbol, N_OBS_COLUMN: MIN_REGRESSION_DAYS - 1 if symbol in short else 90}
            row |= {column: value * (1 + k / 10) for k, column in enumerate(FACTOR_COLUMNS.values())}
            rows.append(row)
    return SymbolBetas(pd.DataFrame(rows), days, book.positions["price_symbol"])


def test_position_values_rows_and_weights_match_a_loop(book, scope):
    computed = position_values(book, scope)
    rows = computed.tables[PositionValue].set_index(["date", "position_id"])
    assert sorted(rows.index) == sorted(open_rows(book, scope))
    for (day, pid), row in rows.iterrows():
        portfolio = book.positions.at[pid, "portfolio_id"]
        assert row["portfolio_id"] == portfolio
        assert row["weight"] == pytest.approx(book.valuation.exposure.at[day, pid] / nav_of(book, day, portfolio))
    exit_day = rows.loc[(pd.Timestamp(2025, 3, 10), 5)]
    assert exit_day["price"] == 110.0 and exit_day["market_value"] == pytest.approx(50 * 110.0)
    assert (pd.Timestamp(2025, 3, 11), 5) not in rows.index
    assert computed.facts["unpriced"] == {} and computed.facts["covered"] == 6


def test_portfolio_snapshots_nav_is_the_sum_of_market_values(book, scope):
    computed = portfolio_snapshots(book, scope)
    table = computed.tables[PortfolioSnapshot].set_index(["date", "portfolio_id"])
    assert len(table) == len(scope.days) * 2 and computed.facts["missing"] == []
    for (day, portfolio), row in table.iterrows():
        held = [
            pid
            for pid in book.positions.index
            if book.positions.at[pid, "portfolio_id"] == portfolio and book.valuation.open.at[day, pid]
        ]
        # No inception equity: each entry is funded by its |cost|; a short's sale proceeds stay in cash.
        costs = [book.positions.at[pid, "quantity"] * book.positions.at[pid, "entry_price"] for pid in held]
        cash = sum(abs(c) - c for c in costs)
        assert row["cash"] == pytest.approx(cash)
        assert row["nav"] == pytest.approx(cash + sum(book.valuation.market_value.at[day, pid] for pid in held))
        assert row["positions_count"] == len(held)
    quality = computed.quality.set_index(["date", "portfolio_id"])
    assert set(quality.loc[pd.IndexSlice[:, 1], "flag"]) == {QualityFlag.FULL}
    assert all(s == {} for s in quality.loc[pd.IndexSlice[:, 1], "positions_skipped"])  # private positions are valued


def test_portfolio_beta_is_the_weighted_sum_of_position_betas(book, scope):
    betas = stored_betas(book, scope, {"AAA": 1.2, "BBB": 0.8, "CCC": -0.5, "DDD": 2.0})
    computed = position_betas(book, scope, betas)
    portfolio = computed.tables[PortfolioBeta].set_index(["date", "portfolio_id"])
    positions = computed.tables[PositionBeta].set_index(["date", "position_id"])
    for (_, pid), row in positions.iterrows():
        expected = {"AAA": 1.2, "BBB": 0.8, "CCC": -0.5, "DDD": 2.0}.get(book.positions.at[pid, "symbol"])
        assert np.isnan(row["market_beta"]) if expected is None else row["market_beta"] == pytest.approx(expected)
    for (day, p), row in portfolio.iterrows():
        total = 0.0
        for pid in book.positions.index:
            symbol = book.positions.at[pid, "symbol"]
            if book.positions.at[pid, "portfolio_id"] == p and book.valuation.open.at[day, pid] and symbol != "Fund A":
                weight = book.valuation.exposure.at[day, pid] / nav_of(book, day, p)
                total += weight * positions.at[(day, pid), "market_beta"]
        assert row["market_beta"] == pytest.approx(total, rel=1e-12)
        assert row["ir_beta"] == pytest.approx(total * 1.1, rel=1e-12)
    assert computed.facts["outside"] == set()


def test_a_beta_on_too_few_observations_is_skipped_and_flagged(book, scope):
    betas = stored_betas(book, scope, {"AAA": 1.2, "BBB": 0.8, "CCC": -0.5, "DDD": 2.0}, short={"BBB"})
    computed = position_betas(book, scope, betas)
    positions = computed.tables[PositionBeta]
    assert positions.loc[positions["symbol"] == "BBB", "market_beta"].isna().all()
    quality = computed.quality[computed.quality["portfolio_id"] == 1]
    assert set(quality["flag"]) == {QualityFlag.PARTIAL}
    assert all(s == {SkipReason.INSUFFICIENT: 1, SkipReason.PRIVATE: 1} for s in quality["positions_skipped"])


def test_factor_exposures_are_twelve_betas_and_dollar_exposures_per_portfolio_day(book, scope):
    betas = stored_betas(book, scope, {"AAA": 1.0, "BBB": 0.5, "CCC": 0.2, "DDD": 1.5})
    computed = factor_exposures(book, scope, betas)
    table = computed.tables[FactorExposure]
    assert len(table) == len(scope.days) * 2 * len(FACTORS)
    assert set(table["factor"]) == set(FACTORS)
    assert np.allclose(
        table["dollar_exposure"], [row.beta * nav_of(book, row.date, row.portfolio_id) for row in table.itertuples()]
    )
    market = table[table["factor"] == "Market_Beta"].set_index(["date", "portfolio_id"])["beta"]
    assert np.allclose(table[table["factor"] == "IR_Beta"].set_index(["date", "portfolio_id"])["beta"], market * 1.1)
    assert set(computed.tables[PositionFactorExposure].columns) >= {"exposure", *FACTOR_COLUMNS.values()}


def test_portfolio_volatility_realized_vol_matches_pandas(book, scope):
    computed = portfolio_volatility(book, scope)
    table = computed.tables[PortfolioVolatility].set_index(["date", "portfolio_id"])
    returns = book.snapshots["daily_return"].unstack("portfolio_id")
    for (day, p), row in table.iterrows():
        window = returns[p].loc[:day].dropna().iloc[-21:]
        assert row["realized_21d"] == pytest.approx(window.std(ddof=1) * np.sqrt(252), rel=1e-10)
        assert row["realized_63d"] == pytest.approx(
            returns[p].loc[:day].dropna().iloc[-63:].std(ddof=1) * np.sqrt(252), rel=1e-10
        )
    quality = computed.quality.set_index(["date", "portfolio_id"])
    assert set(quality["flag"]) == {QualityFlag.LIMITED}  # fewer than 252 returns behind the tails


def test_correlations_average_matches_pandas_on_each_day(book, scope):
    etf_closes = random_closes(list(FACTOR_ETFS), seed=11)
    factor_corr = rolling_correlation(etf_closes.pct_change().iloc[1:], 90, 20)
    computed = correlations(book, scope, factor_corr)
    table = computed.tables[PortfolioCorrelation].set_index(["date", "portfolio_id"])
    returns = book.closes.pct_change()
    for day in scope.window(book.valuation.open).index:
        held = ["AAA", "BBB"] + (["CCC"] if day >= pd.Timestamp(2025, 3, 6) else [])
        row = table.loc[(day, 1)]
        assert row["symbols"] == sorted(held)
        matrix = returns.loc[:day, sorted(held)].iloc[-90:].corr(min_periods=20).to_numpy()
        off = matrix[~np.eye(len(held), dtype=bool)]
        assert row["average"] == pytest.approx(off.mean(), rel=1e-10)
        assert row["factor_matrix"]["symbols"] == list(FACTOR_ETFS)


def stored_model(book, scope, market: dict[str, float], etf_vols: np.ndarray) -> StoredRiskModel:
    """A stored risk model: each symbol loads `market[s]` on Market only; uncorrelated factor ETFs."""
    days = scope.window(book.valuation.open).index
    long = pd.DataFrame(
        [
            {
                "date": day,
                "symbol": symbol,
                **dict.fromkeys(MODEL_COLUMNS.values(), 0.0),
                "market": beta,
                "specific_var": 1e-4,
                "n_obs": 252,
            }
            for day in days
            for symbol, beta in market.items()
        ],
        columns=["date", "symbol", *MODEL_COLUMNS.values(), "specific_var", "n_obs"],
    )
    covariances = pd.DataFrame(
        {
            "factor_cov": [np.eye(7).tolist()] * len(days),
            "etf_cov": [np.diag(etf_vols**2).tolist()] * len(days),
            "n_obs": 504,
        },
        index=days,
    )
    return StoredRiskModel(long, covariances, days, book)


def test_stress_direct_pnl_is_exposure_times_shock_and_correlated_moves_positions_by_their_loadings(book, scope):
    days = pd.DatetimeIndex([pd.Timestamp(d) for d in scope.days])
    exposures = pd.DataFrame(
        [
            {"date": day, "portfolio_id": p, "factor": f, "dollar_exposure": 1000.0 * (k + 1) * p}
            for day in days
            for p in (1, 2)
            for k, f in enumerate(FACTORS)
        ]
    )
    quality = pd.DataFrame({"date": days, "portfolio_id": 1, "flag": QualityFlag.FULL.value})
    scenario = Scenario("mkt_down", "Market down", "market", {"Market_Beta": -0.1})
    market = {"AAA": 1.2, "BBB": 0.8, "CCC": -0.5, "DDD": 2.0}
    model = stored_model(book, scope, market, np.full(8, 0.01))  # uncorrelated ETFs: only SPY moves
    computed = stress_tests(book, scope, exposures, quality, model, [scenario])
    table = computed.tables[StressResult]
    assert len(table) == len(days) * 2
    for row in table.itertuples():
        expected = 1000.0 * row.portfolio_id * (1 * -0.1)
        assert row.direct_pnl == pytest.approx(expected)
        assert row.direct_pct == pytest.approx(expected / nav_of(book, row.date, row.portfolio_id))
        # SPY −10% and the four spreads against SPY +10%: a Market-only loading moves by −10% × beta
        by_hand = sum(
            book.valuation.market_value.at[row.date, pid] * market[book.positions.at[pid, "symbol"]] * -0.1
            for pid in book.positions.index
            if book.positions.at[pid, "portfolio_id"] == row.portfolio_id
            and book.valuation.open.at[row.date, pid]
            and book.positions.at[pid, "symbol"] in market
        )
        assert row.correlated_pnl == pytest.approx(by_hand, rel=1e-12)
    assert computed.quality is quality


def test_stress_tests_of_an_empty_scope_write_nothing(book, scope):
    empty = scope.__class__(scope.days, [])
    computed = stress_tests(
        book,
        empty,
        pd.DataFrame(columns=["date", "portfolio_id", "factor", "dollar_exposure"]),
        pd.DataFrame(columns=["date", "portfolio_id", "flag"]),
        stored_model(book, scope, {}, np.full(8, 0.01)),
        [],
    )
    assert computed.tables[StressResult].empty


def test_var_and_es_do_not_depend_on_how_many_replayed_days_are_filtered_at_once(book, scope, monkeypatch):
    tails = ["var_95", "var_99", "es_95", "es_99"]
    monkeypatch.setattr(volatility_asset, "FHS_ROWS", 10**6)
    at_once = portfolio_volatility(book, scope).tables[PortfolioVolatility][tails]
    monkeypatch.setattr(volatility_asset, "FHS_ROWS", 7)  # blocks that split portfolios' histories
    in_blocks = portfolio_volatility(book, scope).tables[PortfolioVolatility][tails]
    assert at_once.notna().any().all()
    pd.testing.assert_frame_equal(in_blocks, at_once)
