"""Portfolio volatility per trading day: realized, HAR-RV forecasts, historical VaR and ES."""

import pandas as pd

from sigmasight_assets.analytics.parameters import HAR_MIN_OBS, HAR_WINDOW, VAR_MIN_OBS, VAR_WINDOW, VOL_WINDOWS
from sigmasight_assets.analytics.volatility import har_forecast, historical_var_es, realized_vol
from sigmasight_assets.pipeline.book import Book
from sigmasight_assets.pipeline.builder import Computed, PortfolioAsset
from sigmasight_assets.pipeline.layout import by_portfolio
from sigmasight_assets.pipeline.quality import quality_table
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_resources.db.results import PortfolioVolatility
from sigmasight_resources.vocabulary import QualityFlag, SkipReason


def private_reasons(book: Book, scope: RunScope) -> pd.DataFrame:
    """(dates, positions): `private` for private positions, None for the rest (return-based results)."""
    open_mask = scope.window(book.valuation.open)
    reasons = pd.DataFrame(None, index=open_mask.index, columns=open_mask.columns, dtype=object)
    reasons.loc[:, book.private[book.private].index] = SkipReason.PRIVATE.value
    return reasons


def portfolio_volatility(book: Book, scope: RunScope) -> Computed:
    """Realized vol 21/63/252d, HAR-RV 1d/21d forecasts, 95/99% historical VaR and ES of daily returns."""
    returns = book.snapshots["daily_return"].unstack("portfolio_id")  # (dates, portfolios), one pass each
    har = har_forecast(returns, HAR_WINDOW, HAR_MIN_OBS)
    columns = {f"realized_{w}d": realized_vol(returns, w) for w in VOL_WINDOWS}
    columns |= {"har_forecast_1d": har["har_1d"], "har_forecast_21d": har["har_21d"]}
    columns["data_days"] = returns.rolling(VAR_WINDOW, min_periods=1).count()
    table = pd.DataFrame({name: by_portfolio(frame, name) for name, frame in columns.items()})
    tails = (
        pd.concat(
            {p: historical_var_es(returns[p], VAR_WINDOW, VAR_MIN_OBS) for p in returns.columns}, names=["portfolio_id"]
        )
        .swaplevel()
        .rename_axis(["date", "portfolio_id"])
    )
    table = table.join(tails)
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
