"""The cash account and external flows of each portfolio, from its trades and its capital.

With an inception equity E the cash account starts at E: each entry pays its cost from cash (a
short sale's proceeds add to it), each exit adds its proceeds, and dated external flows add to
it. Without E every entry is funded by a contribution of its absolute cost and every exit hands
its position's cash back: a long-only book's NAV stays its market value, and a short's sale
proceeds (with the contributed collateral) are held as cash while it is open.

A position is valued through its last open day (its exit or expiry), so its proceeds reach cash
on the next session; NAV is the same either way, and exposures keep the position on that day.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sigmasight_assets.analytics.valuation import OPTION_MULTIPLIER, Valuation
from sigmasight_resources.vocabulary import InvestmentClass


@dataclass(frozen=True)
class CashAccount:
    """(dates, portfolios) frames: cash at each close, and the external flows of each day."""

    cash: pd.DataFrame
    external_flow: pd.DataFrame


def cash_account(
    positions: pd.DataFrame,
    valuation: Valuation,
    portfolio_of: pd.Series,
    equity: Mapping[int, float],
    flows: pd.DataFrame,
) -> CashAccount:
    """Cash and external flows per portfolio on every date of `valuation`.

    Parameters
    ----------
    positions : indexed by position id (the valuation's columns) with quantity, entry_price,
        investment_class.
    valuation : the positions valued over the dates.
    portfolio_of : position id → portfolio id.
    equity : portfolio id → inception equity, for the portfolios that have one.
    flows : long frame (portfolio_id, date, amount) of external flows; a flow on a day without a
        session counts on the next session, one after the last date is not counted.
    """
    dates = valuation.open.index
    ids = valuation.open.columns
    owners = portfolio_of.reindex(ids).to_numpy()
    portfolios = pd.Index(sorted(set(owners)), name="portfolio_id")
    held = positions.reindex(ids)
    multiplier = np.where(held["investment_class"].to_numpy() == InvestmentClass.OPTIONS.value, OPTION_MULTIPLIER, 1.0)
    cost = held["quantity"].to_numpy(dtype=float) * multiplier * held["entry_price"].to_numpy(dtype=float)

    is_open = valuation.open.to_numpy()
    ever = is_open.any(axis=0)
    first = np.argmax(is_open, axis=0)
    last = len(dates) - 1 - np.argmax(is_open[::-1], axis=0)
    closed = ever & (last < len(dates) - 1)
    value = valuation.market_value.to_numpy()
    proceeds = np.where(closed, np.nan_to_num(value[last, np.arange(len(ids))]), 0.0)

    funded = ~np.isin(owners, list(equity))  # no inception equity: entries funded by contributions
    trades = np.zeros((len(dates), len(ids)))
    contributions = np.zeros((len(dates), len(ids)))
    columns = np.arange(len(ids))
    np.add.at(trades, (first[ever], columns[ever]), -cost[ever])
    np.add.at(trades, (last[closed] + 1, columns[closed]), proceeds[closed])
    entry_funding = np.where(funded, np.abs(cost), 0.0)
    np.add.at(contributions, (first[ever], columns[ever]), entry_funding[ever])
    handed_back = np.abs(cost) - cost + proceeds
    np.add.at(contributions, (last[closed & funded] + 1, columns[closed & funded]), -handed_back[closed & funded])

    def by_portfolio(values: np.ndarray) -> pd.DataFrame:
        frame = pd.DataFrame(values, index=dates, columns=ids)
        return frame.T.groupby(owners).sum().T.reindex(columns=portfolios, fill_value=0.0)

    external = by_portfolio(contributions) + _dated_flows(flows, dates, portfolios)
    start = pd.Series({p: float(equity.get(p, 0.0)) for p in portfolios})
    cash = (external + by_portfolio(trades)).cumsum() + start
    return CashAccount(cash=cash, external_flow=external)


def _dated_flows(flows: pd.DataFrame, dates: pd.DatetimeIndex, portfolios: pd.Index) -> pd.DataFrame:
    """(dates, portfolios): the flows of each portfolio summed on the first session on or after their date."""
    out = pd.DataFrame(0.0, index=dates, columns=portfolios)
    if flows.empty:
        return out
    rows = dates.searchsorted(pd.to_datetime(flows["date"]).to_numpy(), side="left")
    inside = (rows < len(dates)) & flows["portfolio_id"].isin(portfolios).to_numpy()
    summed = pd.DataFrame(
        {
            "row": rows[inside],
            "portfolio_id": flows["portfolio_id"].to_numpy()[inside],
            "amount": flows["amount"].to_numpy(dtype=float)[inside],
        }
    )
    for (row, portfolio), amount in summed.groupby(["row", "portfolio_id"])["amount"].sum().items():
        out.iloc[row, out.columns.get_loc(portfolio)] += amount
    return out
