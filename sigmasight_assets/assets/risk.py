"""Portfolio risk per portfolio and trading day: betas, factor exposures, volatility, correlations, stress."""


from datetime import date

import dagster as dg
import numpy as np
import pandas as pd
from sqlalchemy import func, select

from sigmasight_assets.analytics.correlation import (
    average_correlation,
    correlation_clusters,
    rolling_correlation,
    weighted_correlation,
)
from sigmasight_assets.analytics.factors import FACTOR_ETFS, FACTORS
from sigmasight_assets.analytics.parameters import (
    BETA_BOUNDS,
    CLUSTER_THRESHOLD,
    CORRELATION_MIN_OBS,
    CORRELATION_WINDOW,
    FULL_REGRESSION_DAYS,
    HAR_MIN_OBS,
    HAR_WINDOW,
    LOOKBACK,
    MIN_REGRESSION_DAYS,
    STRESS_BETA_WINDOW,
    VAR_MIN_OBS,
    VAR_WINDOW,
    VOL_WINDOWS,
)
from sigmasight_assets.analytics.returns import factor_returns, simple_returns
from sigmasight_assets.analytics.stress import factor_betas, load_scenarios, stress_pnl
from sigmasight_assets.analytics.volatility import har_forecast, historical_var_es, realized_vol
from sigmasight_assets.pipeline.book import Book
from sigmasight_assets.pipeline.quality import quality_table
from sigmasight_assets.pipeline.writer import PortfolioRange, portfolio_asset_kwargs, replacing
from sigmasight_resources import calendar
from sigmasight_resources.db import queries
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.db.results import (
    DataQuality,
    FactorExposure,
    PortfolioBeta,
    PortfolioCorrelation,
    PortfolioVolatility,
    PositionBeta,
    PositionFactorExposure,
    StressResult,
    SymbolFactorExposure,
)
from sigmasight_resources.pricing import OptionPricing

FACTORS_CHECK = "factor_exposures_have_all_factors"
BETA_BOUNDS_CHECK = "position_betas_within_bounds"
# Stored column of symbol_factor_exposures for each of the twelve factors.
FACTOR_COLUMNS = {factor: ("market_beta" if factor == "Market_Beta" else "ir_beta" if factor == "IR_Beta"
                           else factor.lower()) for factor in FACTORS}


class SymbolBetas:
    """Stored symbol betas laid out as (dates, positions) frames for a book's window."""

    def __init__(self, db: ResultsDatabase, book: Book, span: PortfolioRange) -> None:
        columns = [getattr(SymbolFactorExposure, c) for c in (*FACTOR_COLUMNS.values(), "market_n_obs")]
        symbols = sorted(set(book.positions["price_symbol"].dropna()))
        with db.transaction() as session:
            query = select(SymbolFactorExposure.date, SymbolFactorExposure.symbol, *columns).where(
                SymbolFactorExposure.symbol.in_(symbols), SymbolFactorExposure.date.between(span.start, span.end)
            )
            long = queries.read_frame(
                session, query, ["date", "symbol", *FACTOR_COLUMNS.values(), "market_n_obs"], symbols
            )
        self.dates = book.window(book.valuation.open, span.start, span.end).index
        self.symbols = book.positions["price_symbol"]
        self._long = long.set_index(["date", "symbol"])

    def frame(self, column: str) -> pd.DataFrame:
        wide = self._long[column].unstack("symbol") if len(self._long) else pd.DataFrame()
        wide = wide.reindex(index=self.dates, columns=sorted(set(self.symbols.dropna())))
        values = wide.reindex(columns=self.symbols.fillna("").to_numpy()).to_numpy(dtype=float)
        return pd.DataFrame(values, index=self.dates, columns=self.symbols.index)


