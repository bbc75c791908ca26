"""The portfolio report: one object with every result for a portfolio and date, in a fixed number of queries.

`sigmasight report --json` prints it and the API serves it; keys are fixed by the asset-graph issue,
plus `sector_exposure`, present (here and in the snapshot section) only once company profiles exist,
the capital fields of the snapshot (`cash`, `gross_leverage`, `net_leverage`, `external_flow`:
null where the stored snapshot has none) and the `risk` section of the risk-model issue (every
value null, and `data_quality` null, until `portfolio_risk` has computed the day).
"""

import math
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigmasight_resources.db.models import Portfolio
from sigmasight_resources.db.profiles import sector_exposure
from sigmasight_resources.db.results import (
    DataQuality,
    FactorExposure,
    PortfolioBeta,
    PortfolioCorrelation,
    PortfolioRisk,
    PortfolioSnapshot,
    PortfolioVolatility,
    PositionBeta,
    PositionValue,
    StressResult,
)
from sigmasight_resources.vocabulary import FACTORS, MODEL_FACTORS, InvestmentClass

SNAPSHOT_FIELDS = (
    "nav",
    "cash",
    "gross_leverage",
    "net_leverage",
    "external_flow",
    "long_exposure",
    "short_exposure",
    "gross_exposure",
    "net_exposure",
    "daily_pnl",
    "daily_return",
    "cumulative_pnl",
    "positions_count",
)
VOLATILITY_FIELDS = (
    "realized_21d",
    "realized_63d",
    "realized_252d",
    "har_forecast_1d",
    "har_forecast_21d",
    "var_95",
    "var_99",
    "es_95",
    "es_99",
)

RISK_VOL_FIELDS = ("ex_ante_vol", "factor_vol", "specific_vol")
RISK_VAR_FIELDS = ("parametric_var_95", "parametric_var_99", "parametric_es_95", "parametric_es_99")
REPORT_POSITION_CONTRIBUTIONS = 10  # the report lists the largest ten; the API pages through all


class ReportNotFound(LookupError):
    """No such portfolio, or no results for the date asked."""


