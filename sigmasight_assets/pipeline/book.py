"""A run's portfolios valued over the history their analytics read: the input of every portfolio asset.

A chunk is valued over [start − BOOK_HISTORY sessions, end] only, whatever its history: the
longest window any portfolio asset reads from the book's valuation is the HAR-RV fit (252
training targets whose features reach 22 returns back), and the symbol-return windows (FHS over
500 returns, correlations over 90) read the closes, kept LOOKBACK sessions before the first
valued day. What happened before that day is carried in closed form: the cash account's opening
balance (inception equity, flows, entries' costs and exits' proceeds), each position's cumulative
P&L, and each portfolio's session count. Each position that entered before the window is valued
once on a short tail ending at its last open day before it (its proceeds and last P&L), so the
cost grows with the positions ever held, not with days. D alone, D inside a range and a range
from the first entry give the same rows.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date

import numpy as np
import pandas as pd

from sigmasight_assets.analytics.capital import EXITED_BEFORE, EXITS_ON_FIRST, NOT_EXITED, Prior, cash_account
from sigmasight_assets.analytics.parameters import HAR_WINDOW, LOOKBACK, OPTION_VOL_WINDOW, STALE_PRICE_SESSIONS
from sigmasight_assets.analytics.returns import simple_returns
from sigmasight_assets.analytics.snapshot import portfolio_snapshots, position_weights
from sigmasight_assets.analytics.valuation import Valuation, carried_closes, last_open_day, value_positions
from sigmasight_assets.analytics.volatility import HAR_LAGS, realized_vol
from sigmasight_resources import calendar
from sigmasight_resources.db import portfolio_reads, queries
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.vocabulary import STALE_PRICE, InvestmentClass, SkipReason

BOOK_HISTORY = HAR_WINDOW + max(HAR_LAGS)  # returns before a day that its portfolio analytics read (HAR-RV: 273)
TAIL_SESSIONS = 2 * STALE_PRICE_SESSIONS  # a pre-window position's last P&L is searched this far back first
TAIL_BLOCK = 63  # pre-window positions whose last open days fall in one block are valued together
PRICING_LOOKBACK = OPTION_VOL_WINDOW + STALE_PRICE_SESSIONS + 2  # closes before a tail: 63-day vol and the carry
ClosesReader = Callable[[list[str], date, date], pd.DataFrame]

NO_FLOWS = pd.DataFrame(
    {"portfolio_id": pd.Series(dtype=int), "date": pd.Series(dtype="datetime64[ns]"), "amount": pd.Series(dtype=float)}
)


@dataclass(frozen=True)
class Book:
    positions: pd.DataFrame  # indexed by position_id
    valuation: Valuation
    snapshots: pd.DataFrame  # indexed by (date, portfolio_id), from each portfolio's first entry
    closes: pd.DataFrame  # price symbols over [first valued day − LOOKBACK, end], as stored (no carry)
    unavailable: dict[str, str]
    stale: pd.DataFrame  # (dates, positions): open and valued on a carried close
    prior_sessions: pd.Series = field(default_factory=lambda: pd.Series(dtype=int))  # per portfolio: before the book

    @property
    def portfolio_of(self) -> pd.Series:
        return self.positions["portfolio_id"]

    def history_days(self) -> pd.Series:
        """Per snapshot row (date, portfolio_id): the portfolio's sessions since its first entry, up to that date."""
        owners = self.snapshots.index.get_level_values("portfolio_id")
        before = self.prior_sessions.reindex(owners, fill_value=0).to_numpy()
        return self.snapshots.groupby(level="portfolio_id").cumcount() + 1 + before

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


def load_book(db: ResultsDatabase, portfolio_ids: list[int], start: date, end: date, rate: float) -> Book:
    """The stored positions, marks, capital and closes of the portfolios, valued over what the days
    [start, end] read (from the first entry when that is later than the window)."""
    with db.transaction() as session:
        positions = queries.positions_frame(session, portfolio_ids)
        positions = positions[pd.to_datetime(positions["entry_date"]) <= pd.Timestamp(end)]
        marks = queries.manual_marks(session, positions["position_id"])
        unavailable = queries.unavailable_symbols(session)
        equity, flows = portfolio_reads.capital(session, portfolio_ids)
    return book_between(positions, marks, db.closes, unavailable, rate, equity, flows, start, end)


