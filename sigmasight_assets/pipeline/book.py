"""A run's portfolios valued from their first entry to the range end: the input of every portfolio asset.

Valuing from inception each time (cheap: positions × days in numpy) makes NAV_{D−1}, the cash
account, cumulative P&L and return history independent of which days were materialized before,
so day D alone and D inside a longer range give identical rows.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from sigmasight_assets.analytics.capital import cash_account
from sigmasight_assets.analytics.parameters import LOOKBACK, OPTION_VOL_WINDOW, STALE_PRICE_SESSIONS
from sigmasight_assets.analytics.returns import simple_returns
from sigmasight_assets.analytics.snapshot import portfolio_snapshots, position_weights
from sigmasight_assets.analytics.valuation import Valuation, carried_closes, value_positions
from sigmasight_assets.analytics.volatility import realized_vol
from sigmasight_resources import calendar
from sigmasight_resources.db import portfolio_reads, queries
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.vocabulary import STALE_PRICE, InvestmentClass, SkipReason

NO_FLOWS = pd.DataFrame(
    {"portfolio_id": pd.Series(dtype=int), "date": pd.Series(dtype="datetime64[ns]"), "amount": pd.Series(dtype=float)}
)


@dataclass(frozen=True)
class Book:
    positions: pd.DataFrame  # indexed by position_id
    valuation: Valuation
    snapshots: pd.DataFrame  # indexed by (date, portfolio_id), from each portfolio's first entry
    closes: pd.DataFrame  # price symbols over [first entry − LOOKBACK, end], as stored (no carry)
    unavailable: dict[str, str]
    stale: pd.DataFrame  # (dates, positions): open and valued on a carried close

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
        return position_weights(self.valuation, self.nav_by_position())

    def valuation_reasons(self) -> pd.DataFrame:
        """(dates, positions): why a position has no value; a recorded-unavailable (underlying) symbol is named so."""
        flags = self.valuation.flag.copy()
        unavailable = self.positions["price_symbol"].isin(list(self.unavailable))
        for position_id in unavailable[unavailable].index:
            column = flags[position_id]
            missing = column.isin([SkipReason.UNPRICED, SkipReason.NO_UNDERLYING])
            flags[position_id] = column.where(~missing, SkipReason.UNAVAILABLE.value)
        return flags

    def skip_reasons(self) -> pd.DataFrame:
        """(dates, positions): why a position is left out of return- and beta-based results — its
        valuation reason, or `private` for every private position (valued by marks, never analyzed)."""
        reasons = self.valuation_reasons()
        reasons.loc[:, self.private[self.private].index] = SkipReason.PRIVATE.value
        return reasons

    def position_flags(self) -> pd.DataFrame:
        """(dates, positions): the valuation reason, or `stale_price` where a carried close values the position."""
        reasons = self.valuation_reasons()
        return reasons.where(~(self.stale & reasons.isna()), STALE_PRICE)


def load_book(db: ResultsDatabase, portfolio_ids: list[int], end: date, rate: float) -> Book:
    """The stored positions, marks, capital and closes of the portfolios, valued from their first entry to `end`."""
    with db.transaction() as session:
        positions = queries.positions_frame(session, portfolio_ids)
        positions = positions[pd.to_datetime(positions["entry_date"]) <= pd.Timestamp(end)]
        marks = queries.manual_marks(session, positions["position_id"])
        unavailable = queries.unavailable_symbols(session)
        equity, flows = portfolio_reads.capital(session, portfolio_ids)
    inception = min(positions["entry_date"], default=end)
    closes = db.closes(positions["price_symbol"].dropna(), calendar.previous_sessions(inception, LOOKBACK), end)
    return assemble_book(positions, marks, closes, unavailable, rate, equity, flows)


def assemble_book(
    positions: pd.DataFrame,
    marks: pd.DataFrame,
    closes: pd.DataFrame,
    unavailable: dict[str, str],
    rate: float,
    equity: Mapping[int, float] | None = None,
    flows: pd.DataFrame | None = None,
) -> Book:
    """Value `positions` (rows as `queries.positions_frame` gives them) on `closes` from the first entry on.

    `closes` starts LOOKBACK sessions before the first entry, so option vols exist from day one;
    a missing close is carried for up to STALE_PRICE_SESSIONS sessions; each portfolio's cash
    account follows its inception equity (`equity`, by portfolio id) and external `flows`; each
    portfolio's snapshots start at its own first entry.
    """
    equity = dict(equity or {})
    inception = pd.Timestamp(min(positions["entry_date"], default=closes.index.max()))
    vols = realized_vol(simple_returns(closes), OPTION_VOL_WINDOW)
    carried, stale_symbols = carried_closes(closes, STALE_PRICE_SESSIONS)
    held = closes.index >= inception
    valuation = value_positions(positions, carried[held], vols[held], marks, rate)
    positions = positions.set_index("position_id", drop=False)
    owners = positions["portfolio_id"]
    account = cash_account(positions, valuation, owners, equity, NO_FLOWS if flows is None else flows)
    snapshots = portfolio_snapshots(valuation, owners, account, pd.Series(equity, dtype=float))
    first_entry = pd.to_datetime(positions.groupby("portfolio_id")["entry_date"].min())
    dates = snapshots.index.get_level_values("date")
    snapshots = snapshots[dates >= first_entry.reindex(snapshots.index.get_level_values("portfolio_id")).to_numpy()]
    symbols = positions["price_symbol"].fillna("").to_numpy()
    stale = stale_symbols[held].reindex(columns=symbols, fill_value=False).to_numpy() & valuation.open.to_numpy()
    stale = pd.DataFrame(stale, index=valuation.open.index, columns=valuation.open.columns)
    return Book(positions, valuation, snapshots, closes, unavailable, stale)
