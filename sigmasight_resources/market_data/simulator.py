"""Deterministic simulated market data with a factor structure (no network).

Every price path starts at `ORIGIN` and steps over NYSE sessions, so a (symbol, date) close
depends only on the symbol and the date: not on the requested range, nor on the other symbols
requested, nor on the process (seeds come from fixed constants and a SHA-256 of the symbol).

Daily log returns are

    r_i,t = a_i + b_i . f_t + e_i,t

with f_t the eight factor returns below (generated once per instance from fixed seeds),
b_i the symbol's loadings, a_i a small drift and e_i,t idiosyncratic noise. Factor ETFs have
fixed, documented loadings (SPY *is* the market factor; each style ETF is the market plus its
style factor; TLT is rates with a slightly negative market loading). Well-known bond, commodity
and REIT funds (`CLASS_ETFS`) have fixed loadings of their class, calibrated to their real betas
on SPY and TLT over 2023-08..2026-07: bond funds near-zero market beta and a rate beta set by
their duration (BND ≈ 0.35 of TLT), gold and commodities a low market beta, REITs a half-market
beta plus a rate beta. Any other plausible ticker is a stock whose market beta (0.5-1.6), style,
rates loadings, idiosyncratic volatility and starting price are drawn from a generator seeded by
the symbol hash.

The market and style factors share a slowly varying volatility regime (a log-AR(1)
multiplier with unit mean square), so realized volatility clusters as in real markets.
"""

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from sigmasight_resources import calendar
from sigmasight_resources.calendar import TRADING_DAYS_PER_YEAR
from sigmasight_resources.market_data.base import (
    MarketDataProvider,
    PriceBatch,
    check_range,
    closes_frame,
    empty_closes,
    empty_profiles,
    ticker_problem,
    unique_symbols,
)

ORIGIN = date(2000, 1, 3)
HORIZON_END = calendar.CALENDAR_END

FACTORS: tuple[str, ...] = (
    "market",
    "value",
    "growth",
    "momentum",
    "quality",
    "size",
    "low_volatility",
    "rates",
)
STYLE_FACTORS: tuple[str, ...] = FACTORS[1:7]

# Annualized factor volatilities and drifts (log returns).
MARKET_VOL = 0.16
MARKET_DRIFT = 0.06
STYLE_VOLS = {"value": 0.06, "growth": 0.06, "momentum": 0.08, "quality": 0.04, "size": 0.07, "low_volatility": 0.05}
STYLE_DRIFTS = {"value": 0.005, "growth": 0.01, "momentum": 0.01, "quality": 0.01, "size": 0.0, "low_volatility": 0.0}
STYLE_CORRELATIONS = {("value", "growth"): -0.6, ("quality", "low_volatility"): 0.4, ("growth", "momentum"): 0.2}
RATES_VOL = 0.138
RATES_DRIFT = 0.015
# Volatility regime of market and style factors: log-multiplier AR(1) with this persistence and sd.
REGIME_PERSISTENCE = 0.985
REGIME_SD = 0.35
# Idiosyncratic log-level mean reversion (half-life in trading days) keeps stock prices in range.
IDIO_HALF_LIFE = 3 * TRADING_DAYS_PER_YEAR
_IDIO_PHI = 0.5 ** (1.0 / IDIO_HALF_LIFE)

