"""Position valuation over a date range: prices, market values, delta-adjusted exposure, P&L and Greeks.

Dates are rows and positions are columns, so a whole range is valued at once. The rules
(docs/ANALYTICS.md): public positions at the close, options by Black–Scholes on the underlying close with
its 63-day realized vol (multiplier 100; intrinsic value on the expiry day, then closed), private
positions at their latest manual mark or else the entry price. A position is open from its entry
date through its exit date (valued at the exit price that day) or expiry.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sigmasight_assets.analytics.options import black_scholes
from sigmasight_assets.analytics.validation import check_date_index
from sigmasight_resources.vocabulary import InvestmentClass, SkipReason

OPTION_MULTIPLIER = 100.0
POSITION_COLUMNS = (
    "position_id",
    "investment_class",
    "quantity",
    "entry_price",
    "entry_date",
    "exit_price",
    "exit_date",
    "price_symbol",
    "option_type",
    "strike",
    "expiry",
)


@dataclass(frozen=True)
class Valuation:
    """Frames of shape (dates, positions), columns are position ids.

    `open` marks the days a position is held; every other frame is NaN (or None for `flag`)
    where it is not. `price` is per share/unit (per share for options), `market_value` and
    `exposure` are signed money (exposure is delta-adjusted for options), `pnl` is the day's
    P&L and `cumulative_pnl` the P&L since entry, kept after a position closes.
    """

    open: pd.DataFrame
    price: pd.DataFrame
    market_value: pd.DataFrame
    exposure: pd.DataFrame
    pnl: pd.DataFrame
    cumulative_pnl: pd.DataFrame
    underlying_price: pd.DataFrame
    delta: pd.DataFrame
    gamma: pd.DataFrame
    vega: pd.DataFrame
    theta: pd.DataFrame
    flag: pd.DataFrame


def carried_closes(closes: pd.DataFrame, sessions: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Closes with each gap filled by the last close for at most `sessions` rows, and where it was filled.

    Returns (carried closes, stale mask), both (dates, symbols). A symbol's leading gap (before
    its first close) is never filled.
    """
    carried = closes.ffill(limit=sessions)
    return carried, closes.isna() & carried.notna()


def last_open_day(positions: pd.DataFrame) -> np.ndarray:
    """Each position's last open day (datetime64): its exit date, or its expiry if it has no exit date
    or expires before it; NaT for an open-ended position."""
    exit_day = pd.to_datetime(positions["exit_date"]).to_numpy()
    expiry = pd.to_datetime(positions["expiry"]).to_numpy()
    return np.where(np.isnat(exit_day) | (~np.isnat(expiry) & (expiry < exit_day)), expiry, exit_day)


