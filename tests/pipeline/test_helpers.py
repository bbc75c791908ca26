"""The machinery the portfolio assets share, on small inputs with answers worked out by hand."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from sigmasight_assets.pipeline.layout import by_portfolio, position_rows, weighted_sum
from sigmasight_assets.pipeline.quality import quality_table
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_assets.pipeline.symbol_betas import beta_reasons
from sigmasight_resources.vocabulary import InvestmentClass, QualityFlag, SkipReason
from tests.support.books import random_closes, scope_of, synthetic_book

DAYS = pd.DatetimeIndex(["2025-03-03", "2025-03-04"])


def test_weighted_sum_sums_weight_times_beta_per_portfolio_and_is_nan_without_betas():
    weights = pd.DataFrame({1: [0.5, 0.5], 2: [0.25, 0.1], 3: [1.0, 1.0]}, index=DAYS)
    betas = pd.DataFrame({1: [1.0, 2.0], 2: [2.0, np.nan], 3: [np.nan, np.nan]}, index=DAYS)
    out = weighted_sum(weights, betas, pd.Series({1: 10, 2: 10, 3: 20}))
    assert out.loc["2025-03-03", 10] == pytest.approx(0.5 * 1.0 + 0.25 * 2.0)
    assert out.loc["2025-03-04", 10] == pytest.approx(0.5 * 2.0)
    assert out[20].isna().all()


def test_by_portfolio_stacks_dates_and_portfolios_keeping_nan():
    series = by_portfolio(pd.DataFrame({10: [1.0, np.nan]}, index=DAYS), "beta")
    assert list(series.index.names) == ["date", "portfolio_id"] and series.name == "beta"
    assert series[(DAYS[0], 10)] == 1.0 and np.isnan(series[(DAYS[1], 10)])


def test_quality_table_flags_and_counts_per_portfolio_day():
    open_mask = pd.DataFrame({1: [True, True], 2: [True, True], 3: [True, False], 4: [True, True]}, index=DAYS)
    reasons = pd.DataFrame(
        {
            1: [None, None],
            2: [None, SkipReason.UNPRICED.value],
            3: [SkipReason.PRIVATE.value, None],
            4: [SkipReason.PRIVATE.value, SkipReason.PRIVATE.value],
        },
        index=DAYS,
        dtype=object,
    )
    public = pd.Series({1: True, 2: True, 3: False, 4: False})
    portfolio_of = pd.Series({1: 10, 2: 10, 3: 10, 4: 20})
    data_days = pd.Series(
        [40, 41, 5, 6], index=pd.MultiIndex.from_product([DAYS, [10, 20]], names=["date", "portfolio_id"])
    )
    limited = data_days < 41
    table = quality_table(open_mask, reasons, public, portfolio_of, data_days, limited=limited).set_index(
        ["date", "portfolio_id"]
    )
    first, second = table.loc[(DAYS[0], 10)], table.loc[(DAYS[1], 10)]
    assert first["flag"] == QualityFlag.LIMITED and first["positions_total"] == 3
    assert first["positions_analyzed"] == 2 and first["positions_skipped"] == {"private": 1}
    assert second["flag"] == QualityFlag.PARTIAL and second["positions_skipped"] == {"unpriced": 1}
    assert second["message"] == "1 of 2 positions analyzed over 5 days; skipped: unpriced 1"
    assert set(table.loc[pd.IndexSlice[:, 20], "flag"]) == {QualityFlag.NO_PUBLIC}


def test_quality_table_adds_required_pairs_without_open_positions():
    open_mask = pd.DataFrame({1: [True, False]}, index=DAYS)
    reasons = pd.DataFrame({1: [None, None]}, index=DAYS, dtype=object)
    required = pd.MultiIndex.from_tuples([(DAYS[1], 10)], names=["date", "portfolio_id"])
    table = quality_table(
        open_mask, reasons, pd.Series({1: True}), pd.Series({1: 10}), pd.Series(dtype=float), required=required
    ).set_index(["date", "portfolio_id"])
    assert table.loc[(DAYS[1], 10), "positions_total"] == 0
    assert table.loc[(DAYS[1], 10), "message"] == "no open positions"


@pytest.fixture(scope="module")
def book():
    specs = [
        {"portfolio_id": 1, "symbol": "AAA", "quantity": 10, "entry_price": 100.0, "entry_date": date(2024, 6, 3)},
        {"portfolio_id": 1, "symbol": "BBB", "quantity": 10, "entry_price": 100.0, "entry_date": date(2024, 6, 3)},
        {
            "portfolio_id": 1,
            "symbol": "Fund",
            "investment_class": InvestmentClass.PRIVATE.value,
            "quantity": 1,
            "entry_price": 1000.0,
            "entry_date": date(2024, 6, 3),
        },
    ]
    closes = random_closes(["AAA", "BBB"])
    closes.loc["2025-02-24":"2025-03-04", "BBB"] = np.nan  # 7 sessions: 5 carried, then unpriced
    return synthetic_book(specs, closes)


def test_beta_reasons_name_private_missing_price_and_short_history(book):
    scope = scope_of(book, date(2025, 3, 3), date(2025, 3, 5))
    open_days = scope.window(book.valuation.open).index
    n_obs = pd.DataFrame({1: 90, 2: 90, 3: np.nan}, index=open_days)
    n_obs.loc["2025-03-05", 1] = 29
    reasons = beta_reasons(book, scope, n_obs)
    assert reasons[3].eq(SkipReason.PRIVATE).all()
    assert reasons.at[pd.Timestamp("2025-03-04"), 2] == SkipReason.UNPRICED
    assert reasons.at[pd.Timestamp("2025-03-05"), 1] == SkipReason.INSUFFICIENT
    assert reasons.at[pd.Timestamp("2025-03-03"), 1] is None


def test_a_missing_close_is_carried_five_sessions_then_the_position_is_unpriced(book):
    bbb = book.positions.index[book.positions["symbol"] == "BBB"][0]
    last_close = book.closes.at[pd.Timestamp("2025-02-21"), "BBB"]
    carried = pd.date_range("2025-02-24", "2025-02-28", freq="B")
    assert (book.valuation.price.loc[carried, bbb] == last_close).all()
    assert book.stale.loc[carried, bbb].all() and not book.stale.loc["2025-03-03":, bbb].any()
    assert (book.position_flags().loc[carried, bbb] == "stale_price").all()
    assert book.valuation_reasons().loc[carried, bbb].isna().all()  # stale positions are analyzed
    for day in ("2025-03-03", "2025-03-04"):
        assert np.isnan(book.valuation.market_value.at[pd.Timestamp(day), bbb])
        assert book.valuation_reasons().at[pd.Timestamp(day), bbb] == SkipReason.UNPRICED
    held = book.valuation.market_value.loc["2025-03-04"].drop(bbb).sum()
    assert book.snapshots.loc[(pd.Timestamp("2025-03-04"), 1), "nav"] == pytest.approx(held)  # left NAV, no zero


def test_unavailable_symbol_is_named_so_in_the_valuation_reasons(book):
    marked = synthetic_book(
        [{"portfolio_id": 1, "symbol": "BBB", "quantity": 1, "entry_price": 1.0, "entry_date": date(2024, 6, 3)}],
        book.closes[["BBB"]],
        unavailable={"BBB": "delisted"},
    )
    assert marked.valuation_reasons().at[pd.Timestamp("2025-03-04"), 1] == SkipReason.UNAVAILABLE


def test_weights_are_exposure_over_the_portfolio_nav(book):
    day = pd.Timestamp("2025-03-05")
    nav = book.valuation.market_value.loc[day].sum()
    assert book.weights().loc[day].to_dict() == pytest.approx((book.valuation.exposure.loc[day] / nav).to_dict())


def test_scope_window_and_keep_select_the_days_and_portfolios():
    scope = RunScope([date(2025, 3, 3), date(2025, 3, 5)], [10])
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-05"]),
            "portfolio_id": [10, 10, 10, 20],
        }
    )
    assert scope.keep(frame).index.tolist() == [0, 2]
    indexed = pd.DataFrame(
        {"x": range(4)}, index=pd.to_datetime(["2025-03-02", "2025-03-03", "2025-03-04", "2025-03-06"])
    )
    assert scope.window(indexed)["x"].tolist() == [1, 2]  # [start, end] inclusive, whatever the days in between
    assert (scope.start, scope.end) == (date(2025, 3, 3), date(2025, 3, 5))


def test_position_rows_are_one_row_per_open_position_day(book):
    scope = scope_of(book, date(2025, 3, 5), date(2025, 3, 6))
    rows = position_rows(book, scope, {"exposure": scope.window(book.valuation.exposure)})
    assert len(rows) == 2 * 3
    assert set(rows.columns) == {"date", "position_id", "portfolio_id", "symbol", "exposure"}
    first = rows[(rows["position_id"] == 1) & (rows["date"] == pd.Timestamp("2025-03-05"))].iloc[0]
    assert first["exposure"] == book.valuation.exposure.at[pd.Timestamp("2025-03-05"), 1]
