"""Ex-ante risk per portfolio and trading day from the factor model: vol, its split, contributions, VaR."""

import numpy as np
import pandas as pd

from sigmasight_assets.analytics.ex_ante import ex_ante_risk, parametric_var_es, tracking_error
from sigmasight_assets.analytics.factors import DEFAULT_BENCHMARK, MODEL_FACTORS
from sigmasight_assets.analytics.parameters import COVARIANCE_WINDOW, RISK_MODEL_WINDOW
from sigmasight_assets.assets.risk_model import NAME as RISK_MODEL
from sigmasight_assets.pipeline.book import Book
from sigmasight_assets.pipeline.builder import Computed, Conclusion, PortfolioAsset
from sigmasight_assets.pipeline.quality import quality_table
from sigmasight_assets.pipeline.risk_inputs import StoredRiskModel, load_risk_model
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_resources import calendar
from sigmasight_resources.db import portfolio_reads
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.db.results import PortfolioRisk
from sigmasight_resources.vocabulary import SkipReason

NAME = "portfolio_risk"
LEVELS = (95, 99)


def load_portfolio_risk_inputs(db: ResultsDatabase, book: Book, scope: RunScope) -> dict:
    """The stored risk model of the book's symbols and of each portfolio's benchmark."""
    with db.transaction() as session:
        named = portfolio_reads.benchmarks(session, scope.portfolios)
    benchmarks = {p: named.get(p) or DEFAULT_BENCHMARK for p in scope.portfolios}
    return {"model": load_risk_model(db, book, scope, set(benchmarks.values())), "benchmarks": benchmarks}


def risk_reasons(book: Book, scope: RunScope, loadings: np.ndarray, specific: pd.DataFrame) -> pd.DataFrame:
    """(dates, positions): why a position is not in the ex-ante risk — private, unpriced, or no model."""
    reasons = scope.window(book.skip_reasons())
    modelled = np.isfinite(loadings).all(axis=2) & np.isfinite(specific.to_numpy())
    return reasons.where(~(~modelled & reasons.isna().to_numpy()), SkipReason.NO_RISK_MODEL.value)


def portfolio_risk(book: Book, scope: RunScope, model: StoredRiskModel, benchmarks: dict[int, str]) -> Computed:
    """Ex-ante vol (factor and specific), contributions by factor and position, tracking error, parametric VaR/ES."""
    dates = model.dates
    loadings = model.loadings()
    specific = model.specific_var()
    reasons = risk_reasons(book, scope, loadings, specific)
    usable = reasons.isna().to_numpy()
    analyzed_obs = np.where(usable, model.n_obs().to_numpy(), np.nan)
    weights = np.where(usable, scope.window(book.weights()).to_numpy(), np.nan)
    specific = specific.to_numpy()
    required = scope.window(book.snapshots).index
    wanted = set(required)
    owners, ids, symbols = book.portfolio_of.to_numpy(), book.positions.index, book.positions["symbol"].to_numpy()
    benchmark_models = {symbol: model.symbol(symbol) for symbol in set(benchmarks.values())}
    rows, per_portfolio_days = [], []
    for portfolio in scope.portfolios:
        cols = np.flatnonzero(owners == portfolio)
        w = weights[:, cols]
        risk = ex_ante_risk(w, loadings[:, cols], specific[:, cols], model.factor_cov)
        bench_loadings, bench_specific = benchmark_models[benchmarks[portfolio]]
        te = tracking_error(w, loadings[:, cols], specific[:, cols], model.factor_cov, bench_loadings, bench_specific)
        daily = risk.total_vol / np.sqrt(calendar.TRADING_DAYS_PER_YEAR)
        tails = {
            f"parametric_{kind}_{level}": values
            for level in LEVELS
            for kind, values in zip(("var", "es"), parametric_var_es(daily, level / 100), strict=True)
        }
        for t, day in enumerate(dates):
            if (day, portfolio) not in wanted:
                continue
            rows.append(
                {
                    "date": day,
                    "portfolio_id": portfolio,
                    "ex_ante_vol": risk.total_vol[t],
                    "factor_vol": risk.factor_vol[t],
                    "specific_vol": risk.specific_vol[t],
                    "benchmark": benchmarks[portfolio],
                    "tracking_error": te[t],
                    "factor_contributions": factor_contributions(risk, t),
                    "position_contributions": position_contributions(risk, t, ids[cols], symbols[cols], w[t]),
                    **{name: values[t] for name, values in tails.items()},
                }
            )
        analyzed = np.fmin.reduce(analyzed_obs[:, cols], axis=1, initial=np.inf)  # NaN-skipping, as pandas' min
        per_portfolio_days.append(
            pd.Series(
                np.where(np.isinf(analyzed), np.nan, analyzed),
                index=pd.MultiIndex.from_arrays(
                    [dates, np.full(len(dates), portfolio)], names=["date", "portfolio_id"]
                ),
            )
        )
    data_days = pd.concat(per_portfolio_days) if per_portfolio_days else pd.Series(dtype=float)
    covariance_days = pd.Series(model.cov_n_obs, index=dates)
    short_cov = covariance_days.reindex(data_days.index.get_level_values("date")).to_numpy() < COVARIANCE_WINDOW
    limited = pd.Series((data_days.fillna(0).to_numpy() < RISK_MODEL_WINDOW) | short_cov, index=data_days.index)
    quality = quality_table(
        scope.window(book.valuation.open),
        reasons,
        book.public,
        book.portfolio_of,
        data_days.fillna(0),
        limited=limited,
        required=required,
    )
    table = pd.DataFrame(rows, columns=["date", "portfolio_id", "benchmark"]) if not rows else pd.DataFrame(rows)
    last = [r for r in rows if r["date"] == dates[-1]] if len(dates) else []
    return Computed({PortfolioRisk: table}, quality, facts={"last_day": last})


