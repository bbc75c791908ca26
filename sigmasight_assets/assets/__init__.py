"""The asset definitions, a module per phase, and the names of each level's assets."""

DAY_ASSETS = ("market_prices", "symbol_factor_exposures", "symbol_metrics")
PORTFOLIO_ASSETS = (
    "position_values", "portfolio_snapshots", "position_betas", "factor_exposures",
    "portfolio_volatility", "correlations", "stress_tests",
)