def number(value: float | int | None) -> float | int | None:
    """JSON-safe number: None for missing or non-finite."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value


def quality_object(row: DataQuality | None) -> dict | None:
    if row is None:
        return None
    return {
        "flag": row.flag,
        "message": row.message,
        "positions_total": row.positions_total,
        "positions_analyzed": row.positions_analyzed,
        "positions_skipped": row.positions_skipped,
        "data_days": row.data_days,
    }


def get_portfolio(session: Session, portfolio_id: int) -> Portfolio:
    portfolio = session.get(Portfolio, portfolio_id)
    if portfolio is None:
        raise ReportNotFound(f"portfolio {portfolio_id} not found")
    return portfolio


def latest_result_date(session: Session, portfolio_id: int) -> date | None:
    return session.scalar(
        select(func.max(PortfolioSnapshot.date)).where(PortfolioSnapshot.portfolio_id == portfolio_id)
    )


def build_report(session: Session, portfolio_id: int, as_of: date | None = None) -> dict:
    """Every section of the report for `as_of` (default: the latest date with a snapshot)."""
    portfolio = get_portfolio(session, portfolio_id)
    as_of = as_of or latest_result_date(session, portfolio_id)
    key = {"portfolio_id": portfolio_id, "date": as_of}
    snapshot, risk = _snapshot_and_risk(session, portfolio_id, as_of) if as_of else (None, None)
    if snapshot is None:
        when = as_of.isoformat() if as_of else "any date"
        raise ReportNotFound(f"portfolio {portfolio_id} has no results for {when}")

    quality = {
        row.asset: row
        for row in session.scalars(
            select(DataQuality).where(DataQuality.portfolio_id == portfolio_id, DataQuality.date == as_of)
        )
    }
    provenance: dict[str, dict] = {}

    def note(asset: str, row) -> None:
        if row is not None and asset not in provenance:
            provenance[asset] = {"run_id": row.run_id, "materialized_at": row.computed_at.isoformat()}

    note("portfolio_snapshots", snapshot)
    positions = _positions(session, portfolio_id, as_of, note)
    betas = session.get(PortfolioBeta, key)
    note("position_betas", betas)
    factors = {
        row.factor: row
        for row in session.scalars(
            select(FactorExposure).where(FactorExposure.portfolio_id == portfolio_id, FactorExposure.date == as_of)
        )
    }
    for row in factors.values():
        note("factor_exposures", row)
    volatility = session.get(PortfolioVolatility, key)
    note("portfolio_volatility", volatility)
    correlation = session.get(PortfolioCorrelation, key)
    note("correlations", correlation)
    scenarios = list(
        session.scalars(
            select(StressResult)
            .where(StressResult.portfolio_id == portfolio_id, StressResult.date == as_of)
            .order_by(StressResult.scenario_id)
        )
    )
    for row in scenarios:
        note("stress_tests", row)
    note("portfolio_risk", risk)
    sectors = sector_exposure(session, portfolio_id, as_of)

    report = {
        "portfolio": {"id": portfolio.id, "name": portfolio.name},
        "as_of": as_of.isoformat(),
        "snapshot": {
            **{f: number(getattr(snapshot, f)) for f in SNAPSHOT_FIELDS},
            "data_quality": quality_object(quality.get("portfolio_snapshots")),
            **({"sector_exposure": _sector_objects(sectors)} if sectors is not None else {}),
        },
        "positions": positions,
        "betas": {
            "market_beta": number(betas.market_beta) if betas else None,
            "ir_beta": number(betas.ir_beta) if betas else None,
            "data_quality": quality_object(quality.get("position_betas")),
        },
        "factor_exposures": {
            "factors": {
                name: {
                    "beta": number(factors[name].beta) if name in factors else None,
                    "dollar_exposure": number(factors[name].dollar_exposure) if name in factors else None,
                }
                for name in FACTORS
            },
            "data_quality": quality_object(quality.get("factor_exposures")),
        },
        "volatility": {
            **{f: number(getattr(volatility, f)) if volatility else None for f in VOLATILITY_FIELDS},
            "data_quality": quality_object(quality.get("portfolio_volatility")),
        },
        "correlations": {
            "average": number(correlation.average) if correlation else None,
            "weighted": number(correlation.weighted) if correlation else None,
            "clusters": correlation.clusters if correlation else [],
            "excluded_positions": correlation.excluded_positions if correlation else None,
            "data_quality": quality_object(quality.get("correlations")),
        },
        "stress_tests": {
            "scenarios": [
                {
                    "id": s.scenario_id,
                    "name": s.name,
                    "category": s.category,
                    "direct_pnl": number(s.direct_pnl),
                    "direct_pct": number(s.direct_pct),
                    "correlated_pnl": number(s.correlated_pnl),
                    "correlated_pct": number(s.correlated_pct),
                }
                for s in scenarios
            ],
            "data_quality": quality_object(quality.get("stress_tests")),
        },
        "risk": _risk_section(risk, quality.get("portfolio_risk")),
        "provenance": provenance,
    }
    if sectors is not None:
        report["sector_exposure"] = _sector_objects(sectors)
    return report


def _snapshot_and_risk(session: Session, portfolio_id: int, as_of: date) -> tuple:
    """(snapshot, risk row or None) of the day in one query; (None, None) without a snapshot."""
    query = (
        select(PortfolioSnapshot, PortfolioRisk)
        .outerjoin(
            PortfolioRisk,
            (PortfolioRisk.portfolio_id == PortfolioSnapshot.portfolio_id)
            & (PortfolioRisk.date == PortfolioSnapshot.date),
        )
        .where(PortfolioSnapshot.portfolio_id == portfolio_id, PortfolioSnapshot.date == as_of)
    )
    return tuple(session.execute(query).first() or (None, None))


def factor_contribution_objects(stored: dict | None) -> dict[str, dict]:
    """{factor: {exposure, contribution, pct}} for each model factor in order, nulls where not stored."""
    stored = stored or {}
    return {
        name: {k: number(stored.get(name, {}).get(k)) for k in ("exposure", "contribution", "pct")}
        for name in MODEL_FACTORS
    }


def position_contribution_object(item: dict) -> dict:
    """One stored position contribution as served: symbol, weight, contribution, pct."""
    return {"symbol": item["symbol"], **{k: number(item.get(k)) for k in ("weight", "contribution", "pct")}}


def _risk_section(row: PortfolioRisk | None, quality: DataQuality | None) -> dict:
    contributions = row.position_contributions if row else []
    return {
        **{f: number(getattr(row, f)) if row else None for f in RISK_VOL_FIELDS},
        "benchmark": row.benchmark if row else None,
        "tracking_error": number(row.tracking_error) if row else None,
        "factor_contributions": factor_contribution_objects(row.factor_contributions if row else None),
        "position_contributions": [
            position_contribution_object(c) for c in contributions[:REPORT_POSITION_CONTRIBUTIONS]
        ],
        "position_contributions_count": len(contributions) if row else None,
        **{f: number(getattr(row, f)) if row else None for f in RISK_VAR_FIELDS},
        "data_quality": quality_object(quality),
    }


def _sector_objects(rows: list[dict]) -> list[dict]:
    return [{"sector": r["sector"], "exposure": number(r["exposure"]), "weight": number(r["weight"])} for r in rows]


def _positions(session: Session, portfolio_id: int, as_of: date, note) -> list[dict]:
    query = (
        select(PositionValue, PositionBeta)
        .outerjoin(
            PositionBeta,
            (PositionBeta.date == PositionValue.date)
            & (PositionBeta.portfolio_id == PositionValue.portfolio_id)
            & (PositionBeta.position_id == PositionValue.position_id),
        )
        .where(PositionValue.portfolio_id == portfolio_id, PositionValue.date == as_of)
        .order_by(PositionValue.position_id)
    )
    out = []
    for value, beta in session.execute(query).all():
        note("position_values", value)
        greeks = None
        if value.investment_class == InvestmentClass.OPTIONS and value.delta is not None:
            greeks = {g: number(getattr(value, g)) for g in ("delta", "gamma", "vega", "theta")}
        out.append(
            {
                "symbol": value.symbol,
                "investment_class": value.investment_class,
                "quantity": number(value.quantity),
                "price": number(value.price),
                "market_value": number(value.market_value),
                "weight": number(value.weight),
                "market_beta": number(beta.market_beta) if beta else None,
                "ir_beta": number(beta.ir_beta) if beta else None,
                "beta_n_obs": beta.n_obs if beta else None,
                "greeks": greeks,
            }
        )
    return out