def book_between(
    positions: pd.DataFrame,
    marks: pd.DataFrame,
    read_closes: ClosesReader,
    unavailable: dict[str, str],
    rate: float,
    equity: Mapping[int, float] | None,
    flows: pd.DataFrame | None,
    start: date,
    end: date,
) -> Book:
    """The book the days [start, end] read: valued from the first entry, or over the window
    [start − BOOK_HISTORY, end] with the state before it in closed form when the history is longer."""
    symbols = positions["price_symbol"].dropna()
    inception = min(positions["entry_date"], default=end)
    first = pd.Timestamp(calendar.previous_sessions(start, BOOK_HISTORY + 1))  # valued, then dropped
    if pd.Timestamp(inception) >= first:
        closes = read_closes(symbols, calendar.previous_sessions(inception, LOOKBACK), end)
        return assemble_book(positions, marks, closes, unavailable, rate, equity, flows)
    sessions = pd.DatetimeIndex(pd.to_datetime(calendar.sessions(inception, end)))
    at_first = int(sessions.get_loc(first))
    entry = pd.to_datetime(positions["entry_date"]).to_numpy()
    last_day = last_open_day(positions)
    first_open = sessions.searchsorted(entry, side="left")
    last_open = np.where(np.isnat(last_day), len(sessions) - 1, sessions.searchsorted(last_day, side="right") - 1)
    entered = (first_open <= last_open) & (first_open < at_first)
    exited = np.where(entered & (last_open == at_first - 1), EXITS_ON_FIRST, NOT_EXITED)
    exited = np.where(entered & (last_open < at_first - 1), EXITED_BEFORE, exited)
    proceeds = np.zeros(len(positions))
    opening = np.full(len(positions), np.nan)
    if entered.any():
        tail_ends = np.minimum(last_open, at_first - 1)[entered]
        value, cumulative = tail_values(
            positions[entered], first_open[entered], tail_ends, sessions, marks, read_closes, rate
        )
        proceeds[entered], opening[entered] = value, cumulative
    closes = read_closes(symbols, calendar.previous_sessions(first.date(), LOOKBACK), end)
    prior = Prior(sessions[at_first - 1], entered, exited, proceeds)
    book = assemble_book(
        positions, marks, closes, unavailable, rate, equity, flows, first=first, prior=prior, opening=opening
    )
    first_sessions = pd.Series(first_open, index=positions["portfolio_id"].to_numpy()).groupby(level=0).min()
    before = (at_first + 1 - first_sessions).clip(lower=0)
    return drop_first_day(book, before.rename_axis("portfolio_id"))


