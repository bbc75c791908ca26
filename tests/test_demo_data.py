"""The demo's packaged real closes and the books built on them: the slice covers what the demo
values (every symbol, LOOKBACK sessions before each entry, up to DEMO_AS_OF), entries sit at the
real close of their day, and the long/short fund's equity gives it about 2x gross leverage.
Also the demo summary and the settings pin the demo uses."""

import math
import re
from datetime import date

import numpy as np
import pandas as pd
import pytest

from sigmasight_assets.analytics.factors import FACTOR_ETFS
from sigmasight_assets.analytics.options import black_scholes
from sigmasight_assets.analytics.parameters import LOOKBACK
from sigmasight_assets.cli.common import get_settings, settings_override
from sigmasight_assets.cli.report import print_summary
from sigmasight_resources import calendar
from sigmasight_resources.demo import (
    DEMO_AS_OF,
    DEMO_INCEPTION_EQUITY,
    DEMO_PORTFOLIOS,
    DEMO_PRICES,
    demo_positions,
)
from sigmasight_resources.market_data import CsvMarketData
from sigmasight_resources.settings import DEFAULT_RISK_FREE_RATE
from sigmasight_resources.vocabulary import InvestmentClass

MULTIPLIER = 100


@pytest.fixture(scope="module")
def closes() -> pd.DataFrame:
    """(sessions, symbols) closes of the packaged file, read through the CSV provider."""
    provider = CsvMarketData(DEMO_PRICES)
    batch = provider.daily_closes(provider.symbols(), date(2000, 1, 3), DEMO_AS_OF)
    assert batch.unavailable == {}
    wide = batch.wide()
    wide.index = pd.DatetimeIndex(pd.to_datetime(wide.index))
    return wide


def _price_symbol(spec) -> str:
    return spec.underlying or spec.symbol


def _column(closes: pd.DataFrame, symbol: str) -> pd.Series:
    return closes[symbol.replace(".", "-") if symbol not in closes else symbol]


def test_the_packaged_file_is_small_and_ends_on_the_demo_date(closes):
    assert DEMO_PRICES.stat().st_size < 500_000
    assert closes.index.max() == pd.Timestamp(DEMO_AS_OF)
    assert closes.index.min() <= pd.Timestamp(calendar.previous_sessions(DEMO_AS_OF, 4 * 252 - 5))
    assert not closes.isna().any().any()  # every symbol on every session: no gaps to carry


def test_it_holds_exactly_the_demo_symbols_and_the_factor_etfs(closes):
    held = {
        _price_symbol(p).replace(".", "-")
        for specs in demo_positions().values()
        for p in specs
        if p.investment_class is not InvestmentClass.PRIVATE
    }
    assert set(closes.columns) == held | set(FACTOR_ETFS)


def test_every_entry_has_lookback_sessions_of_prices_before_it(closes):
    first_close = closes.index.min().date()
    for specs in demo_positions().values():
        for p in specs:
            assert calendar.previous_sessions(p.entry_date, LOOKBACK) >= first_close, p.symbol
    first_demo_day = calendar.previous_sessions(DEMO_AS_OF, calendar.TRADING_DAYS_PER_YEAR - 1)
    assert calendar.previous_sessions(first_demo_day, LOOKBACK) >= first_close  # factor ETF windows


def test_public_entries_are_at_the_real_close_of_their_day(closes):
    for specs in demo_positions().values():
        for p in specs:
            if p.investment_class is InvestmentClass.PUBLIC:
                real = _column(closes, p.symbol).loc[pd.Timestamp(p.entry_date)]
                assert p.entry_price == pytest.approx(real, abs=0.005), p.symbol


def test_options_are_near_the_money_and_entered_at_their_model_value(closes):
    returns = closes.pct_change()
    vol63 = returns.rolling(63).std() * math.sqrt(calendar.TRADING_DAYS_PER_YEAR)
    for specs in demo_positions().values():
        for p in (p for p in specs if p.investment_class is InvestmentClass.OPTIONS):
            day = pd.Timestamp(p.entry_date)
            spot = _column(closes, p.underlying).loc[day]
            assert p.expiry > DEMO_AS_OF and abs(p.strike / spot - 1) < 0.1, p.symbol
            value = black_scholes(
                spot,
                p.strike,
                (p.expiry - p.entry_date).days / 365.0,
                DEFAULT_RISK_FREE_RATE,
                vol63[p.underlying].loc[day],
                p.option_type == "C",
            ).price
            assert p.entry_price == pytest.approx(float(value), abs=0.01), p.symbol


