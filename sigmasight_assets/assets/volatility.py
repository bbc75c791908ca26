"""Portfolio volatility per trading day: realized, HAR-RV forecasts, historical VaR and ES."""

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from sigmasight_assets.analytics.fhs import filtered_var_es, hypothetical_returns
from sigmasight_assets.analytics.parameters import (
    FHS_LAMBDA,
    FHS_WINDOW,
    HAR_MIN_OBS,
    HAR_WINDOW,
    VAR_MIN_OBS,
    VAR_WINDOW,
    VOL_WINDOWS,
)
from sigmasight_assets.analytics.returns import simple_returns
from sigmasight_assets.analytics.valuation import OPTION_MULTIPLIER
from sigmasight_assets.analytics.volatility import har_forecast, realized_vol
from sigmasight_assets.analytics.windows import budget_slices
from sigmasight_assets.pipeline.book import Book
from sigmasight_assets.pipeline.builder import Computed, PortfolioAsset
from sigmasight_assets.pipeline.layout import by_portfolio, run_starts
from sigmasight_assets.pipeline.quality import quality_table
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_resources.db.results import PortfolioVolatility
from sigmasight_resources.vocabulary import QualityFlag, SkipReason

TAIL_COLUMNS = ["var_95", "var_99", "es_95", "es_99"]
FHS_ROWS = 500  # replayed days filtered at once: 2 MB per (days, window) array of the filter


def private_reasons(book: Book, scope: RunScope) -> pd.DataFrame:
    """(dates, positions): `private` for private positions, None for the rest (return-based results)."""
    open_mask = scope.window(book.valuation.open)
    reasons = pd.DataFrame(None, index=open_mask.index, columns=open_mask.columns, dtype=object)
    reasons.loc[:, book.private[book.private].index] = SkipReason.PRIVATE.value
    return reasons


@dataclass(frozen=True)
class ReplayInputs:
    """What the filtered historical simulation replays, per (close date, portfolio × symbol held) of a
    book: the summed delta-adjusted weights, the options' summed ½ Γ S² / NAV and the symbol's returns.
    The pairs are sorted by portfolio, so each portfolio's are one run of columns (`columns`)."""

    linear: np.ndarray  # (close dates, pairs)
    quadratic: np.ndarray
    returns: np.ndarray
    dates: pd.DatetimeIndex
    columns: dict[int, slice]

    @classmethod
    def of(cls, book: Book) -> "ReplayInputs":
        v = book.valuation
        gamma = v.gamma * v.underlying_price**2 / book.nav_by_position()
        quadratic = 0.5 * book.positions["quantity"].to_numpy(dtype=float) * OPTION_MULTIPLIER * gamma
        index = book.closes.index
        public = book.positions[book.public & book.positions["price_symbol"].notna()]
        owner, symbol = public["portfolio_id"].to_numpy(), public["price_symbol"].to_numpy(dtype=str)
        order = np.lexsort((symbol, owner))  # stable: a pair's positions keep their order
        public, owner, symbol = public.iloc[order], owner[order], symbol[order]
        starts = run_starts(owner, symbol)  # of each pair

        def summed(frame: pd.DataFrame) -> np.ndarray:  # NaN counts as 0, as a groupby sum
            values = np.nan_to_num(frame.reindex(index)[public.index].to_numpy(dtype=float))
            return np.add.reduceat(values, starts[:-1], axis=1) if len(public) else values

        pair_owner = owner[starts[:-1]]
        bounds = run_starts(pair_owner)  # of each portfolio's pairs
        return cls(
            summed(book.weights()),
            summed(quadratic),
            simple_returns(book.closes)[symbol[starts[:-1]]].to_numpy(dtype=float),
            index,
            {int(pair_owner[a]): slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)},
        )

    def replayed(self, portfolio: int, first: date) -> pd.DataFrame | None:
        """Each day's book of `portfolio` replayed over the trailing FHS_WINDOW days of its symbols'
        returns (options by delta and gamma on their underlying): (book dates from `first` on, window),
        oldest first, all NaN on days it holds no priced public position; None if it never holds one.
        Each day depends only on its own window and book."""
        columns = self.columns.get(portfolio)
        if columns is None:
            return None
        first_row = int(self.dates.searchsorted(pd.Timestamp(first)))
        rows = slice(max(0, first_row - FHS_WINDOW + 1), None)
        linear, quadratic = self.linear[rows, columns], self.quadratic[rows, columns]
        returns = pd.DataFrame(self.returns[rows, columns], index=self.dates[rows])
        start = first_row - rows.start
        hypothetical = hypothetical_returns(returns, linear, quadratic, FHS_WINDOW, start=start)
        held = (linear[start:] != 0).any(axis=1)
        return pd.DataFrame(np.where(held[:, None], hypothetical[start:], np.nan), index=returns.index[start:])


