"""The risk backtest's statistics on hand-computed cases, and its acceptance bar on real closes.

The bar runs `benchmarks/risk_backtest.py`'s checks on `tests/data/risk_prices.csv.gz` (the three
books' symbols and the factor ETFs, 2019-01-02..2022-12-30), materialized over 2021-06-01..2022-12-30.
"""

import json
import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.scenarios.risk_backtest import (
    BOOKS,
    CHI2_1_AT_5PCT,
    CONTRIBUTION_TOLERANCE,
    RATIO_BAND,
    bias_statistic,
    chi2_pvalue,
    christoffersen_lr,
    kupiec_lr,
    materialize,
    measure,
    stored_rows,
    stress_ratio,
    transition_counts,
)

PRICES = Path(__file__).parents[1] / "data" / "risk_prices.csv.gz"
START, END = date(2021, 6, 1), date(2022, 12, 30)


def test_kupiec_on_hand_computed_cases():
    assert kupiec_lr(5, 100, 0.05) == pytest.approx(0.0, abs=1e-12)  # the expected count
    # -2 [90 ln .95 + 10 ln .05 - 90 ln .9 - 10 ln .1]
    assert kupiec_lr(10, 100, 0.05) == pytest.approx(4.130843782549277, rel=1e-12)
    assert kupiec_lr(0, 100, 0.05) == pytest.approx(10.258658877510113, rel=1e-12)  # -200 ln .95


def test_christoffersen_on_hand_computed_cases():
    spread = [0, 0, 1, 1, 0, 0, 0, 1, 0, 0]
    assert transition_counts(spread) == (4, 2, 2, 1)
    assert christoffersen_lr(spread) == pytest.approx(0.0, abs=1e-12)  # pi01 = pi11 = pi = 1/3
    clustered = [0, 0, 0, 1, 1, 1, 0, 0, 0]
    assert transition_counts(clustered) == (4, 1, 1, 2)
    # -2 [5 ln 5/8 + 3 ln 3/8] + 2 [4 ln 4/5 + ln 1/5 + ln 1/3 + 2 ln 2/3]
    assert christoffersen_lr(clustered) == pytest.approx(1.7619025653769569, rel=1e-12)
    assert christoffersen_lr([0] * 20) == 0.0


def test_chi2_pvalues():
    assert chi2_pvalue(CHI2_1_AT_5PCT) == pytest.approx(0.05, rel=1e-12)
    assert round(CHI2_1_AT_5PCT, 2) == 3.84
    assert chi2_pvalue(0.0) == 1.0


def test_bias_statistic_and_stress_ratio():
    vols = [math.sqrt(252) * v for v in (0.01, 0.01, 0.02, 0.02)]
    assert bias_statistic([0.01, -0.01, 0.02, -0.02], vols) == pytest.approx(math.sqrt(4 / 3))  # z = ±1
    assert stress_ratio([-3.0, -1.0], [-2.0, -2.0]) == 1.0


def test_measure_pairs_the_day_before_with_the_day():
    days = [date(2024, 1, d) for d in (2, 3, 4, 5)]

    def frame(**columns) -> pd.DataFrame:
        return pd.DataFrame(columns, index=pd.Index(days, name="date"))

    rows = {
        "snapshots": frame(nav=[100.0] * 4, daily_pnl=[0.0, -2.0, 1.0, -4.0], daily_return=[0.0, -0.02, 0.01, -0.04]),
        "var": frame(var_95=[0.01, 0.03, 0.03, 0.03], var_99=[0.05] * 4),
        "stress": frame(direct_pnl=[-5.0, -10.0, -4.0, -1.0], correlated_pnl=[-4.0, -8.0, -2.0, 0.0]),
        "risk": frame(
            ex_ante_vol=[0.2, 0.2, 0.4, 0.2],
            specific_vol=[0.1, 0.1, 0.2, 0.1],  # specific contribution 0.05, 0.05, 0.1, 0.05
            factor_contributions=[{"Market": {"contribution": 0.15}, "Rates": {"contribution": None}}] * 2
            + [{"Market": {"contribution": 0.2}, "Rates": {"contribution": 0.2}}, {"Market": {"contribution": 0.15}}],
            position_contributions=[[{"contribution": 0.1}, {"contribution": 0.1}]] * 2
            + [[{"contribution": 0.3}, {"contribution": 0.1}], [{"contribution": 0.25}]],
        ),
        "market": frame(close=[100.0, 98.0, 99.0, 95.0]),
    }
    figures = measure(rows)
    # D = the 3rd, 4th and 5th (all among the 25 worst of 3), each with the stress rows of D-1
    spy = [-0.02, 99 / 98 - 1, 95 / 99 - 1]
    scale = [r / -0.05 for r in spy]
    realized = -2.0 + 1.0 - 4.0
    assert figures["stress_ratio_correlated"] == pytest.approx(
        realized / (-4.0 * scale[0] - 8.0 * scale[1] - 2.0 * scale[2])
    )
    assert figures["stress_ratio_direct"] == pytest.approx(
        realized / (-5.0 * scale[0] - 10.0 * scale[1] - 4.0 * scale[2])
    )
    assert figures["var_95"]["exceedances"] == 2 and figures["var_95"]["n"] == 3  # -2% < -1%, -4% < -3%
    assert figures["var_99"]["exceedances"] == 0
    z = [-0.02 / (0.2 / math.sqrt(252)), 0.01 / (0.2 / math.sqrt(252)), -0.04 / (0.4 / math.sqrt(252))]
    assert figures["bias_statistic"] == pytest.approx(pd.Series(z).std())
    assert figures["max_contribution_gap"] == pytest.approx(0.05)
    assert figures["max_factor_contribution_gap"] == pytest.approx(0.1)  # 0.2 + 0.2 + 0.1 on a vol of 0.4
    assert figures["checks"]["position_contributions"] is False


@pytest.fixture(scope="module")
def backtest(tmp_path_factory) -> dict[str, dict]:
    db, ids = materialize(PRICES, tmp_path_factory.mktemp("risk_backtest"), BOOKS, START, END)
    try:
        return {name: measure(stored_rows(db, pid)) for name, pid in ids.items()}
    finally:
        db.dispose()


@pytest.mark.parametrize("book", [b.name for b in BOOKS])
def test_the_backtest_meets_the_bar_on_real_closes(backtest, book):
    figures = backtest[book]
    shown = json.dumps(figures)
    low, high = RATIO_BAND
    assert figures["stress_days"] == 25
    assert low <= figures["stress_ratio_correlated"] <= high, shown
    assert figures["bias_statistic"] is not None and low <= figures["bias_statistic"] <= high, shown
    for level in ("var_95", "var_99"):
        assert figures[level]["n"] > 350
        assert figures[level]["kupiec_lr"] < CHI2_1_AT_5PCT, shown
    assert figures["max_contribution_gap"] <= CONTRIBUTION_TOLERANCE, shown
    assert figures["max_factor_contribution_gap"] <= CONTRIBUTION_TOLERANCE, shown
