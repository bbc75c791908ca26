"""Portfolio snapshot arithmetic: cash, NAV, exposures, leverage, P&L and return per portfolio and date."""

import numpy as np
import pandas as pd

from sigmasight_assets.analytics.capital import CashAccount
from sigmasight_assets.analytics.valuation import Valuation


def portfolio_snapshots(
    valuation: Valuation,
    portfolio_of: pd.Series,
    account: CashAccount | None = None,
    equity: pd.Series | None = None,
) -> pd.DataFrame:
    """Aggregate a valuation and a cash account into one row per (date, portfolio_id).

    NAV = cash + the signed market values of open, priced positions; long/short exposure sum the
    positive/negative (delta-adjusted) exposures, short reported as a negative number; gross =
    long + |short|; net = long + short; leverage = exposure / NAV (NaN where NAV is not positive).
    Daily P&L sums the open positions' P&L (unpriced ones add nothing), so external flows are not
    P&L; daily return = P&L / previous day's NAV (NaN when that NAV is not positive); the day
    before the first date has NAV = the inception equity (`equity`, per portfolio), else none.
    Cumulative P&L sums every position's P&L since entry.

    Parameters
    ----------
    valuation : the output of `value_positions` (columns are position ids).
    portfolio_of : position id → portfolio id, for every column of the valuation.
    account : the portfolios' cash account (`cash_account`); None: no cash (NAV = market value).
    equity : portfolio id → inception equity, for the return of the first date.
    """
    owner = portfolio_of.reindex(valuation.open.columns)
    if owner.isna().any():
        raise ValueError("portfolio_of lacks positions " + str(list(owner[owner.isna()].index)))

    def by_portfolio(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.T.groupby(owner.to_numpy()).sum(min_count=0).T

    exposure = valuation.exposure
    market_value = by_portfolio(valuation.market_value.fillna(0.0))
    cash = pd.DataFrame(0.0, index=market_value.index, columns=market_value.columns)
    flows = cash.copy()
    if account is not None:
        cash = account.cash.reindex(index=cash.index, columns=cash.columns, fill_value=0.0)
        flows = account.external_flow.reindex(index=cash.index, columns=cash.columns, fill_value=0.0)
    nav = market_value + cash
    long = by_portfolio(exposure.clip(lower=0).fillna(0.0))
    short = by_portfolio(exposure.clip(upper=0).fillna(0.0))
    pnl = by_portfolio(valuation.pnl.fillna(0.0))
    cumulative = by_portfolio(valuation.cumulative_pnl)
    count = by_portfolio(valuation.open.astype(int))
    previous_nav = nav.shift(1)
    if equity is not None and len(previous_nav):
        previous_nav.iloc[0] = equity.reindex(nav.columns).to_numpy(dtype=float)
    daily_return = pnl / previous_nav.where(previous_nav > 0)
    positive_nav = nav.where(nav > 0)

    parts = {
        "nav": nav,
        "cash": cash,
        "long_exposure": long,
        "short_exposure": short,
        "gross_exposure": long - short,
        "net_exposure": long + short,
        "gross_leverage": (long - short) / positive_nav,
        "net_leverage": (long + short) / positive_nav,
        "daily_pnl": pnl,
        "daily_return": daily_return,
        "cumulative_pnl": cumulative,
        "positions_count": count,
        "external_flow": flows,
    }
    stacked = {name: frame.stack(future_stack=True) for name, frame in parts.items()}
    out = pd.DataFrame(stacked)
    out.index = out.index.set_names(["date", "portfolio_id"])
    out["positions_count"] = out["positions_count"].astype(int)
    return out.replace([np.inf, -np.inf], np.nan)


def position_weights(valuation: Valuation, nav: pd.DataFrame) -> pd.DataFrame:
    """Delta-adjusted exposure / NAV of the position's portfolio, as a (dates, positions) frame.

    `nav` is (dates, positions): each position's portfolio NAV. NaN where NAV is not positive.
    """
    return valuation.exposure / nav.where(nav > 0)