def beta_reasons(book: Book, span: PortfolioRange, n_obs: pd.DataFrame) -> pd.DataFrame:
    """Why a position has no beta: private, no price, or fewer than MIN_REGRESSION_DAYS observations."""
    reasons = book.window(book.valuation_reasons(), span.start, span.end).copy()
    short = (n_obs.fillna(0) < MIN_REGRESSION_DAYS) & reasons.isna()
    reasons = reasons.where(~short, "insufficient_history")
    private = book.positions["investment_class"].eq("PRIVATE")
    reasons.loc[:, private[private].index] = "private"
    return reasons


def regression_quality(book: Book, span: PortfolioRange, n_obs: pd.DataFrame) -> pd.DataFrame:
    """Quality of beta-based results: data_days is the fewest observations behind any analyzed beta."""
    reasons = beta_reasons(book, span, n_obs)
    open_mask = book.window(book.valuation.open, span.start, span.end)
    analyzed = n_obs.where(open_mask & reasons.isna())
    per_portfolio = analyzed.T.groupby(book.portfolio_of.to_numpy()).min().T.stack()
    per_portfolio.index = per_portfolio.index.set_names(["date", "portfolio_id"])
    snapshots = book.window(book.snapshots, span.start, span.end)
    return quality_table(
        open_mask, reasons, book.public, book.portfolio_of, per_portfolio.fillna(0),
        limited=per_portfolio < FULL_REGRESSION_DAYS, required=snapshots.index,
    )


def weighted_sum(weights: pd.DataFrame, betas: pd.DataFrame, portfolio_of: pd.Series) -> pd.DataFrame:
    """Σ_i w_i β_i per (date, portfolio) over positions with both; NaN when none has a beta."""
    product = weights * betas
    return product.T.groupby(portfolio_of.to_numpy()).sum(min_count=1).T


def _stack(frame: pd.DataFrame, name: str) -> pd.Series:
    series = frame.stack(future_stack=True).rename(name)
    series.index = series.index.set_names(["date", "portfolio_id"])
    return series