# Well-known tickers are anchored to roughly their real close on REFERENCE_DATE, so portfolios
# imported with real entry prices value sensibly (options near their real strikes, long/short
# books with a realistic net). The path's shape stays the simulated one.
REFERENCE_DATE = date(2025, 6, 2)
REFERENCE_CLOSES = {
    "SPY": 592.7,
    "QQQ": 523.2,
    "IWM": 205.1,
    "VTI": 290.9,
    "VTV": 172.4,
    "VUG": 420.6,
    "MTUM": 232.5,
    "QUAL": 180.6,
    "USMV": 94.1,
    "TLT": 85.6,
    "BND": 72.6,
    "IEF": 90.1,
    "SHY": 79.1,
    "AGG": 93.4,
    "LQD": 102.0,
    "HYG": 74.3,
    "TIP": 103.7,
    "GLD": 312.2,
    "SLV": 31.6,
    "DBC": 20.6,
    "XLRE": 40.0,
    "VEA": 55.8,
    "VNQ": 88.9,
    "XLY": 210.5,
    "KRE": 55.4,
    "AAPL": 201.7,
    "MSFT": 462.0,
    "AMZN": 206.7,
    "GOOGL": 169.0,
    "META": 670.9,
    "NVDA": 137.4,
    "TSLA": 342.7,
    "AVGO": 259.8,
    "AMD": 115.0,
    "INTC": 19.7,
    "TSM": 196.0,
    "ORCL": 165.5,
    "PANW": 191.0,
    "UBER": 84.0,
    "ROKU": 71.9,
    "SNAP": 8.1,
    "RIVN": 14.2,
    "F": 10.4,
    "JPM": 264.5,
    "GS": 601.0,
    "V": 364.8,
    "BRK.B": 503.6,
    "JNJ": 155.2,
    "LLY": 740.6,
    "UNH": 302.0,
    "PG": 170.1,
    "HD": 368.2,
    "COST": 1038.0,
    "XOM": 102.3,
}
FACTOR_SEED = 20_000_103  # fixed: the factor paths never change between runs or machines
SYMBOL_BLOCK = 256  # symbols simulated together (bounds peak memory)
_PARAMS_STREAM, _NOISE_STREAM, _PROFILE_STREAM = 0, 1, 2


@dataclass(frozen=True)
class SymbolModel:
    """How one symbol's returns are generated.

    loadings : factor name -> loading on that factor's daily log return
    idio_vol : annualized volatility of the idiosyncratic noise
    alpha : annualized drift beyond the factors (log)
    start_price : close on `ORIGIN`
    kind : "etf" for the factor and class ETFs, "stock" otherwise
    """

    loadings: dict[str, float]
    idio_vol: float
    alpha: float
    start_price: float
    kind: str

    def vector(self) -> np.ndarray:
        return np.array([self.loadings.get(f, 0.0) for f in FACTORS])


def _etf(start_price: float, idio_vol: float = 0.02, alpha: float = 0.0, **loadings: float) -> SymbolModel:
    return SymbolModel(loadings=dict(loadings), idio_vol=idio_vol, alpha=alpha, start_price=start_price, kind="etf")


# Factor ETFs: SPY is the market factor itself; style legs = market + their style factor.
FACTOR_ETFS: dict[str, SymbolModel] = {
    "SPY": _etf(145.0, idio_vol=0.0, market=1.0),
    "VTV": _etf(50.0, market=0.90, value=1.0),
    "VUG": _etf(55.0, market=1.10, growth=1.0),
    "MTUM": _etf(30.0, market=1.00, momentum=1.0),
    "QUAL": _etf(35.0, market=0.95, quality=1.0),
    "IWM": _etf(50.0, market=1.15, size=1.0),
    "USMV": _etf(25.0, market=0.70, low_volatility=1.0),
    "TLT": _etf(90.0, idio_vol=0.01, market=-0.15, rates=1.0),
}
ETF_NAMES = {
    "SPY": "SPDR S&P 500 ETF Trust",
    "VTV": "Vanguard Value ETF",
    "VUG": "Vanguard Growth ETF",
    "MTUM": "iShares MSCI USA Momentum Factor ETF",
    "QUAL": "iShares MSCI USA Quality Factor ETF",
    "IWM": "iShares Russell 2000 ETF",
    "USMV": "iShares MSCI USA Min Vol Factor ETF",
    "TLT": "iShares 20+ Year Treasury Bond ETF",
    "IEF": "iShares 7-10 Year Treasury Bond ETF",
    "SHY": "iShares 1-3 Year Treasury Bond ETF",
    "AGG": "iShares Core U.S. Aggregate Bond ETF",
    "BND": "Vanguard Total Bond Market ETF",
    "LQD": "iShares iBoxx $ Investment Grade Corporate Bond ETF",
    "HYG": "iShares iBoxx $ High Yield Corporate Bond ETF",
    "TIP": "iShares TIPS Bond ETF",
    "GLD": "SPDR Gold Shares",
    "SLV": "iShares Silver Trust",
    "DBC": "Invesco DB Commodity Index Tracking Fund",
    "VNQ": "Vanguard Real Estate ETF",
    "XLRE": "Real Estate Select Sector SPDR Fund",
}