def test_private_marks_precede_the_demo_date():
    marks = [p for specs in demo_positions().values() for p in specs if p.mark_date is not None]
    assert len(marks) == 2 and all(p.mark_date < DEMO_AS_OF for p in marks)


def test_the_long_short_equity_gives_about_2x_gross_on_the_demo_date(closes):
    """Gross (delta-adjusted) exposure / (equity + P&L since entry) on DEMO_AS_OF, valued as the
    pipeline values it: public at the close, options by Black-Scholes on the 63-day vol."""
    name = DEMO_PORTFOLIOS[2][0]
    equity = DEMO_INCEPTION_EQUITY[name]
    assert set(DEMO_INCEPTION_EQUITY) == {name}
    vol63 = closes.pct_change().rolling(63).std().iloc[-1] * math.sqrt(calendar.TRADING_DAYS_PER_YEAR)
    gross = pnl = 0.0
    for p in demo_positions()[name]:
        spot = _column(closes, _price_symbol(p)).iloc[-1]
        if p.investment_class is InvestmentClass.OPTIONS:
            greeks = black_scholes(
                spot,
                p.strike,
                (p.expiry - DEMO_AS_OF).days / 365.0,
                DEFAULT_RISK_FREE_RATE,
                vol63[p.underlying],
                p.option_type == "C",
            )
            gross += abs(p.quantity * MULTIPLIER * float(greeks.delta) * spot)
            pnl += p.quantity * MULTIPLIER * (float(greeks.price) - p.entry_price)
        else:
            gross += abs(p.quantity * spot)
            pnl += p.quantity * (spot - p.entry_price)
    leverage = gross / (equity + pnl)
    assert 1.8 < leverage < 2.2, leverage
    assert 0 < pnl < 0.5 * equity  # a plausible gain, not a hindsight windfall


def _report(**snapshot) -> dict:
    base = {"nav": 1_000_000.0, "cash": None, "gross_leverage": None, "net_leverage": None, "daily_pnl": 1234.0}
    return {
        "portfolio": {"id": 7, "name": "Demo"},
        "as_of": DEMO_AS_OF.isoformat(),
        "snapshot": {**base, **snapshot},
        "betas": {"market_beta": 0.42},
        "volatility": {"realized_21d": 0.1234},
        "stress_tests": {
            "scenarios": [
                {"name": "Mild", "correlated_pnl": -10.0, "correlated_pct": -0.00001},
                {"name": "Crash", "correlated_pnl": -250_000.0, "correlated_pct": -0.25},
                {"name": "Unscored", "correlated_pnl": None, "correlated_pct": None},
            ]
        },
    }


def _figures(text: str) -> dict[str, str]:
    rows = (re.split(r"\s*│\s*", line.strip("│ ")) for line in text.splitlines() if line.startswith("│"))
    return {row[0]: row[1] for row in rows if len(row) == 2}


def test_summary_prints_every_figure_and_dashes_for_missing_capital(capsys):
    print_summary(_report(), source="packaged real closes, as of 2026-07-31")
    out = capsys.readouterr().out
    assert "Demo (id 7) as of 2026-07-31" in out
    figures = _figures(out)
    assert figures["data source"] == "packaged real closes, as of 2026-07-31"
    assert figures["NAV"] == "1,000,000" and figures["daily P&L"] == "1,234"
    assert figures["cash"] == "–" and figures["gross leverage"] == "–" and figures["net leverage"] == "–"
    assert figures["market beta"] == "0.42" and figures["21d vol"] == "12.34%"
    assert figures["worst stress scenario"] == "Crash -250,000 (-25.00%)"

    print_summary(_report(cash=-5_500_000.4, gross_leverage=1.9976, net_leverage=0.3617))
    figures = _figures(capsys.readouterr().out)
    assert "data source" not in figures
    assert figures["cash"] == "-5,500,000" and figures["gross leverage"] == "2.00x"
    assert figures["net leverage"] == "0.36x"


def test_settings_override_wins_over_the_environment_inside_its_block_only(monkeypatch):
    monkeypatch.setenv("SIGMASIGHT_MARKET_DATA", "polygon")
    with settings_override(market_data=f"csv:{DEMO_PRICES}") as pinned:
        assert get_settings() is pinned and pinned.market_data == f"csv:{DEMO_PRICES}"
    assert get_settings().market_data == "polygon"
    assert np.isfinite(pinned.risk_free_rate)  # the rest still comes from the environment