def book_tails(book: Book, portfolios: list[int], first: date) -> pd.DataFrame:
    """1-day VaR/ES (95%, 99%) of each day's book by filtered historical simulation, per (portfolio,
    date) from `first` on: each replayed day is rescaled by the ratio of today's to that day's EWMA
    volatility of the replayed series. NaN on days a portfolio holds no priced public position.

    The portfolios' replayed histories are filtered together (FHS_ROWS days at a time): the
    filter steps through the window once for every row it is given, so one call per portfolio
    cost its ~500 steps for each portfolio of a daily run."""
    replay = ReplayInputs.of(book)
    dates = book.valuation.open.index
    index = pd.MultiIndex.from_product([portfolios, dates], names=["portfolio_id", "date"])
    histories = {p: h for p in portfolios if (h := replay.replayed(p, first)) is not None}
    if not histories:
        return pd.DataFrame(np.nan, index=index, columns=TAIL_COLUMNS)
    stacked = pd.concat(histories, names=["portfolio_id", "date"])
    values = stacked.to_numpy()
    tails = pd.concat(
        [
            filtered_var_es(values[part], FHS_LAMBDA, (0.95, 0.99), VAR_MIN_OBS, index=stacked.index[part])
            for part in budget_slices(len(values), 1, FHS_ROWS)
        ]
    )[TAIL_COLUMNS]
    return tails.reindex(index)


def portfolio_volatility(book: Book, scope: RunScope) -> Computed:
    """Realized vol 21/63/252d, HAR-RV 1d/21d forecasts, 95/99% VaR and ES by filtered historical simulation."""
    returns = book.snapshots["daily_return"].unstack("portfolio_id")  # (dates, portfolios), one pass each
    har = har_forecast(returns, HAR_WINDOW, HAR_MIN_OBS)
    columns = {f"realized_{w}d": realized_vol(returns, w) for w in VOL_WINDOWS}
    columns |= {"har_forecast_1d": har["har_1d"], "har_forecast_21d": har["har_21d"]}
    columns["data_days"] = returns.rolling(VAR_WINDOW, min_periods=1).count()
    table = pd.DataFrame({name: by_portfolio(frame, name) for name, frame in columns.items()})
    tails = book_tails(book, list(returns.columns), scope.start)
    table = table.join(tails.swaplevel())
    data_days = table["data_days"]
    open_mask = scope.window(book.valuation.open)
    quality = quality_table(
        open_mask,
        private_reasons(book, scope),
        book.public,
        book.portfolio_of,
        data_days,
        limited=data_days < VAR_WINDOW,
        required=scope.window(book.snapshots).index,
    )
    short = data_days < VOL_WINDOWS[0]
    insufficient = quality.set_index(["date", "portfolio_id"]).index.isin(short[short].index)
    quality.loc[insufficient & quality["flag"].ne(QualityFlag.NO_PUBLIC), "flag"] = QualityFlag.INSUFFICIENT.value
    rows = table.drop(columns="data_days").reset_index()
    rows = rows.merge(quality[["date", "portfolio_id"]], on=["date", "portfolio_id"])
    return Computed({PortfolioVolatility: rows}, quality)


ASSET = PortfolioAsset(
    name="portfolio_volatility",
    group="portfolio_risk",
    deps=("portfolio_snapshots", "symbol_metrics"),
    tables=(PortfolioVolatility,),
    compute=portfolio_volatility,
)
