"""The factor risk model per trading day: each symbol's seven loadings and specific risk, and the covariances."""

from datetime import date

import dagster as dg
import numpy as np
import pandas as pd

from sigmasight_assets.analytics.correlation import rounded_matrix
from sigmasight_assets.analytics.factors import FACTOR_ETFS, MODEL_COLUMNS, MODEL_FACTORS
from sigmasight_assets.analytics.parameters import (
    COVARIANCE_HALF_LIFE,
    COVARIANCE_MIN_OBS,
    COVARIANCE_WINDOW,
    LOOKBACK,
    RISK_MODEL_MIN_OBS,
    RISK_MODEL_WINDOW,
    SPECIFIC_HALF_LIFE,
)
from sigmasight_assets.analytics.returns import simple_returns
from sigmasight_assets.analytics.risk_model import ewma_covariance, model_factor_returns, rolling_factor_model
from sigmasight_assets.assets.symbols import long_rows, replace_window, symbol_asset_kwargs, universe_closes
from sigmasight_assets.pipeline.builder import table_metadata
from sigmasight_assets.pipeline.scope import requested_days
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.db.results import FactorCovariance, SymbolRiskModel

NAME = "risk_model"


def _first_row(closes: pd.DataFrame, first: date) -> int:
    return int(closes.index.searchsorted(pd.Timestamp(first)))


def _trailing(frame: pd.DataFrame, start: int, window: int) -> pd.DataFrame:
    return frame.iloc[max(0, start - window + 1) :]


def symbol_risk_rows(closes: pd.DataFrame, first: date) -> pd.DataFrame:
    """Per (date, symbol) with a close on the dates from `first` on: the seven loadings of the joint
    OLS, the EWMA specific variance, R² and n_obs, from closes of symbols and the factor ETFs that
    reach far enough back for the window. Each date depends only on its own trailing window, so
    only the dates asked for are computed: D alone and D inside a range give the same rows."""
    returns = simple_returns(closes)
    start = _first_row(closes, first)
    kept = closes.index[start:]
    model_returns = _trailing(returns, start, RISK_MODEL_WINDOW)
    model_factors = model_factor_returns(model_returns[list(FACTOR_ETFS)])
    fit = rolling_factor_model(
        model_returns,
        model_factors,
        RISK_MODEL_WINDOW,
        RISK_MODEL_MIN_OBS,
        SPECIFIC_HALF_LIFE,
        start=len(model_returns) - len(kept),
    )

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=model_returns.index, columns=closes.columns).loc[kept]

    columns = {MODEL_COLUMNS[f]: frame(fit.loadings[:, :, k]) for k, f in enumerate(MODEL_FACTORS)}
    columns |= {"specific_var": frame(fit.specific_var), "r2": frame(fit.r2), "n_obs": frame(fit.n_obs)}
    symbols = long_rows(columns, closes.loc[kept])
    symbols["n_obs"] = symbols["n_obs"].astype(int)
    return symbols


def factor_covariance_rows(closes: pd.DataFrame, first: date) -> pd.DataFrame:
    """Per date from `first` on: the EWMA covariance of the seven model factors and of the eight
    factor ETFs (daily units, JSON-ready lists, None where NaN), from the factor ETFs' closes."""
    start = _first_row(closes, first)
    kept = closes.index[start:]
    etfs = _trailing(simple_returns(closes[list(FACTOR_ETFS)]), start, COVARIANCE_WINDOW)
    last = slice(len(etfs) - len(kept), None)
    factor_cov = ewma_covariance(
        model_factor_returns(etfs), COVARIANCE_WINDOW, COVARIANCE_HALF_LIFE, COVARIANCE_MIN_OBS, start=last.start
    )
    etf_cov = ewma_covariance(etfs, COVARIANCE_WINDOW, COVARIANCE_HALF_LIFE, COVARIANCE_MIN_OBS, start=last.start)
    return pd.DataFrame(
        {
            "date": kept,
            "factors": [list(MODEL_FACTORS)] * len(kept),
            "factor_cov": [rounded_matrix(m, digits=None) for m in factor_cov.matrices[last]],
            "etfs": [list(FACTOR_ETFS)] * len(kept),
            "etf_cov": [rounded_matrix(m, digits=None) for m in etf_cov.matrices[last]],
            "n_obs": np.minimum(factor_cov.n_obs[last], etf_cov.n_obs[last]).astype(int),
        }
    )


def build_risk_model_asset(days: dg.TimeWindowPartitionsDefinition) -> dg.AssetsDefinition:
    @dg.asset(name=NAME, **symbol_asset_kwargs(days), metadata=table_metadata((SymbolRiskModel, FactorCovariance)))
    def risk_model(context: dg.AssetExecutionContext, db: ResultsDatabase) -> dg.MaterializeResult:
        """Per symbol and day: seven model loadings (joint OLS, 252d), EWMA specific variance; factor covariances."""
        requested = requested_days(context)
        closes = universe_closes(db, requested[0], requested[-1], lookback=LOOKBACK)
        modelled: set[str] = set()
        r2: list[np.ndarray] = []  # each modelled (date, symbol)'s R², copied out of its chunk's frame

        def compute(chunk: pd.DataFrame) -> dict[type, pd.DataFrame]:
            symbols = symbol_risk_rows(chunk, requested[0])
            fitted = symbols[symbols["market"].notna()]
            if r2:  # every chunk holds the factor ETFs; their rows are counted from the first
                fitted = fitted[~fitted["symbol"].isin(FACTOR_ETFS)]
            modelled.update(fitted["symbol"].unique())
            r2.append(fitted["r2"].to_numpy(dtype=float, copy=True))
            return {SymbolRiskModel: symbols}

        once = {FactorCovariance: factor_covariance_rows(closes, requested[0])}
        rows = replace_window(db, compute, closes, requested[0], requested[-1], context.run_id, once)
        fitted_r2 = pd.Series(np.concatenate(r2) if r2 else [], dtype=float)
        return dg.MaterializeResult(
            metadata={
                "rows_written": rows,
                "symbols_covered": closes.shape[1],
                "symbols_modelled": len(modelled),
                "median_r2": float(fitted_r2.median()) if len(fitted_r2) else None,
            }
        )

    return risk_model