def value_positions(
    positions: pd.DataFrame,
    closes: pd.DataFrame,
    vols: pd.DataFrame,
    marks: pd.DataFrame,
    rate: float,
    opening_cumulative: np.ndarray | None = None,
) -> Valuation:
    """Value every position on every date of `closes`.

    Parameters
    ----------
    positions : one row per position with POSITION_COLUMNS; `price_symbol` is the symbol whose
        close prices it (the underlying for options, NaN for private positions).
    closes, vols : (T, symbols) close prices and annualized 63-day realized vol, same index.
    marks : long frame (position_id, mark_date, price) of manual marks for private positions.
    rate : annual risk-free rate, continuously compounded, for Black–Scholes.
    opening_cumulative : per position, its cumulative P&L on the session before the first date
        (NaN: none yet), so a range that starts after an entry carries it on days without a price
        exactly as a range starting at the entry would.
    """
    missing = [c for c in POSITION_COLUMNS if c not in positions.columns]
    if missing:
        raise ValueError(f"positions lacks columns {missing}")
    check_date_index(closes.index, "closes")
    if not vols.index.equals(closes.index):
        raise ValueError("closes and vols must have the same index")
    dates = closes.index
    ids = pd.Index(positions["position_id"].to_numpy(), name="position_id")
    shape = (len(dates), len(ids))
    day = dates.to_numpy()[:, None]

    klass = positions["investment_class"].to_numpy()
    is_option = klass == InvestmentClass.OPTIONS.value
    is_private = klass == InvestmentClass.PRIVATE.value
    quantity = positions["quantity"].to_numpy(dtype=float)
    multiplier = np.where(is_option, OPTION_MULTIPLIER, 1.0)
    entry = pd.to_datetime(positions["entry_date"]).to_numpy()
    exit_day = pd.to_datetime(positions["exit_date"]).to_numpy()
    expiry = pd.to_datetime(positions["expiry"]).to_numpy()
    last_day = last_open_day(positions)
    is_open = (day >= entry) & (np.isnat(last_day) | (day <= last_day))

    symbols = positions["price_symbol"].where(~is_private, None)
    spot = _columns(closes, symbols, shape)
    vol = _columns(vols, symbols, shape)

    price = np.where(is_private, _marks(positions, marks, dates), spot)
    greeks = {name: np.full(shape, np.nan) for name in ("delta", "gamma", "vega", "theta")}
    if is_option.any():
        years = (expiry[is_option][None, :] - day).astype("timedelta64[D]").astype(float) / 365.0
        bs = black_scholes(
            spot[:, is_option],
            positions["strike"].to_numpy(dtype=float)[is_option],
            years,
            rate,
            vol[:, is_option],
            positions["option_type"].to_numpy()[is_option] == "C",
        )
        price[:, is_option] = bs.price
        for name in greeks:
            greeks[name][:, is_option] = getattr(bs, name)

    exit_price = positions["exit_price"].to_numpy(dtype=float)
    on_exit = (day == exit_day) & ~np.isnan(exit_price)
    price = np.where(on_exit, exit_price, price)
    for name in greeks:
        greeks[name] = np.where(on_exit, np.nan, greeks[name])

    market_value = quantity * multiplier * price
    exposure = np.where(is_option, quantity * multiplier * greeks["delta"] * spot, market_value)
    exposure = np.where(is_option & on_exit, market_value, exposure)

    previous = np.vstack([np.full((1, len(ids)), np.nan), price[:-1]])
    entry_price = positions["entry_price"].to_numpy(dtype=float)
    base = np.where(day == entry, entry_price, previous)
    pnl = quantity * multiplier * (price - base)
    since_entry = np.where(is_open, quantity * multiplier * (price - entry_price), np.nan)
    if opening_cumulative is None:
        cumulative = pd.DataFrame(since_entry).ffill().to_numpy()
    else:
        opening = np.asarray(opening_cumulative, dtype=float).reshape(1, len(ids))
        cumulative = pd.DataFrame(np.vstack([opening, since_entry])).ffill().to_numpy()[1:]
    cumulative = np.where(day < entry, 0.0, cumulative)

    flag = np.full(shape, None, dtype=object)
    flag[np.isnan(spot) & ~is_private & ~is_option] = SkipReason.UNPRICED.value
    option_cols = np.broadcast_to(is_option, shape)
    flag[option_cols & np.isnan(spot)] = SkipReason.NO_UNDERLYING.value
    flag[option_cols & ~np.isnan(spot) & np.isnan(vol) & np.isnan(price)] = SkipReason.NO_VOLATILITY.value
    flag[on_exit] = None

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(np.where(is_open, values, np.nan), index=dates, columns=ids)

    return Valuation(
        open=pd.DataFrame(is_open, index=dates, columns=ids),
        price=frame(price),
        market_value=frame(market_value),
        exposure=frame(exposure),
        pnl=frame(pnl),
        cumulative_pnl=pd.DataFrame(np.nan_to_num(cumulative, nan=0.0), index=dates, columns=ids),
        underlying_price=frame(np.where(is_option, spot, np.nan)),
        delta=frame(greeks["delta"]),
        gamma=frame(greeks["gamma"]),
        vega=frame(greeks["vega"]),
        theta=frame(greeks["theta"]),
        flag=pd.DataFrame(np.where(is_open, flag, None), index=dates, columns=ids),
    )


def _columns(frame: pd.DataFrame, symbols: pd.Series, shape: tuple[int, int]) -> np.ndarray:
    """Pick one column per position (NaN where the symbol is absent or none)."""
    out = np.full(shape, np.nan)
    named = symbols.map(lambda s: s if isinstance(s, str) else None)
    at = frame.columns.get_indexer(pd.Index(named.to_numpy(dtype=object)))
    found = at >= 0
    out[:, found] = frame.to_numpy(dtype=float)[:, at[found]]
    return out


def _marks(positions: pd.DataFrame, marks: pd.DataFrame, dates: pd.DatetimeIndex) -> np.ndarray:
    """Latest manual mark on or before each date, else the entry price."""
    out = np.broadcast_to(positions["entry_price"].to_numpy(dtype=float), (len(dates), len(positions))).copy()
    if marks.empty:
        return out
    column = {pid: j for j, pid in enumerate(positions["position_id"])}
    for pid, group in marks.groupby("position_id"):
        if pid not in column:
            continue
        series = pd.Series(group["price"].to_numpy(dtype=float), index=pd.to_datetime(group["mark_date"])).sort_index()
        latest = series.reindex(series.index.union(dates)).ffill().reindex(dates).to_numpy()
        out[:, column[pid]] = np.where(np.isnan(latest), out[:, column[pid]], latest)
    return out