TLT_MARKET_LOADING = FACTOR_ETFS["TLT"].loadings["market"]


def _fund(target_drift: float, idio_vol: float, market_beta: float, rate_beta: float) -> SymbolModel:
    """A fund whose OLS betas on SPY and TLT (regressed together) are `market_beta` and `rate_beta`.

    TLT carries a market loading of its own, so the market loading nets it out; the drift beyond
    the factors makes the expected log growth `target_drift` a year."""
    loadings = {"market": market_beta + TLT_MARKET_LOADING * rate_beta, "rates": rate_beta}
    factor_drift = loadings["market"] * MARKET_DRIFT + rate_beta * RATES_DRIFT
    return _etf(50.0, idio_vol=idio_vol, alpha=target_drift - factor_drift, **loadings)


# Bond, commodity and REIT funds: (drift, idio vol, beta on SPY, beta on TLT), the betas and
# residual vols measured on their real daily returns 2023-08..2026-07.
BOND_ETFS: dict[str, SymbolModel] = {
    "IEF": _fund(0.03, 0.025, -0.02, 0.43),
    "SHY": _fund(0.03, 0.013, 0.00, 0.08),
    "AGG": _fund(0.03, 0.019, 0.02, 0.36),
    "BND": _fund(0.03, 0.018, 0.02, 0.35),
    "LQD": _fund(0.035, 0.024, 0.11, 0.46),
    "HYG": _fund(0.045, 0.026, 0.23, 0.16),
    "TIP": _fund(0.03, 0.025, 0.02, 0.28),
}
COMMODITY_ETFS: dict[str, SymbolModel] = {
    "GLD": _fund(0.05, 0.20, 0.22, 0.17),
    "SLV": _fund(0.04, 0.40, 0.60, 0.10),
    "DBC": _fund(0.03, 0.16, 0.16, -0.21),
}
REIT_ETFS: dict[str, SymbolModel] = {
    "VNQ": _fund(0.05, 0.13, 0.52, 0.44),
    "XLRE": _fund(0.05, 0.13, 0.48, 0.45),
}
CLASS_ETFS: dict[str, SymbolModel] = {**BOND_ETFS, **COMMODITY_ETFS, **REIT_ETFS}

SECTORS: dict[str, tuple[str, ...]] = {
    "Information Technology": ("Software", "Semiconductors", "Technology Hardware", "IT Services"),
    "Health Care": ("Pharmaceuticals", "Biotechnology", "Health Care Equipment", "Health Care Providers"),
    "Financials": ("Banks", "Capital Markets", "Insurance", "Consumer Finance"),
    "Consumer Discretionary": ("Specialty Retail", "Automobiles", "Hotels & Restaurants", "Household Durables"),
    "Communication Services": ("Interactive Media", "Entertainment", "Telecom Services"),
    "Industrials": ("Aerospace & Defense", "Machinery", "Transportation", "Building Products"),
    "Consumer Staples": ("Beverages", "Food Products", "Household Products", "Food Retail"),
    "Energy": ("Oil, Gas & Consumable Fuels", "Energy Equipment & Services"),
    "Utilities": ("Electric Utilities", "Multi-Utilities", "Gas Utilities"),
    "Real Estate": ("Equity REITs", "Real Estate Management"),
    "Materials": ("Chemicals", "Metals & Mining", "Containers & Packaging"),
}
_NAME_SUFFIXES = ("Inc.", "Corp.", "Holdings Inc.", "Group", "Technologies Inc.", "Industries Inc.", "plc")


