"""Returns and spreads against plain numpy arithmetic on real closes."""

import numpy as np
import pandas as pd
import pytest

from sigmasight_assets.analytics import FACTOR_ETFS, FACTORS, simple_returns, spread_returns
from sigmasight_assets.analytics.factors import MODEL_FACTORS, MODEL_SPREADS, SPREADS, STYLE_LEGS
from tests.support.oracles import assert_frame_close


def test_simple_returns_match_price_ratios(closes: pd.DataFrame) -> None:
    prices = closes.to_numpy()
    expected = np.vstack([np.full(prices.shape[1], np.nan), prices[1:] / prices[:-1] - 1])
    assert_frame_close(
        simple_returns(closes), pd.DataFrame(expected, index=closes.index, columns=closes.columns), rtol=1e-14
    )


def test_missing_close_removes_two_returns_and_is_not_filled(closes: pd.DataFrame) -> None:
    gappy = closes.copy()
    gappy.iloc[10, gappy.columns.get_loc("AAPL")] = np.nan
    returns = simple_returns(gappy)["AAPL"]
    assert returns.iloc[[0, 10, 11]].isna().all()
    assert returns.drop(returns.index[[0, 10, 11]]).notna().all()
    assert returns.iloc[12] == pytest.approx(closes["AAPL"].iloc[12] / closes["AAPL"].iloc[11] - 1, rel=1e-14)


def test_spreads_are_leg_differences(etf_returns: pd.DataFrame) -> None:
    spreads = spread_returns(etf_returns)
    assert list(spreads.columns) == ["Growth_Value_Spread", "Momentum_Spread", "Size_Spread", "Quality_Spread"]
    e = etf_returns
    np.testing.assert_array_equal(spreads["Growth_Value_Spread"], e["VUG"] - e["VTV"])
    np.testing.assert_array_equal(spreads["Momentum_Spread"], e["MTUM"] - e["SPY"])
    np.testing.assert_array_equal(spreads["Size_Spread"], e["IWM"] - e["SPY"])
    np.testing.assert_array_equal(spreads["Quality_Spread"], e["QUAL"] - e["SPY"])


def test_factor_names_in_reporting_order() -> None:
    assert FACTOR_ETFS == ("SPY", "TLT", "VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV")
    assert FACTORS == (
        "Market_Beta",
        "IR_Beta",
        "Value",
        "Growth",
        "Momentum",
        "Quality",
        "Size",
        "Low_Volatility",
        "Growth_Value_Spread",
        "Momentum_Spread",
        "Size_Spread",
        "Quality_Spread",
    )


def test_the_stored_factor_names_follow_the_etf_maps() -> None:
    assert ("Market_Beta", "IR_Beta", *STYLE_LEGS, *SPREADS) == FACTORS
    assert ("Market", "Rates", *MODEL_SPREADS) == MODEL_FACTORS


def test_input_validation_names_the_argument(closes: pd.DataFrame, etf_returns: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="closes must be a pandas DataFrame"):
        simple_returns(closes["SPY"])
    with pytest.raises(ValueError, match="closes index must be sorted"):
        simple_returns(closes.iloc[::-1])
    with pytest.raises(ValueError, match="closes must have a DatetimeIndex"):
        simple_returns(closes.reset_index(drop=True))
    zero = closes.copy()
    zero.iloc[5, 3] = 0.0
    with pytest.raises(ValueError, match="closes must be positive"):
        simple_returns(zero)
    with pytest.raises(ValueError, match="closes contains infinite"):
        simple_returns(closes.replace(closes.iloc[3, 0], np.inf))
    with pytest.raises(ValueError, match="closes must be numeric"):
        simple_returns(closes.assign(SPY="x"))
    with pytest.raises(ValueError, match="etf_returns is missing factor ETF columns: VTV"):
        spread_returns(etf_returns.drop(columns="VTV"))