def factor_contributions(risk, t: int) -> dict[str, dict[str, float | None]]:
    """{factor: {exposure, contribution, pct}} on date index t, None for NaN."""
    return {
        factor: {
            "exposure": _number(risk.exposures[t, k]),
            "contribution": _number(risk.factor_contributions[t, k]),
            "pct": _number(risk.factor_pct[t, k]),
        }
        for k, factor in enumerate(MODEL_FACTORS)
    }


def position_contributions(risk, t: int, ids: pd.Index, symbols: np.ndarray, weights: np.ndarray) -> list[dict]:
    """The positions in the book on date index t, largest |contribution| first."""
    contributions = risk.position_contributions[t]
    order = np.argsort(-np.abs(np.nan_to_num(contributions, nan=-np.inf)), kind="stable")
    return [
        {
            "position_id": int(ids[i]),
            "symbol": str(symbols[i]),
            "weight": float(weights[i]),
            "contribution": float(contributions[i]),
            "pct": _number(risk.position_pct[t, i]),
        }
        for i in order
        if np.isfinite(contributions[i])
    ]


def _number(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def conclude_portfolio_risk(facts: list[dict], db: ResultsDatabase, scope: RunScope) -> Conclusion:
    """Headline figures for the UI: the median ex-ante vol and the largest factor contributor on the last day."""
    last = [row for f in facts for row in f["last_day"] if row["ex_ante_vol"] == row["ex_ante_vol"]]
    if not last:
        return {}, []
    totals = {f: sum(abs(r["factor_contributions"][f]["contribution"] or 0.0) for r in last) for f in MODEL_FACTORS}
    return {
        "median_ex_ante_vol": float(np.median([r["ex_ante_vol"] for r in last])),
        "largest_factor_contributor": max(totals, key=totals.get),
        "portfolios_on_last_day": len(last),
    }, []


ASSET = PortfolioAsset(
    name=NAME,
    group="portfolio_risk",
    deps=("position_values", RISK_MODEL),
    tables=(PortfolioRisk,),
    compute=portfolio_risk,
    load=load_portfolio_risk_inputs,
    conclude=conclude_portfolio_risk,
)