def symbol_seed(symbol: str) -> int:
    """A stable 64-bit seed for a symbol (SHA-256; unlike hash() it does not vary per process)."""
    return int.from_bytes(hashlib.sha256(symbol.encode("utf-8")).digest()[:8], "little")


def unavailable_reason(symbol: object) -> str | None:
    """Why the simulator has no prices for `symbol` (malformed or reserved), or None."""
    if isinstance(symbol, str) and "DELISTED" in symbol.upper():
        return f"delisted: {symbol!r} is a reserved delisted ticker"
    return ticker_problem(symbol)


class SimulatedMarketData(MarketDataProvider):
    """Deterministic factor-model prices for any plausible ticker; the default provider."""

    name = "simulated"

    def __init__(self) -> None:
        sessions = calendar.sessions(ORIGIN, HORIZON_END)
        self._sessions = np.array(sessions, dtype=object)
        self._session_index = pd.DatetimeIndex(pd.to_datetime(sessions))
        self._factor_returns: np.ndarray | None = None  # (sessions, factors), built on first use
        self._levels: np.ndarray | None = None  # cumulative factor returns, built on first use
        self._models: dict[str, SymbolModel] = {}
        self._reference_row = sessions.index(REFERENCE_DATE)

    # ---- model -------------------------------------------------------------------------

    def factor_returns(self) -> pd.DataFrame:
        """Daily log returns of the eight factors over the whole horizon, (sessions x factors)."""
        return pd.DataFrame(self._factors(), index=self._session_index, columns=list(FACTORS))

    def _factors(self) -> np.ndarray:
        if self._factor_returns is None:
            self._factor_returns = _simulate_factors(len(self._sessions))
        return self._factor_returns

    def model(self, symbol: str) -> SymbolModel:
        """The loadings, idiosyncratic vol, drift and start price of a valid symbol."""
        reason = unavailable_reason(symbol)
        if reason is not None:
            raise ValueError(reason)
        cached = self._models.get(symbol)
        if cached is None:
            cached = FACTOR_ETFS.get(symbol) or CLASS_ETFS.get(symbol) or _stock_model(symbol)
            self._models[symbol] = cached
        return cached

    # ---- provider interface --------------------------------------------------------------

    def daily_closes(self, symbols: Sequence[str], start: date, end: date) -> PriceBatch:
        check_range(start, end)
        requested = unique_symbols(symbols)
        unavailable: dict[str, str] = {}
        valid: list[str] = []
        for symbol in requested:
            reason = unavailable_reason(symbol)
            if reason is None:
                valid.append(symbol)
            else:
                unavailable[symbol] = reason

        valid.sort()
        if valid and end < ORIGIN:
            for symbol in valid:
                unavailable[symbol] = f"no simulated history before {ORIGIN.isoformat()}"
            valid = []
        first = int(self._session_index.searchsorted(pd.Timestamp(start), side="left"))
        stop = int(self._session_index.searchsorted(pd.Timestamp(end), side="right"))
        if first >= stop or not valid:  # no trading day in the range (or nothing to price)
            return PriceBatch(closes=empty_closes(), unavailable=unavailable)

        days = stop - first
        frames = []
        for offset in range(0, len(valid), SYMBOL_BLOCK):
            block = valid[offset : offset + SYMBOL_BLOCK]
            closes = self._simulate_block(block, first, stop)  # (days, symbols)
            frames.append(
                closes_frame(
                    np.repeat(np.array(block, dtype=object), days),
                    np.tile(self._sessions[first:stop], len(block)),
                    closes.T.reshape(-1),
                )
            )
        closes = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        return PriceBatch(closes=closes, unavailable=unavailable)  # already sorted by (symbol, date)

    def company_profiles(self, symbols: Sequence[str]) -> pd.DataFrame:
        rows = []
        for symbol in unique_symbols(symbols):
            if unavailable_reason(symbol) is not None:
                continue
            rows.append(self._profile(symbol))
        if not rows:
            return empty_profiles()
        frame = pd.DataFrame(rows, columns=list(empty_profiles().columns))
        frame["market_cap"] = frame["market_cap"].astype("float64")
        return frame

    # ---- internals ---------------------------------------------------------------------

    def _simulate_block(self, symbols: list[str], first: int, stop: int) -> np.ndarray:
        """Closes on sessions [first, stop) for `symbols`, shape (stop - first, len(symbols)).

        Symbols in REFERENCE_CLOSES are shifted so their close on REFERENCE_DATE is the reference.
        """
        log_price = self._log_prices(symbols, first, stop)
        anchored = [j for j, s in enumerate(symbols) if s in REFERENCE_CLOSES]
        if anchored:
            names = [symbols[j] for j in anchored]
            at = self._reference_row
            raw = self._log_prices(names, at, at + 1)[0]
            log_price[:, anchored] += np.log([REFERENCE_CLOSES[n] for n in names]) - raw
        return np.exp(log_price)

    def _log_prices(self, symbols: list[str], first: int, stop: int) -> np.ndarray:
        """Unanchored log closes on sessions [first, stop), shape (stop - first, len(symbols)).

        The log price is the start price plus the summed log returns since ORIGIN; by linearity
        that is  log p0 + a * t + sum_k b_k * F_k(t) + (x_t - x_0)  with F_k the cumulative
        factor returns (cached) and x the idiosyncratic level, so only the requested rows are
        materialized, and only with elementwise operations: a symbol's column never depends
        on which other symbols share the block (BLAS kernels may round by shape).
        """
        models = [self.model(s) for s in symbols]
        levels = self._factor_levels()[first:stop]  # (days, factors), zero at ORIGIN
        steps = np.arange(first, stop, dtype="float64")[:, None]
        log_price = np.log(np.array([m.start_price for m in models])) + steps * (
            np.array([m.alpha for m in models]) / TRADING_DAYS_PER_YEAR
        )
        loadings = np.column_stack([m.vector() for m in models])  # (factors, n)
        for k in range(len(FACTORS)):
            if np.any(loadings[k]):
                log_price += levels[:, k : k + 1] * loadings[k]

        idio_daily = np.array([m.idio_vol for m in models]) / math.sqrt(TRADING_DAYS_PER_YEAR)
        noisy = np.flatnonzero(idio_daily > 0)
        if noisy.size:
            # Mean-reverting idiosyncratic log level x_t = phi x_{t-1} + e_t over [0, stop).
            shocks = np.column_stack([self._noise(symbols[j])[:stop] for j in noisy]) * idio_daily[noisy]
            level = _ar1(shocks, _IDIO_PHI)
            log_price[:, noisy] += level[first:stop] - level[0]
        return log_price

    def _factor_levels(self) -> np.ndarray:
        """Cumulative factor log returns since ORIGIN, (sessions, factors); row 0 is zero."""
        if self._levels is None:
            returns = self._factors().copy()
            returns[0] = 0.0
            self._levels = np.cumsum(returns, axis=0)
        return self._levels

    def _noise(self, symbol: str) -> np.ndarray:
        """Standard normal idiosyncratic shocks over the whole horizon: drawn in one piece from the
        symbol's own seed, so no slice depends on the range or the other symbols requested."""
        rng = np.random.default_rng([symbol_seed(symbol), _NOISE_STREAM])
        return rng.standard_normal(len(self._sessions))

    def _profile(self, symbol: str) -> dict[str, object]:
        model = self.model(symbol)
        if model.kind == "etf":
            return {
                "symbol": symbol,
                "name": ETF_NAMES[symbol],
                "sector": None,
                "industry": "Exchange Traded Fund",
                "market_cap": float("nan"),
            }
        rng = np.random.default_rng([symbol_seed(symbol), _PROFILE_STREAM])
        sector = list(SECTORS)[int(rng.integers(len(SECTORS)))]
        industries = SECTORS[sector]
        industry = industries[int(rng.integers(len(industries)))]
        suffix = _NAME_SUFFIXES[int(rng.integers(len(_NAME_SUFFIXES)))]
        root = symbol.split(".")[0].split("-")[0]
        # Small caps load positively on the size factor: bigger size loading, smaller company.
        log10_cap = 10.6 - 0.8 * model.loadings["size"] + rng.normal(0.0, 0.4)
        return {
            "symbol": symbol,
            "name": f"{root.capitalize()} {suffix}",
            "sector": sector,
            "industry": industry,
            "market_cap": float(round(10 ** float(np.clip(log10_cap, 8.5, 12.5)), -6)),
        }


