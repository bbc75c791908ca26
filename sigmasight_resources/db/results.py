"""Result tables written by the asset graph; every row carries its Dagster run id and computation time.

Natural keys are primary keys, so a partition's rows are replaced, never duplicated.
"""

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Double, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from sigmasight_resources.db.models import Base


class Provenance:
    run_id: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SymbolFactorExposure(Provenance, Base):
    __tablename__ = "symbol_factor_exposures"

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    market_beta: Mapped[float | None] = mapped_column(Double)
    market_r2: Mapped[float | None] = mapped_column(Double)
    market_n_obs: Mapped[int] = mapped_column(Integer)
    ir_beta: Mapped[float | None] = mapped_column(Double)
    ir_r2: Mapped[float | None] = mapped_column(Double)
    ir_n_obs: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Double)
    growth: Mapped[float | None] = mapped_column(Double)
    momentum: Mapped[float | None] = mapped_column(Double)
    quality: Mapped[float | None] = mapped_column(Double)
    size: Mapped[float | None] = mapped_column(Double)
    low_volatility: Mapped[float | None] = mapped_column(Double)
    style_r2: Mapped[float | None] = mapped_column(Double)
    style_n_obs: Mapped[int] = mapped_column(Integer)
    growth_value_spread: Mapped[float | None] = mapped_column(Double)
    momentum_spread: Mapped[float | None] = mapped_column(Double)
    size_spread: Mapped[float | None] = mapped_column(Double)
    quality_spread: Mapped[float | None] = mapped_column(Double)
    spread_n_obs: Mapped[int] = mapped_column(Integer)


class SymbolMetric(Provenance, Base):
    __tablename__ = "symbol_metrics"

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    close: Mapped[float] = mapped_column(Double)
    return_1d: Mapped[float | None] = mapped_column(Double)
    return_21d: Mapped[float | None] = mapped_column(Double)
    vol_21d: Mapped[float | None] = mapped_column(Double)
    vol_63d: Mapped[float | None] = mapped_column(Double)


class PositionValue(Provenance, Base):
    __tablename__ = "position_values"

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32))
    investment_class: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[float] = mapped_column(Double)
    price: Mapped[float | None] = mapped_column(Double)
    market_value: Mapped[float | None] = mapped_column(Double)
    exposure: Mapped[float | None] = mapped_column(Double)
    weight: Mapped[float | None] = mapped_column(Double)
    daily_pnl: Mapped[float | None] = mapped_column(Double)
    underlying_price: Mapped[float | None] = mapped_column(Double)
    delta: Mapped[float | None] = mapped_column(Double)
    gamma: Mapped[float | None] = mapped_column(Double)
    vega: Mapped[float | None] = mapped_column(Double)
    theta: Mapped[float | None] = mapped_column(Double)
    flag: Mapped[str | None] = mapped_column(String(32))


class PortfolioSnapshot(Provenance, Base):
    __tablename__ = "portfolio_snapshots"
    # One portfolio's time series (API snapshots, report) without scanning every portfolio's days.
    __table_args__ = (Index("ix_portfolio_snapshots_portfolio_date", "portfolio_id", "date"),)

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nav: Mapped[float] = mapped_column(Double)
    cash: Mapped[float | None] = mapped_column(Double)
    long_exposure: Mapped[float] = mapped_column(Double)
    short_exposure: Mapped[float] = mapped_column(Double)
    gross_exposure: Mapped[float] = mapped_column(Double)
    net_exposure: Mapped[float] = mapped_column(Double)
    daily_pnl: Mapped[float] = mapped_column(Double)
    daily_return: Mapped[float | None] = mapped_column(Double)
    cumulative_pnl: Mapped[float] = mapped_column(Double)
    positions_count: Mapped[int] = mapped_column(Integer)
    external_flow: Mapped[float | None] = mapped_column(Double)
    gross_leverage: Mapped[float | None] = mapped_column(Double)
    net_leverage: Mapped[float | None] = mapped_column(Double)


class PositionBeta(Provenance, Base):
    __tablename__ = "position_betas"

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32))
    market_beta: Mapped[float | None] = mapped_column(Double)
    ir_beta: Mapped[float | None] = mapped_column(Double)
    n_obs: Mapped[int] = mapped_column(Integer)


class PortfolioBeta(Provenance, Base):
    __tablename__ = "portfolio_betas"

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    market_beta: Mapped[float | None] = mapped_column(Double)
    ir_beta: Mapped[float | None] = mapped_column(Double)


class FactorExposure(Provenance, Base):
    """Portfolio-level exposure, one row per factor: the twelve-factor check counts these."""

    __tablename__ = "factor_exposures"

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    factor: Mapped[str] = mapped_column(String(32), primary_key=True)
    beta: Mapped[float | None] = mapped_column(Double)
    dollar_exposure: Mapped[float | None] = mapped_column(Double)


class PositionFactorExposure(Provenance, Base):
    """Position-level betas to the twelve factors, one row per position (dollar = beta × exposure)."""

    __tablename__ = "position_factor_exposures"

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32))
    exposure: Mapped[float | None] = mapped_column(Double)
    market_beta: Mapped[float | None] = mapped_column(Double)
    ir_beta: Mapped[float | None] = mapped_column(Double)
    value: Mapped[float | None] = mapped_column(Double)
    growth: Mapped[float | None] = mapped_column(Double)
    momentum: Mapped[float | None] = mapped_column(Double)
    quality: Mapped[float | None] = mapped_column(Double)
    size: Mapped[float | None] = mapped_column(Double)
    low_volatility: Mapped[float | None] = mapped_column(Double)
    growth_value_spread: Mapped[float | None] = mapped_column(Double)
    momentum_spread: Mapped[float | None] = mapped_column(Double)
    size_spread: Mapped[float | None] = mapped_column(Double)
    quality_spread: Mapped[float | None] = mapped_column(Double)