def position_frame(book: Book, span: PortfolioRange, columns: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Long rows (date, position) for open positions from (dates, positions) frames."""
    open_mask = book.window(book.valuation.open, span.start, span.end)
    rows, cols = np.nonzero(open_mask.to_numpy())
    ids = open_mask.columns[cols]
    out = pd.DataFrame({
        "date": open_mask.index[rows], "position_id": ids,
        "portfolio_id": book.portfolio_of.reindex(ids).to_numpy(), "symbol": book.positions["symbol"].reindex(ids).to_numpy(),
    })
    for name, frame in columns.items():
        out[name] = frame.to_numpy()[rows, cols]
    return out


def etf_returns(db: ResultsDatabase, start: date, end: date, lookback: int) -> pd.DataFrame:
    first = calendar.previous_sessions(start, lookback)
    with db.transaction() as session:
        closes = queries.closes(session, FACTOR_ETFS, first, end, calendar.sessions(first, end))
    return simple_returns(closes)


def build_risk_assets(days: dg.TimeWindowPartitionsDefinition) -> list[dg.AssetsDefinition]:
    kwargs = portfolio_asset_kwargs(days, "portfolio_risk")

    @dg.asset(
        **kwargs,
        deps=["position_values", "symbol_factor_exposures"],
        check_specs=[dg.AssetCheckSpec(BETA_BOUNDS_CHECK, asset="position_betas")],
    )
    def position_betas(
        context: dg.AssetExecutionContext, db: ResultsDatabase, pricing: OptionPricing
    ) -> dg.MaterializeResult:
        """Per position: OLS market and IR beta (90d); per portfolio: exposure-weighted betas."""
        whole = PortfolioRange.of(context, db)
        outside: set[str] = set()
        covered = 0
        low, high = BETA_BOUNDS
        with replacing(context, db, whole, [PositionBeta, PortfolioBeta]) as writer:
            for span in whole.chunks(db):
                book = span.book(db, pricing)
                symbol_betas = SymbolBetas(db, book, span)
                n_obs = symbol_betas.frame("market_n_obs")
                reasons = beta_reasons(book, span, n_obs)
                usable = reasons.isna()
                market = symbol_betas.frame("market_beta").where(usable)
                rates = symbol_betas.frame("ir_beta").where(usable)
                weights = book.window(book.weights(), span.start, span.end)
                positions = position_frame(
                    book, span, {"market_beta": market, "ir_beta": rates, "n_obs": n_obs.fillna(0)}
                )
                portfolio = pd.concat([
                    _stack(weighted_sum(weights, market, book.portfolio_of), "market_beta"),
                    _stack(weighted_sum(weights, rates, book.portfolio_of), "ir_beta"),
                ], axis=1)
                snapshots = book.window(book.snapshots, span.start, span.end)
                portfolio = portfolio.reindex(snapshots.index).reset_index()
                writer.write(span, {PositionBeta: positions, PortfolioBeta: portfolio},
                             regression_quality(book, span, n_obs))
                beyond = (positions["market_beta"] < low) | (positions["market_beta"] > high)
                outside.update(positions.loc[beyond, "symbol"])
                covered += positions["position_id"].nunique()
        return writer.result({"positions_covered": covered}, check_results=[dg.AssetCheckResult(
            check_name=BETA_BOUNDS_CHECK, passed=not outside, severity=dg.AssetCheckSeverity.WARN,
            metadata={"outside_bounds": dg.MetadataValue.json(sorted(outside)[:50])},
        )])

    @dg.asset(
        **kwargs,
        deps=["position_values", "symbol_factor_exposures"],
        check_specs=[dg.AssetCheckSpec(FACTORS_CHECK, asset="factor_exposures", blocking=True)],
    )
    def factor_exposures(
        context: dg.AssetExecutionContext, db: ResultsDatabase, pricing: OptionPricing
    ) -> dg.MaterializeResult:
        """The twelve factor betas and dollar exposures per portfolio (and per position)."""
        whole = PortfolioRange.of(context, db)
        with replacing(context, db, whole, [FactorExposure, PositionFactorExposure]) as writer:
            for span in whole.chunks(db):
                book = span.book(db, pricing)
                symbol_betas = SymbolBetas(db, book, span)
                n_obs = symbol_betas.frame("market_n_obs")
                usable = beta_reasons(book, span, n_obs).isna()
                weights = book.window(book.weights(), span.start, span.end)
                exposure = book.window(book.valuation.exposure, span.start, span.end)
                snapshots = book.window(book.snapshots, span.start, span.end)
                per_position = {"exposure": exposure}
                portfolio_rows = []
                for factor, column in FACTOR_COLUMNS.items():
                    betas = symbol_betas.frame(column).where(usable)
                    per_position[column] = betas
                    beta = _stack(weighted_sum(weights, betas, book.portfolio_of), "beta").reindex(snapshots.index)
                    portfolio_rows.append(pd.DataFrame({
                        "beta": beta, "dollar_exposure": beta * snapshots["nav"], "factor": factor,
                    }))
                portfolio = pd.concat(portfolio_rows).reset_index()
                writer.write(
                    span, {FactorExposure: portfolio, PositionFactorExposure: position_frame(book, span, per_position)},
                    regression_quality(book, span, n_obs),
                )
        incomplete = incomplete_factor_sets(db, whole)
        return writer.result(check_results=[dg.AssetCheckResult(
            check_name=FACTORS_CHECK, passed=not incomplete,
            metadata={"incomplete": dg.MetadataValue.json(incomplete[:50]), "count": len(incomplete)},
        )])

    @dg.asset(**kwargs, deps=["portfolio_snapshots", "symbol_metrics"])
    def portfolio_volatility(
        context: dg.AssetExecutionContext, db: ResultsDatabase, pricing: OptionPricing
    ) -> dg.MaterializeResult:
        """Realized vol 21/63/252d, HAR-RV 1d/21d forecasts, 95/99% historical VaR and ES of daily returns."""
        whole = PortfolioRange.of(context, db)
        with replacing(context, db, whole, [PortfolioVolatility]) as writer:
            for span in whole.chunks(db):
                book = span.book(db, pricing)
                returns = book.snapshots["daily_return"].unstack("portfolio_id")  # (dates, portfolios), one pass each
                har = har_forecast(returns, HAR_WINDOW, HAR_MIN_OBS)
                columns = {f"realized_{w}d": realized_vol(returns, w) for w in VOL_WINDOWS}
                columns |= {"har_forecast_1d": har["har_1d"], "har_forecast_21d": har["har_21d"]}
                columns["data_days"] = returns.rolling(VAR_WINDOW, min_periods=1).count()
                table = pd.DataFrame({name: _stack(frame, name) for name, frame in columns.items()})
                tails = pd.concat(
                    {p: historical_var_es(returns[p], VAR_WINDOW, VAR_MIN_OBS) for p in returns.columns}, names=["portfolio_id"]
                ).swaplevel().rename_axis(["date", "portfolio_id"])
                table = table.join(tails)
                data_days = table["data_days"]
                open_mask = book.window(book.valuation.open, span.start, span.end)
                reasons = pd.DataFrame(None, index=open_mask.index, columns=open_mask.columns, dtype=object)
                private = book.positions["investment_class"].eq("PRIVATE")
                reasons.loc[:, private[private].index] = "private"
                short = data_days < VOL_WINDOWS[0]
                quality = quality_table(
                    open_mask, reasons, book.public, book.portfolio_of, data_days,
                    limited=data_days < VAR_WINDOW, required=book.window(book.snapshots, span.start, span.end).index,
                )
                insufficient = quality.set_index(["date", "portfolio_id"]).index.isin(short[short].index)
                quality.loc[insufficient & quality["flag"].ne("no_public_positions"), "flag"] = "insufficient_history"
                rows = table.drop(columns="data_days").reset_index()
                rows = rows.merge(quality[["date", "portfolio_id"]], on=["date", "portfolio_id"])
                writer.write(span, {PortfolioVolatility: rows}, quality)
        return writer.result()

    @dg.asset(**kwargs, deps=["position_values", "market_prices"])
    def correlations(
        context: dg.AssetExecutionContext, db: ResultsDatabase, pricing: OptionPricing
    ) -> dg.MaterializeResult:
        """Correlation matrix of held symbols (90d), average and weighted correlation, clusters, factor matrix."""
        whole = PortfolioRange.of(context, db)
        with replacing(context, db, whole, [PortfolioCorrelation]) as writer:
            for span in whole.chunks(db):
                book = span.book(db, pricing)
                factor_corr = rolling_correlation(
                    etf_returns(db, span.start, span.end, CORRELATION_WINDOW)[list(FACTOR_ETFS)],
                    CORRELATION_WINDOW, CORRELATION_MIN_OBS,
                )
                factor_at = {d: i for i, d in enumerate(factor_corr.dates)}
                returns = simple_returns(book.closes)
                open_mask = book.window(book.valuation.open, span.start, span.end)
                weights = book.window(book.weights(), span.start, span.end)
                reasons = book.window(book.valuation_reasons(), span.start, span.end).copy()
                private = book.positions["investment_class"].eq("PRIVATE")
                reasons.loc[:, private[private].index] = "private"
                rows, data_days = [], {}
                for portfolio in span.portfolios:
                    held = book.positions[book.portfolio_of.eq(portfolio) & ~private]
                    symbols = sorted(set(held["price_symbol"].dropna()) & set(returns.columns))
                    if not symbols:
                        continue
                    corr = rolling_correlation(returns[symbols], CORRELATION_WINDOW, CORRELATION_MIN_OBS)
                    at = corr.dates.get_indexer(open_mask.index)
                    matrices = corr.matrices[at].copy()
                    by_symbol = weights[held.index].T.groupby(held["price_symbol"].to_numpy()).sum().T.reindex(columns=symbols)
                    held_today = open_mask[held.index].T.groupby(held["price_symbol"].to_numpy()).any().T.reindex(
                        columns=symbols, fill_value=False
                    ).to_numpy()
                    matrices[~held_today] = np.nan
                    matrices.transpose(0, 2, 1)[~held_today] = np.nan
                    excluded_symbols = held_today & np.all(np.isnan(matrices), axis=2)
                    short_history = pd.DataFrame(excluded_symbols, index=open_mask.index, columns=symbols)
                    for position_id, symbol in held["price_symbol"].dropna().items():
                        flagged = short_history[symbol] & reasons[position_id].isna()
                        reasons.loc[flagged, position_id] = "insufficient_history"
                    average = average_correlation(matrices)
                    weighted = weighted_correlation(matrices, by_symbol.fillna(0.0).to_numpy())
                    for t, day in enumerate(open_mask.index):
                        included = [i for i in range(len(symbols)) if not np.all(np.isnan(matrices[t, i]))]
                        if not held_today[t].any():
                            continue
                        names = [symbols[i] for i in included]
                        sub = matrices[t][np.ix_(included, included)]
                        fmat = factor_corr.matrices[factor_at[day]] if day in factor_at else None
                        rows.append({
                            "date": day, "portfolio_id": portfolio, "average": average[t], "weighted": weighted[t],
                            "symbols": names, "matrix": _rounded(sub),
                            "clusters": correlation_clusters(sub, names, CLUSTER_THRESHOLD) if names else [],
                            "excluded_positions": int(sum(1 for pid, s in held["price_symbol"].items()
                                                          if open_mask.at[day, pid] and s in symbols
                                                          and excluded_symbols[t, symbols.index(s)])),
                            "factor_matrix": {"symbols": list(FACTOR_ETFS), "matrix": _rounded(fmat)} if fmat is not None else {},
                        })
                        data_days[(day, portfolio)] = int(corr.n_obs.iloc[at[t]].max())
                table = pd.DataFrame(rows, columns=[
                    "date", "portfolio_id", "average", "weighted", "symbols", "matrix", "clusters", "excluded_positions",
                    "factor_matrix",
                ])
                snapshots = book.window(book.snapshots, span.start, span.end)
                quality = quality_table(open_mask, reasons, book.public, book.portfolio_of, pd.Series(data_days, dtype=float),
                                        required=snapshots.index)
                missing = snapshots.index.difference(pd.MultiIndex.from_frame(table[["date", "portfolio_id"]]))
                placeholders = pd.DataFrame({
                    "date": missing.get_level_values(0), "portfolio_id": missing.get_level_values(1),
                    "average": np.nan, "weighted": np.nan, "excluded_positions": 0,
                })
                for column in ("symbols", "matrix", "clusters"):
                    placeholders[column] = [[] for _ in range(len(placeholders))]
                placeholders["factor_matrix"] = [{} for _ in range(len(placeholders))]
                table = pd.concat([table, placeholders], ignore_index=True) if len(placeholders) else table
                writer.write(span, {PortfolioCorrelation: table}, quality)
        return writer.result()

    @dg.asset(**kwargs, deps=["factor_exposures", "market_prices"])
    def stress_tests(
        context: dg.AssetExecutionContext, db: ResultsDatabase, pricing: OptionPricing
    ) -> dg.MaterializeResult:
        """Direct and correlated P&L of every library scenario from stored factor dollar exposures."""
        whole = PortfolioRange.of(context, db)
        with replacing(context, db, whole, [StressResult]) as writer:
            for span in whole.chunks(db):
                book = span.book(db, pricing)
                scenarios = load_scenarios()
                factors = factor_returns(etf_returns(db, span.start, span.end, LOOKBACK))
                betas = factor_betas(factors[list(FACTORS)], STRESS_BETA_WINDOW)
                at = factors.index.get_indexer(pd.DatetimeIndex([pd.Timestamp(d) for d in span.days]))
                with db.transaction() as session:
                    stored = pd.DataFrame(session.execute(
                        select(FactorExposure.date, FactorExposure.portfolio_id, FactorExposure.factor,
                               FactorExposure.dollar_exposure).where(
                            FactorExposure.date.between(span.start, span.end),
                            FactorExposure.portfolio_id.in_(span.portfolios))
                    ).all(), columns=["date", "portfolio_id", "factor", "dollar_exposure"])
                    quality = pd.DataFrame(session.execute(
                        select(DataQuality.date, DataQuality.portfolio_id, DataQuality.flag, DataQuality.message,
                               DataQuality.positions_total, DataQuality.positions_analyzed, DataQuality.positions_skipped,
                               DataQuality.data_days).where(
                            DataQuality.asset == "factor_exposures", DataQuality.date.between(span.start, span.end),
                            DataQuality.portfolio_id.in_(span.portfolios))
                    ).all(), columns=["date", "portfolio_id", "flag", "message", "positions_total", "positions_analyzed",
                                      "positions_skipped", "data_days"])
                stored["date"] = pd.to_datetime(stored["date"])
                quality["date"] = pd.to_datetime(quality["date"])
                nav = book.snapshots["nav"]
                rows = []
                for portfolio, group in stored.groupby("portfolio_id"):
                    exposures = group.pivot(index="date", columns="factor", values="dollar_exposure").reindex(
                        columns=list(FACTORS)).astype(float)
                    picks = at[np.searchsorted(pd.DatetimeIndex([pd.Timestamp(d) for d in span.days]), exposures.index)]
                    portfolio_nav = nav.xs(portfolio, level="portfolio_id").reindex(exposures.index)
                    for scenario in scenarios:
                        pnl = stress_pnl(exposures.fillna(0.0).where(exposures.notna().any(axis=1), np.nan, axis=0),
                                         scenario.shocks, betas[picks])
                        rows.append(pd.DataFrame({
                            "date": exposures.index, "portfolio_id": portfolio, "scenario_id": scenario.id,
                            "name": scenario.name, "category": scenario.category,
                            "direct_pnl": pnl["direct_pnl"].to_numpy(), "correlated_pnl": pnl["correlated_pnl"].to_numpy(),
                            "direct_pct": (pnl["direct_pnl"] / portfolio_nav.where(portfolio_nav > 0)).to_numpy(),
                            "correlated_pct": (pnl["correlated_pnl"] / portfolio_nav.where(portfolio_nav > 0)).to_numpy(),
                        }))
                table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["date", "portfolio_id"])
                writer.write(span, {StressResult: table}, quality)
        return writer.result({"scenarios": len(scenarios)})

    return [position_betas, factor_exposures, portfolio_volatility, correlations, stress_tests]


def incomplete_factor_sets(db: ResultsDatabase, span: PortfolioRange) -> list[str]:
    """(date|portfolio) keys with public positions whose stored rows are not exactly the twelve factors."""
    with db.transaction() as session:
        expected = set(session.execute(
            select(DataQuality.date, DataQuality.portfolio_id).where(
                DataQuality.asset == "factor_exposures", DataQuality.flag != "no_public_positions",
                DataQuality.date.between(span.start, span.end), DataQuality.portfolio_id.in_(span.portfolios))
        ).all())
        counts = dict(((d, p), n) for d, p, n in session.execute(
            select(FactorExposure.date, FactorExposure.portfolio_id, func.count(FactorExposure.factor.distinct()))
            .where(FactorExposure.date.between(span.start, span.end), FactorExposure.portfolio_id.in_(span.portfolios),
                   FactorExposure.factor.in_(list(FACTORS)))
            .group_by(FactorExposure.date, FactorExposure.portfolio_id)
        ).all())
    return sorted(f"{d}|{p}" for d, p in expected if counts.get((d, p), 0) != len(FACTORS))


def _rounded(matrix: np.ndarray) -> list[list[float | None]]:
    return [[None if not np.isfinite(v) else round(float(v), 6) for v in row] for row in matrix]