def _stock_model(symbol: str) -> SymbolModel:
    rng = np.random.default_rng([symbol_seed(symbol), _PARAMS_STREAM])
    loadings = {"market": float(rng.uniform(0.5, 1.6))}
    for factor in STYLE_FACTORS:
        loadings[factor] = float(rng.normal(0.0, 0.6))
    loadings["rates"] = float(rng.normal(0.0, 0.15))
    # Drift offsets the factor drifts so that every stock grows like the market in expectation
    # (keeps 25 years of high-beta compounding from pushing prices into the tens of thousands).
    factor_drift = loadings["market"] * MARKET_DRIFT + sum(loadings[f] * STYLE_DRIFTS[f] for f in STYLE_FACTORS)
    factor_drift += loadings["rates"] * RATES_DRIFT
    return SymbolModel(
        loadings=loadings,
        idio_vol=float(rng.uniform(0.15, 0.40)),
        alpha=MARKET_DRIFT - factor_drift + float(rng.normal(0.0, 0.02)),
        start_price=float(np.exp(rng.uniform(np.log(20.0), np.log(500.0)))),
        kind="stock",
    )


def _ar1(shocks: np.ndarray, phi: float) -> np.ndarray:
    """x_t = phi x_{t-1} + e_t along axis 0, from x_{-1} = 0: the recursion scipy's
    lfilter([1], [1, -phi]) runs, bit for bit, without the second of importing scipy.signal
    that every simulated fetch paid (a loop over days, each step vectorized over the series)."""
    out = np.empty_like(shocks, dtype=float)
    previous = np.zeros(shocks.shape[1:])
    for t in range(shocks.shape[0]):
        previous = out[t] = shocks[t] + phi * previous
    return out


