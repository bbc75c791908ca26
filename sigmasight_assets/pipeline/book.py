"""A run's portfolios valued from their first entry to the range end: the input of every portfolio asset.

Valuing from inception each time (cheap: positions × days in numpy) makes NAV_{D−1}, cumulative
P&L and return history independent of which days were materialized before, so day D alone and
D inside a longer range give identical rows.
"""

from dataclasses import dataclass
from datetime import date

import pandas as pd

from sigmasight_assets.analytics.parameters import LOOKBACK, OPTION_VOL_WINDOW
from sigmasight_assets.analytics.returns import simple_returns
from sigmasight_assets.analytics.snapshot import portfolio_snapshots
from sigmasight_assets.analytics.valuation import Valuation, value_positions
from sigmasight_assets.analytics.volatility import realized_vol
from sigmasight_resources import calendar
from sigmasight_resources.db import queries
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.vocabulary import InvestmentClass, SkipReason


@dataclass(frozen=True)
class Book:
    positions: pd.DataFrame  # indexed by position_id
    valuation: Valuation
    snapshots: pd.DataFrame  # indexed by (date, portfolio_id), from each portfolio's first entry
    closes: pd.DataFrame  # price symbols over [first entry − LOOKBACK, end]
    unavailable: dict[str, str]

    @property
    def portfolio_of(self) -> pd.Series:
        return self.positions["portfolio_id"]

    @property
    def public(self) -> pd.Series:
        return self.positions["investment_class"] != InvestmentClass.PRIVATE

    @property
    def private(self) -> pd.Series:
        return ~self.public

    def nav_by_position(self) -> pd.DataFrame:
        """(dates, positions): NAV of each position's portfolio."""
        nav = self.snapshots["nav"].unstack("portfolio_id").reindex(self.valuation.open.index)
        return nav[self.portfolio_of.to_numpy()].set_axis(self.valuation.open.columns, axis=1)

    def weights(self) -> pd.DataFrame:
        """(dates, positions): delta-adjusted exposure / portfolio NAV (NaN where NAV ≤ 0)."""
        nav = self.nav_by_position()
        return self.valuation.exposure / nav.where(nav > 0)

    def valuation_reasons(self) -> pd.DataFrame:
        """(dates, positions): why a position has no value; a recorded-unavailable (underlying) symbol is named so."""
        flags = self.valuation.flag.copy()
        unavailable = self.positions["price_symbol"].isin(list(self.unavailable))
        for position_id in unavailable[unavailable].index:
            column = flags[position_id]
            missing = column.isin([SkipReason.NO_PRICE, SkipReason.NO_UNDERLYING])
            flags[position_id] = column.where(~missing, SkipReason.UNAVAILABLE.value)
        return flags


def load_book(db: ResultsDatabase, portfolio_ids: list[int], end: date, rate: float) -> Book:
    """The stored positions, marks and closes of the portfolios, valued from their first entry to `end`."""
    with db.transaction() as session:
        positions = queries.positions_frame(session, portfolio_ids)
        positions = positions[pd.to_datetime(positions["entry_date"]) <= pd.Timestamp(end)]
        marks = queries.manual_marks(session, positions["position_id"])
        unavailable = queries.unavailable_symbols(session)
    inception = min(positions["entry_date"], default=end)
    closes = db.closes(positions["price_symbol"].dropna(), calendar.previous_sessions(inception, LOOKBACK), end)
    return assemble_book(positions, marks, closes, unavailable, rate)


def assemble_book(
    positions: pd.DataFrame, marks: pd.DataFrame, closes: pd.DataFrame, unavailable: dict[str, str], rate: float
) -> Book:
    """Value `positions` (rows as `queries.positions_frame` gives them) on `closes` from the first entry on.

    `closes` starts LOOKBACK sessions before the first entry, so option vols exist from day one;
    each portfolio's snapshots start at its own first entry.
    """
    inception = pd.Timestamp(min(positions["entry_date"], default=closes.index.max()))
    vols = realized_vol(simple_returns(closes), OPTION_VOL_WINDOW)
    held = closes.index >= inception
    valuation = value_positions(positions, closes[held], vols[held], marks, rate)
    positions = positions.set_index("position_id", drop=False)
    snapshots = portfolio_snapshots(valuation, positions["portfolio_id"])
    first_entry = pd.to_datetime(positions.groupby("portfolio_id")["entry_date"].min())
    dates = snapshots.index.get_level_values("date")
    owners = snapshots.index.get_level_values("portfolio_id")
    snapshots = snapshots[dates >= first_entry.reindex(owners).to_numpy()]
    return Book(positions, valuation, snapshots, closes, unavailable)
