"""The cash account and external flows of each portfolio, from its trades and its capital.

With an inception equity E the cash account starts at E: each entry pays its cost from cash (a
short sale's proceeds add to it), each exit adds its proceeds, and dated external flows add to
it. Without E every entry is funded by a contribution of its absolute cost and every exit hands
its position's cash back: a long-only book's NAV stays its market value, and a short's sale
proceeds (with the contributed collateral) are held as cash while it is open.

A position is valued through its last open day (its exit or expiry), so its proceeds reach cash
on the next session; NAV is the same either way, and exposures keep the position on that day.

A valuation may start after some entries (the daily path values only the longest window the
analytics read): `Prior` then says which trades fell before its first date, and the opening cash
is their closed-form sum, so every date's cash equals that of a valuation from the first entry.
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


NOT_EXITED, EXITS_ON_FIRST, EXITED_BEFORE = 0, 1, 2


@dataclass(frozen=True)
class Prior:
    """Trades before the first date of a valuation, per valuation column (position).

    before : the session before the first date; external flows dated on or before it are in the
        opening cash, later ones count on their session as usual.
    entered : the position's entry (its cost, and its funding without inception equity) fell before
        the first date.
    exited : NOT_EXITED; EXITS_ON_FIRST (its last open day is `before`, so its proceeds land on the
        first date); EXITED_BEFORE (they landed before it).
    proceeds : market value on the last open day of the positions that exited (0 if unpriced).
    """

    before: pd.Timestamp
    entered: np.ndarray
    exited: np.ndarray
    proceeds: np.ndarray


def cash_account(
    positions: pd.DataFrame,
    valuation: Valuation,
    portfolio_of: pd.Series,
    equity: Mapping[int, float],
    flows: pd.DataFrame,
    prior: Prior | None = None,
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
    prior : the trades before the first date, when the valuation starts after some entries.
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
    entered = np.zeros(len(ids), dtype=bool) if prior is None else np.asarray(prior.entered, dtype=bool)
    exited = np.full(len(ids), NOT_EXITED) if prior is None else np.asarray(prior.exited)
    enters = ever & ~entered
    trades = np.zeros((len(dates), len(ids)))
    contributions = np.zeros((len(dates), len(ids)))
    columns = np.arange(len(ids))
    np.add.at(trades, (first[enters], columns[enters]), -cost[enters])
    np.add.at(trades, (last[closed] + 1, columns[closed]), proceeds[closed])
    entry_funding = np.where(funded, np.abs(cost), 0.0)
    np.add.at(contributions, (first[enters], columns[enters]), entry_funding[enters])
    handed_back = np.abs(cost) - cost + proceeds
    np.add.at(contributions, (last[closed & funded] + 1, columns[closed & funded]), -handed_back[closed & funded])
    opening = np.zeros(len(ids))
    if prior is not None:
        before_proceeds = np.nan_to_num(np.asarray(prior.proceeds, dtype=float))
        before_handed_back = np.abs(cost) - cost + before_proceeds
        on_first = exited == EXITS_ON_FIRST
        if len(dates):
            trades[0, on_first] += before_proceeds[on_first]
            contributions[0, on_first & funded] -= before_handed_back[on_first & funded]
        landed = exited == EXITED_BEFORE
        opening = np.where(entered, entry_funding - cost, 0.0)
        opening += np.where(landed, before_proceeds - np.where(funded, before_handed_back, 0.0), 0.0)

    def by_portfolio(values: np.ndarray) -> pd.DataFrame:
        frame = pd.DataFrame(values, index=dates, columns=ids)
        return frame.T.groupby(owners).sum().T.reindex(columns=portfolios, fill_value=0.0)

    counted = flows
    start = pd.Series({p: float(equity.get(p, 0.0)) for p in portfolios}, dtype=float)
    if prior is not None:
        early = pd.to_datetime(flows["date"]) <= prior.before
        counted = flows[~early]
        early_flows = flows[early]["amount"].astype(float).groupby(flows[early]["portfolio_id"]).sum()
        trade_state = pd.Series(opening, index=ids).groupby(owners).sum()
        start = start + trade_state.reindex(portfolios, fill_value=0.0)
        start = start + early_flows.reindex(portfolios, fill_value=0.0)
    external = by_portfolio(contributions) + _dated_flows(counted, dates, portfolios)
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
