"""Pure numeric kernels of SigmaSight: numpy/pandas in, arrays/frames or small dataclasses out.

No Dagster, SQL, clock or environment here. Dates are rows (sorted DatetimeIndex),
symbols are columns, and every kernel covers a whole date range in one vectorized call.
"""

from .correlation import (
    RollingCorrelation,
    average_correlation,
    correlation_clusters,
    rolling_correlation,
    weighted_correlation,
)
from .factors import FACTOR_ETFS, FACTORS, MARKET, RATES, SPREADS, STYLE_LEGS
from .options import Greeks, black_scholes
from .regression import RidgeFit, RollingFit, rolling_ols, rolling_ridge
from .returns import simple_returns, spread_returns
from .stress import Scenario, load_scenarios
from .volatility import har_forecast, realized_vol

__all__ = [
    "FACTORS",
    "FACTOR_ETFS",
    "MARKET",
    "RATES",
    "SPREADS",
    "STYLE_LEGS",
    "Greeks",
    "RidgeFit",
    "RollingCorrelation",
    "RollingFit",
    "Scenario",
    "average_correlation",
    "black_scholes",
    "correlation_clusters",
    "har_forecast",
    "load_scenarios",
    "realized_vol",
    "rolling_correlation",
    "rolling_ols",
    "rolling_ridge",
    "simple_returns",
    "spread_returns",
    "weighted_correlation",
]