def _simulate_factors(length: int) -> np.ndarray:
    """Daily factor log returns, (length, len(FACTORS)), from the fixed FACTOR_SEED."""
    rng = np.random.default_rng(FACTOR_SEED)
    daily = math.sqrt(TRADING_DAYS_PER_YEAR)

    # Shared volatility regime: log multiplier h_t AR(1), scaled so E[mult^2] = 1.
    innovations = rng.standard_normal(length) * REGIME_SD * math.sqrt(1 - REGIME_PERSISTENCE**2)
    h = _ar1(innovations, REGIME_PERSISTENCE)
    regime = np.exp(h - REGIME_SD**2)

    market = (MARKET_DRIFT / TRADING_DAYS_PER_YEAR) + (MARKET_VOL / daily) * regime * rng.standard_normal(length)

    corr = np.eye(len(STYLE_FACTORS))
    for (a, b), rho in STYLE_CORRELATIONS.items():
        i, j = STYLE_FACTORS.index(a), STYLE_FACTORS.index(b)
        corr[i, j] = corr[j, i] = rho
    chol = np.linalg.cholesky(corr)
    z = rng.standard_normal((length, len(STYLE_FACTORS))) @ chol.T
    vols = np.array([STYLE_VOLS[f] for f in STYLE_FACTORS]) / daily
    drifts = np.array([STYLE_DRIFTS[f] for f in STYLE_FACTORS]) / TRADING_DAYS_PER_YEAR
    styles = drifts + z * vols * regime[:, None]

    rates = (RATES_DRIFT / TRADING_DAYS_PER_YEAR) + (RATES_VOL / daily) * rng.standard_normal(length)
    return np.column_stack([market, styles, rates])