def tail_values(
    positions: pd.DataFrame,
    first_open: np.ndarray,
    ends: np.ndarray,
    sessions: pd.DatetimeIndex,
    marks: pd.DataFrame,
    read_closes: ClosesReader,
    rate: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per position, its market value (0 if unpriced) and cumulative P&L on session `ends` (indices
    into `sessions`), valued on a short tail before it; over its whole life only when the tail
    holds no price of an earlier entry."""
    value, cumulative = np.zeros(len(positions)), np.zeros(len(positions))
    retry = []
    for block in np.unique(ends // TAIL_BLOCK):
        members = np.flatnonzero(ends // TAIL_BLOCK == block)
        lo = max(int(ends[members].min()) - TAIL_SESSIONS, int(first_open[members].min()))
        found = _value_on(positions.iloc[members], ends[members], lo, sessions, marks, read_closes, rate)
        for k, (mv, cum, known) in zip(members, zip(*found, strict=True), strict=True):
            value[k], cumulative[k] = mv, cum
            if not known and first_open[k] < lo:
                retry.append(k)
    for k in retry:
        found = _value_on(positions.iloc[[k]], ends[[k]], int(first_open[k]), sessions, marks, read_closes, rate)
        value[k], cumulative[k] = found[0][0], found[1][0]
    return value, cumulative


def _value_on(
    positions: pd.DataFrame,
    ends: np.ndarray,
    lo: int,
    sessions: pd.DatetimeIndex,
    marks: pd.DataFrame,
    read_closes: ClosesReader,
    rate: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Value `positions` over sessions[lo .. max(ends)]: each one's market value and cumulative P&L on
    its own end, and whether a price was seen since the tail's start (else the P&L may lie earlier)."""
    hi = int(ends.max())
    days = sessions[lo : hi + 1]
    symbols = positions["price_symbol"].dropna()
    closes = read_closes(symbols, calendar.previous_sessions(days[0].date(), PRICING_LOOKBACK), days[-1].date())
    closes = closes.reindex(columns=sorted(set(symbols)))
    vols = option_vols(positions, closes)
    carried, _ = carried_closes(closes, STALE_PRICE_SESSIONS)
    held = (closes.index >= days[0]) & (closes.index <= days[-1])
    valuation = value_positions(positions, carried[held], vols[held], marks, rate)
    rows, cols = ends - lo, np.arange(len(positions))
    value = np.nan_to_num(valuation.market_value.to_numpy()[rows, cols])
    cumulative = valuation.cumulative_pnl.to_numpy()[rows, cols]
    priced = pd.DataFrame(valuation.price.notna().to_numpy() & valuation.open.to_numpy()).cummax().to_numpy()
    entered_inside = pd.to_datetime(positions["entry_date"]).to_numpy() >= days[0].to_datetime64()
    return value, cumulative, priced[rows, cols] | entered_inside


def drop_first_day(book: Book, prior_sessions: pd.Series) -> Book:
    """The book without its first date (valued only to give the next date its P&L base and previous NAV)."""
    first = book.valuation.open.index[0]
    valuation = Valuation(**{f.name: getattr(book.valuation, f.name).iloc[1:] for f in fields(book.valuation)})
    snapshots = book.snapshots[book.snapshots.index.get_level_values("date") > first]
    return replace(
        book, valuation=valuation, snapshots=snapshots, stale=book.stale.iloc[1:], prior_sessions=prior_sessions
    )


def option_vols(positions: pd.DataFrame, closes: pd.DataFrame) -> pd.DataFrame:
    """The 63-day realized vol of the options' underlyings (the only positions valued with a vol), on
    the closes' index."""
    options = positions["investment_class"] == InvestmentClass.OPTIONS.value
    underlyings = closes.columns.intersection(positions.loc[options, "price_symbol"].dropna().unique())
    return realized_vol(simple_returns(closes[underlyings]), OPTION_VOL_WINDOW)


def assemble_book(
    positions: pd.DataFrame,
    marks: pd.DataFrame,
    closes: pd.DataFrame,
    unavailable: dict[str, str],
    rate: float,
    equity: Mapping[int, float] | None = None,
    flows: pd.DataFrame | None = None,
    first: pd.Timestamp | None = None,
    prior: Prior | None = None,
    opening: np.ndarray | None = None,
) -> Book:
    """Value `positions` (rows as `queries.positions_frame` gives them) on `closes` from the first entry on
    (or from `first`, with the trades before it in `prior` and each position's cumulative P&L then in `opening`).

    `closes` starts LOOKBACK sessions before the first valued day, so option vols exist from day one;
    a missing close is carried for up to STALE_PRICE_SESSIONS sessions; each portfolio's cash
    account follows its inception equity (`equity`, by portfolio id) and external `flows`; each
    portfolio's snapshots start at its own first entry.
    """
    equity = dict(equity or {})
    inception = pd.Timestamp(min(positions["entry_date"], default=closes.index.max()))
    start = inception if first is None else first
    vols = option_vols(positions, closes)
    carried, stale_symbols = carried_closes(closes, STALE_PRICE_SESSIONS)
    held = closes.index >= start
    valuation = value_positions(positions, carried[held], vols[held], marks, rate, opening_cumulative=opening)
    positions = positions.set_index("position_id", drop=False)
    owners = positions["portfolio_id"]
    account = cash_account(positions, valuation, owners, equity, NO_FLOWS if flows is None else flows, prior)
    snapshots = portfolio_snapshots(valuation, owners, account, pd.Series(equity, dtype=float))
    first_entry = pd.to_datetime(positions.groupby("portfolio_id")["entry_date"].min())
    dates = snapshots.index.get_level_values("date")
    snapshots = snapshots[dates >= first_entry.reindex(snapshots.index.get_level_values("portfolio_id")).to_numpy()]
    symbols = positions["price_symbol"].fillna("").to_numpy()
    stale = stale_symbols[held].reindex(columns=symbols, fill_value=False).to_numpy() & valuation.open.to_numpy()
    stale = pd.DataFrame(stale, index=valuation.open.index, columns=valuation.open.columns)
    return Book(positions, valuation, snapshots, closes, unavailable, stale)
