"""Position valuation and snapshot arithmetic against a per-date, per-position loop on real prices."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from sigmasight_assets.analytics import realized_vol, simple_returns
from sigmasight_assets.analytics.snapshot import portfolio_snapshots
from sigmasight_assets.analytics.valuation import value_positions

RATE = 0.04


@pytest.fixture(scope="module")
def window(closes) -> tuple[pd.DataFrame, pd.DataFrame]:
    prices = closes[["AAPL", "MSFT", "XOM", "SPY"]]
    vols = realized_vol(simple_returns(prices), 63)
    return prices.iloc[100:160], vols.iloc[100:160]


def _positions(dates: pd.DatetimeIndex) -> pd.DataFrame:
    d = [ts.date() for ts in dates]
    rows = [
        (1, 10, "PUBLIC", "AAPL", 100.0, 150.0, d[5], None, None, None, None, None),
        (2, 10, "PUBLIC", "XOM", -200.0, 60.0, d[0], d[30], 55.0, None, None, None),
        (3, 10, "OPTIONS", "SPY", 4.0, 12.0, d[10], None, None, "C", 300.0, d[40]),
        (4, 20, "PRIVATE", None, 1000.0, 20.0, d[0], None, None, None, None, None),
        (5, 20, "PUBLIC", "MSFT", 50.0, 140.0, d[2], None, None, None, None, None),
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "position_id",
            "portfolio_id",
            "investment_class",
            "price_symbol",
            "quantity",
            "entry_price",
            "entry_date",
            "exit_date",
            "exit_price",
            "option_type",
            "strike",
            "expiry",
        ],
    )


def _bs_call(spot, strike, years, rate, vol):
    if years <= 0:
        return max(spot - strike, 0.0), (1.0 if spot > strike else 0.0)
    d1 = (math.log(spot / strike) + (rate + vol * vol / 2) * years) / (vol * math.sqrt(years))
    d2 = d1 - vol * math.sqrt(years)
    return spot * norm.cdf(d1) - strike * math.exp(-rate * years) * norm.cdf(d2), norm.cdf(d1)


def _oracle(positions, prices, vols, marks):
    """Value each position on each date by the rules, one at a time."""
    out = {}
    for _, p in positions.iterrows():
        last = p["exit_date"] or p["expiry"]
        previous = None
        for ts in prices.index:
            day = ts.date()
            if day < p["entry_date"] or (last is not None and day > last):
                previous = None if day < p["entry_date"] else previous
                continue
            multiplier, exposure_delta = 1.0, None
            if p["investment_class"] == "PRIVATE":
                dated = [m for m in marks if m[0] == p["position_id"] and m[1] <= day]
                price = max(dated, key=lambda m: m[1])[2] if dated else p["entry_price"]
            elif p["investment_class"] == "OPTIONS":
                multiplier = 100.0
                spot = prices.at[ts, p["price_symbol"]]
                price, exposure_delta = _bs_call(
                    spot, p["strike"], (p["expiry"] - day).days / 365, RATE, vols.at[ts, p["price_symbol"]]
                )
            else:
                price = prices.at[ts, p["price_symbol"]]
            if p["exit_date"] is not None and day == p["exit_date"]:
                price, exposure_delta = p["exit_price"], None
            base = p["entry_price"] if day == p["entry_date"] else previous
            value = p["quantity"] * multiplier * price
            exposure = (
                value
                if exposure_delta is None
                else (p["quantity"] * multiplier * exposure_delta * prices.at[ts, p["price_symbol"]])
            )
            out[(ts, p["position_id"])] = {
                "price": price,
                "market_value": value,
                "exposure": exposure,
                "pnl": p["quantity"] * multiplier * (price - base),
                "cumulative": p["quantity"] * multiplier * (price - p["entry_price"]),
            }
            previous = price
    return out


def test_valuation_matches_the_per_position_loop(window):
    prices, vols = window
    positions = _positions(prices.index)
    marks = pd.DataFrame([(4, prices.index[20].date(), 21.5)], columns=["position_id", "mark_date", "price"])
    valuation = value_positions(positions, prices, vols, marks, RATE)
    expected = _oracle(positions, prices, vols, list(marks.itertuples(index=False)))
    assert int(valuation.open.to_numpy().sum()) == len(expected)
    for (ts, pid), values in expected.items():
        assert valuation.price.at[ts, pid] == pytest.approx(values["price"], rel=1e-10)
        assert valuation.market_value.at[ts, pid] == pytest.approx(values["market_value"], rel=1e-10)
        assert valuation.exposure.at[ts, pid] == pytest.approx(values["exposure"], rel=1e-10)
        assert valuation.pnl.at[ts, pid] == pytest.approx(values["pnl"], rel=1e-9, abs=1e-9)
        assert valuation.cumulative_pnl.at[ts, pid] == pytest.approx(values["cumulative"], rel=1e-9, abs=1e-9)
    closed_after_exit = valuation.cumulative_pnl.loc[prices.index[31] :, 2]
    assert (closed_after_exit == -200.0 * (55.0 - 60.0)).all()  # realized P&L is kept after the exit


def test_snapshots_match_sums_of_the_loop(window):
    prices, vols = window
    positions = _positions(prices.index)
    marks = pd.DataFrame(columns=["position_id", "mark_date", "price"])
    valuation = value_positions(positions, prices, vols, marks, RATE)
    owners = positions.set_index("position_id")["portfolio_id"]
    snapshots = portfolio_snapshots(valuation, owners)
    expected = _oracle(positions, prices, vols, [])
    for portfolio in (10, 20):
        previous_nav = None
        for ts in prices.index:
            rows = [v for (t, pid), v in expected.items() if t == ts and owners[pid] == portfolio]
            nav = sum(r["market_value"] for r in rows)
            exposures = [r["exposure"] for r in rows]
            pnl = sum(r["pnl"] for r in rows)
            got = snapshots.loc[(ts, portfolio)]
            assert got["nav"] == pytest.approx(nav, rel=1e-10, abs=1e-9)
            assert got["long_exposure"] == pytest.approx(sum(e for e in exposures if e > 0), rel=1e-10, abs=1e-9)
            assert got["short_exposure"] == pytest.approx(sum(e for e in exposures if e < 0), rel=1e-10, abs=1e-9)
            assert got["gross_exposure"] == pytest.approx(sum(abs(e) for e in exposures), rel=1e-10, abs=1e-9)
            assert got["daily_pnl"] == pytest.approx(pnl, rel=1e-9, abs=1e-9)
            assert got["positions_count"] == len(rows)
            if previous_nav:
                assert got["daily_return"] == pytest.approx(pnl / previous_nav, rel=1e-9)
            else:
                assert np.isnan(got["daily_return"])
            previous_nav = nav if nav > 0 else None


def test_valuation_rejects_missing_columns(window):
    prices, vols = window
    with pytest.raises(ValueError, match="positions lacks columns"):
        value_positions(pd.DataFrame({"position_id": [1]}), prices, vols, pd.DataFrame(), RATE)
