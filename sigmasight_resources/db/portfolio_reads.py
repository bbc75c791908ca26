"""Reads the portfolio-level assets make beyond the book: stored symbol betas, their own upstream results."""

from collections.abc import Sequence
from datetime import date

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigmasight_resources.db import queries
from sigmasight_resources.db.models import CashFlow, Portfolio
from sigmasight_resources.db.results import (
    DataQuality,
    FactorCovariance,
    FactorExposure,
    SymbolFactorExposure,
    SymbolRiskModel,
)
from sigmasight_resources.vocabulary import QualityFlag

# The columns of a data_quality row besides its asset and provenance, as the portfolio assets build them.
QUALITY_COLUMNS = [
    "date",
    "portfolio_id",
    "flag",
    "message",
    "positions_total",
    "positions_analyzed",
    "positions_skipped",
    "data_days",
    "positions_stale",
]


def capital(session: Session, portfolio_ids: Sequence[int]) -> tuple[dict[int, float], pd.DataFrame]:
    """Inception equity of the portfolios that have one, and their cash flows (portfolio_id, date, amount)."""
    ids = list(portfolio_ids)
    equity = dict(
        session.execute(
            select(Portfolio.id, Portfolio.inception_equity).where(
                Portfolio.id.in_(ids), Portfolio.inception_equity.is_not(None)
            )
        ).all()
    )
    rows = session.execute(
        select(CashFlow.portfolio_id, CashFlow.flow_date, CashFlow.amount)
        .where(CashFlow.portfolio_id.in_(ids))
        .order_by(CashFlow.portfolio_id, CashFlow.flow_date, CashFlow.id)
    ).all()
    flows = pd.DataFrame(rows, columns=["portfolio_id", "date", "amount"])
    flows["date"] = pd.to_datetime(flows["date"])
    return equity, flows


def symbol_factor_exposures(
    session: Session, symbols: Sequence[str], columns: Sequence[str], start: date, end: date
) -> pd.DataFrame:
    """Long rows (date, symbol, *columns) of stored symbol factor exposures over [start, end]."""
    query = select(
        SymbolFactorExposure.date, SymbolFactorExposure.symbol, *(getattr(SymbolFactorExposure, c) for c in columns)
    ).where(SymbolFactorExposure.symbol.in_(list(symbols)), SymbolFactorExposure.date.between(start, end))
    return queries.read_frame(session, query, ["date", "symbol", *columns], list(symbols))


def factor_dollar_exposures(session: Session, portfolio_ids: Sequence[int], start: date, end: date) -> pd.DataFrame:
    """Stored (date, portfolio_id, factor, dollar_exposure) rows of `factor_exposures` over [start, end]."""
    rows = session.execute(
        select(
            FactorExposure.date, FactorExposure.portfolio_id, FactorExposure.factor, FactorExposure.dollar_exposure
        ).where(FactorExposure.date.between(start, end), FactorExposure.portfolio_id.in_(list(portfolio_ids)))
    ).all()
    frame = pd.DataFrame(rows, columns=["date", "portfolio_id", "factor", "dollar_exposure"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def quality_rows(session: Session, asset: str, portfolio_ids: Sequence[int], start: date, end: date) -> pd.DataFrame:
    """Stored data_quality rows of one asset over [start, end], without provenance."""
    rows = session.execute(
        select(*(getattr(DataQuality, c) for c in QUALITY_COLUMNS)).where(
            DataQuality.asset == asset,
            DataQuality.date.between(start, end),
            DataQuality.portfolio_id.in_(list(portfolio_ids)),
        )
    ).all()
    frame = pd.DataFrame(rows, columns=QUALITY_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def incomplete_factor_sets(
    session: Session, asset: str, factors: Sequence[str], portfolio_ids: Sequence[int], start: date, end: date
) -> list[str]:
    """(date|portfolio) keys with public positions whose stored factor rows are not exactly `factors`."""
    expected = set(
        session.execute(
            select(DataQuality.date, DataQuality.portfolio_id).where(
                DataQuality.asset == asset,
                DataQuality.flag != QualityFlag.NO_PUBLIC,
                DataQuality.date.between(start, end),
                DataQuality.portfolio_id.in_(list(portfolio_ids)),
            )
        ).all()
    )
    counts = {
        (d, p): n
        for d, p, n in session.execute(
            select(FactorExposure.date, FactorExposure.portfolio_id, func.count(FactorExposure.factor.distinct()))
            .where(
                FactorExposure.date.between(start, end),
                FactorExposure.portfolio_id.in_(list(portfolio_ids)),
                FactorExposure.factor.in_(list(factors)),
            )
            .group_by(FactorExposure.date, FactorExposure.portfolio_id)
        ).all()
    }
    return sorted(f"{d}|{p}" for d, p in expected if counts.get((d, p), 0) != len(factors))


def symbol_risk_models(
    session: Session, symbols: Sequence[str], columns: Sequence[str], start: date, end: date
) -> pd.DataFrame:
    """Long rows (date, symbol, *columns) of the stored risk model of `symbols` over [start, end]."""
    query = select(SymbolRiskModel.date, SymbolRiskModel.symbol, *(getattr(SymbolRiskModel, c) for c in columns)).where(
        SymbolRiskModel.symbol.in_(list(symbols)), SymbolRiskModel.date.between(start, end)
    )
    return queries.read_frame(session, query, ["date", "symbol", *columns], list(symbols))


def factor_covariances(session: Session, start: date, end: date) -> pd.DataFrame:
    """Stored (date, factor_cov, etf_cov, n_obs) rows over [start, end]; matrices as nested lists (None = NaN)."""
    rows = session.execute(
        select(FactorCovariance.date, FactorCovariance.factor_cov, FactorCovariance.etf_cov, FactorCovariance.n_obs)
        .where(FactorCovariance.date.between(start, end))
        .order_by(FactorCovariance.date)
    ).all()
    frame = pd.DataFrame(rows, columns=["date", "factor_cov", "etf_cov", "n_obs"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.set_index("date")


def benchmarks(session: Session, portfolio_ids: Sequence[int]) -> dict[int, str | None]:
    """Each portfolio's benchmark symbol (None where it names none)."""
    return dict(
        session.execute(select(Portfolio.id, Portfolio.benchmark).where(Portfolio.id.in_(list(portfolio_ids)))).all()
    )