class SymbolRiskModel(Provenance, Base):
    """Per symbol and day: the seven model-factor loadings of one joint OLS, and its specific risk."""

    __tablename__ = "symbol_risk_models"

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    market: Mapped[float | None] = mapped_column(Double)
    rates: Mapped[float | None] = mapped_column(Double)
    growth_value_spread: Mapped[float | None] = mapped_column(Double)
    momentum_spread: Mapped[float | None] = mapped_column(Double)
    size_spread: Mapped[float | None] = mapped_column(Double)
    quality_spread: Mapped[float | None] = mapped_column(Double)
    low_vol_spread: Mapped[float | None] = mapped_column(Double)
    specific_var: Mapped[float | None] = mapped_column(Double)  # daily variance of the residual (EWMA)
    r2: Mapped[float | None] = mapped_column(Double)
    n_obs: Mapped[int] = mapped_column(Integer)


class FactorCovariance(Provenance, Base):
    """Per day: the EWMA covariance of the seven model factors and of the eight factor ETFs (daily)."""

    __tablename__ = "factor_covariances"

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    factors: Mapped[list] = mapped_column(JSON)
    factor_cov: Mapped[list] = mapped_column(JSON)
    etfs: Mapped[list] = mapped_column(JSON)
    etf_cov: Mapped[list] = mapped_column(JSON)
    n_obs: Mapped[int] = mapped_column(Integer)


class PortfolioRisk(Provenance, Base):
    """Per portfolio and day: ex-ante risk from the factor model (annualized fractions; VaR/ES 1-day)."""

    __tablename__ = "portfolio_risk"

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ex_ante_vol: Mapped[float | None] = mapped_column(Double)
    factor_vol: Mapped[float | None] = mapped_column(Double)
    specific_vol: Mapped[float | None] = mapped_column(Double)
    benchmark: Mapped[str] = mapped_column(String(32))
    tracking_error: Mapped[float | None] = mapped_column(Double)
    factor_contributions: Mapped[dict] = mapped_column(JSON)  # {factor: {exposure, contribution, pct}}
    position_contributions: Mapped[list] = mapped_column(JSON)  # [{position_id, symbol, weight, contribution, pct}]
    parametric_var_95: Mapped[float | None] = mapped_column(Double)
    parametric_var_99: Mapped[float | None] = mapped_column(Double)
    parametric_es_95: Mapped[float | None] = mapped_column(Double)
    parametric_es_99: Mapped[float | None] = mapped_column(Double)


class PortfolioVolatility(Provenance, Base):
    __tablename__ = "portfolio_volatility"

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    realized_21d: Mapped[float | None] = mapped_column(Double)
    realized_63d: Mapped[float | None] = mapped_column(Double)
    realized_252d: Mapped[float | None] = mapped_column(Double)
    har_forecast_1d: Mapped[float | None] = mapped_column(Double)
    har_forecast_21d: Mapped[float | None] = mapped_column(Double)
    var_95: Mapped[float | None] = mapped_column(Double)
    var_99: Mapped[float | None] = mapped_column(Double)
    es_95: Mapped[float | None] = mapped_column(Double)
    es_99: Mapped[float | None] = mapped_column(Double)


class PortfolioCorrelation(Provenance, Base):
    __tablename__ = "correlations"

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    average: Mapped[float | None] = mapped_column(Double)
    weighted: Mapped[float | None] = mapped_column(Double)
    symbols: Mapped[list] = mapped_column(JSON)
    matrix: Mapped[list] = mapped_column(JSON)
    clusters: Mapped[list] = mapped_column(JSON)
    excluded_positions: Mapped[int] = mapped_column(Integer)
    factor_matrix: Mapped[list] = mapped_column(JSON)


class StressResult(Provenance, Base):
    __tablename__ = "stress_tests"

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64))
    direct_pnl: Mapped[float | None] = mapped_column(Double)
    direct_pct: Mapped[float | None] = mapped_column(Double)
    correlated_pnl: Mapped[float | None] = mapped_column(Double)
    correlated_pct: Mapped[float | None] = mapped_column(Double)


class DataQuality(Provenance, Base):
    """The data-quality verdict (flag, positions analyzed/skipped, history used) per portfolio-level asset,
    portfolio and day (docs/ANALYTICS.md)."""

    __tablename__ = "data_quality"
    __table_args__ = (Index("ix_data_quality_flag", "flag"),)

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset: Mapped[str] = mapped_column(String(64), primary_key=True)
    flag: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(500))
    positions_total: Mapped[int] = mapped_column(Integer)
    positions_analyzed: Mapped[int] = mapped_column(Integer)
    positions_skipped: Mapped[dict] = mapped_column(JSON)
    data_days: Mapped[int] = mapped_column(Integer)
    # Positions valued on a carried (stale) close that day: analyzed, but not on that day's price.
    positions_stale: Mapped[int] = mapped_column(Integer, server_default=text("0"))
