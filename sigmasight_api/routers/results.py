"""Result reads of one portfolio: the report and each result table, `?date=` defaulting to the latest."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from sigmasight_api import pagination
from sigmasight_api.deps import OwnedPortfolio, SessionDep
from sigmasight_api.errors import ApiError
from sigmasight_api.reads import anchor, aware, quality, values
from sigmasight_api.report_cache import ReportCache
from sigmasight_api.schemas import results as s
from sigmasight_api.schemas.common import ErrorPublic, Provenance
from sigmasight_api.schemas.report import ReportPublic
from sigmasight_resources.db.report import (
    RISK_VAR_FIELDS,
    RISK_VOL_FIELDS,
    SNAPSHOT_FIELDS,
    VOLATILITY_FIELDS,
    ReportNotFound,
    build_report,
    factor_contribution_objects,
    position_contribution_object,
)
from sigmasight_resources.db.result_reads import (
    data_quality_rows,
    factor_exposures_by_name,
    portfolio_day_row,
    portfolio_risk_row,
    position_rows_page,
    report_key,
    snapshots_with_quality,
    stress_results_page,
)
from sigmasight_resources.db.results import (
    DataQuality,
    FactorExposure,
    PortfolioBeta,
    PortfolioCorrelation,
    PortfolioVolatility,
    PositionBeta,
    PositionFactorExposure,
    PositionValue,
    StressResult,
)
from sigmasight_resources.vocabulary import FACTORS, InvestmentClass

router = APIRouter(prefix="/portfolios/{portfolio_id}", tags=["results"])
RESPONSES = {404: {"model": ErrorPublic}, 422: {"model": ErrorPublic}}
Day = Annotated[date | None, Query(alias="date", description="YYYY-MM-DD; default: the latest result")]
POSITION_FIELDS = ("quantity", "price", "market_value", "exposure", "weight", "daily_pnl", "underlying_price")
GREEKS = ("delta", "gamma", "vega", "theta")
POSITION_FACTOR_FIELDS = tuple(f for f in s.PositionFactorPublic.model_fields if f not in ("position_id", "symbol"))
STRESS_FIELDS = ("direct_pnl", "direct_pct", "correlated_pnl", "correlated_pct")


@router.get("/report", response_model=None, responses={200: {"model": ReportPublic}, **RESPONSES})
def report(session: SessionDep, portfolio: OwnedPortfolio, request: Request, day: Day = None) -> Response:
    """Every result for the date: the object `sigmasight report --json` prints, unchanged."""
    version = report_key(session, portfolio.id, day)
    cache: ReportCache = request.app.state.report_cache
    key = (portfolio.id, *version) if version else None
    body = cache.get(key) if key else None
    if body is None:
        try:
            body = JSONResponse(build_report(session, portfolio.id, version[0] if version else None)).body
        except ReportNotFound as exc:
            raise ApiError(404, "result_not_found", str(exc)) from exc
        cache.put(key, body)
    return Response(content=body, media_type="application/json")


@router.get("/snapshots", response_model=s.SnapshotsPublic, responses=RESPONSES)
def snapshots(
    session: SessionDep,
    portfolio: OwnedPortfolio,
    start: Annotated[date | None, Query()] = None,
    end: Annotated[date | None, Query()] = None,
    limit: pagination.Limit = 100,
    cursor: pagination.Cursor = None,
) -> s.SnapshotsPublic:
    """Daily NAV, exposures and P&L over [start, end], oldest first."""
    after = pagination.decode(cursor, str)
    fetched = snapshots_with_quality(
        session,
        portfolio.id,
        "portfolio_snapshots",
        start,
        end,
        _cursor_day(after) if after is not None else None,
        limit + 1,
    )
    rows, next_cursor = pagination.page(fetched, limit, lambda r: r[0].date.isoformat())
    if not rows and after is None:
        raise ApiError(404, "result_not_found", f"portfolio {portfolio.id} has no snapshots in that range")
    items = [
        s.SnapshotPoint(
            **values(snap, SNAPSHOT_FIELDS),
            provenance=Provenance(as_of=snap.date, run_id=snap.run_id, materialized_at=aware(snap.computed_at)),
            data_quality=s.DataQualityPublic(**_quality_fields(dq)) if dq else None,
        )
        for snap, dq in rows
    ]
    return s.SnapshotsPublic(portfolio_id=portfolio.id, items=items, next_cursor=next_cursor)


def _cursor_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise pagination.invalid() from exc


def _quality_fields(row: DataQuality) -> dict:
    return {f: getattr(row, f) for f in s.DataQualityPublic.model_fields}


@router.get("/positions", response_model=s.PositionsPublic, responses=RESPONSES)
def positions(
    session: SessionDep,
    portfolio: OwnedPortfolio,
    day: Day = None,
    limit: pagination.Limit = 100,
    cursor: pagination.Cursor = None,
) -> s.PositionsPublic:
    """Each position's price, market value, exposure, weight, P&L and (options) Greeks."""
    prov = anchor(session, PositionValue, portfolio.id, day)
    rows, next_cursor = _page(
        session, PositionValue, PositionValue.position_id, portfolio.id, prov.as_of, limit, cursor
    )
    items = [
        s.PositionValuePublic(
            position_id=r.position_id,
            symbol=r.symbol,
            investment_class=r.investment_class,
            flag=r.flag,
            greeks=s.Greeks(**values(r, GREEKS))
            if r.investment_class == InvestmentClass.OPTIONS and r.delta is not None
            else None,
            **values(r, POSITION_FIELDS),
        )
        for r in rows
    ]
    return s.PositionsPublic(
        **_common(session, portfolio.id, prov, "position_values"), items=items, next_cursor=next_cursor
    )


@router.get("/betas", response_model=s.BetasPublic, responses=RESPONSES)
def betas(
    session: SessionDep,
    portfolio: OwnedPortfolio,
    day: Day = None,
    limit: pagination.Limit = 100,
    cursor: pagination.Cursor = None,
) -> s.BetasPublic:
    """Portfolio market and interest-rate betas, and each position's."""
    prov = anchor(session, PortfolioBeta, portfolio.id, day)
    total = portfolio_day_row(session, PortfolioBeta, portfolio.id, prov.as_of)
    rows, next_cursor = _page(session, PositionBeta, PositionBeta.position_id, portfolio.id, prov.as_of, limit, cursor)
    items = [
        s.PositionBetaPublic(
            position_id=r.position_id, symbol=r.symbol, n_obs=r.n_obs, **values(r, ("market_beta", "ir_beta"))
        )
        for r in rows
    ]
    return s.BetasPublic(
        **_common(session, portfolio.id, prov, "position_betas"),
        **values(total, ("market_beta", "ir_beta")),
        items=items,
        next_cursor=next_cursor,
    )


@router.get("/factor-exposures", response_model=s.FactorExposuresPublic, responses=RESPONSES)
def factor_exposures(session: SessionDep, portfolio: OwnedPortfolio, day: Day = None) -> s.FactorExposuresPublic:
    """The twelve factor betas and dollar exposures (a fixed list, not paginated)."""
    prov = anchor(session, FactorExposure, portfolio.id, day)
    rows = factor_exposures_by_name(session, portfolio.id, prov.as_of)
    factors = [
        s.FactorPublic(factor=name, beta=None, dollar_exposure=None)
        if name not in rows
        else s.FactorPublic(factor=name, **values(rows[name], ("beta", "dollar_exposure")))
        for name in FACTORS
    ]
    return s.FactorExposuresPublic(**_common(session, portfolio.id, prov, "factor_exposures"), factors=factors)


@router.get("/factor-exposures/positions", response_model=s.PositionFactorsPublic, responses=RESPONSES)
def position_factor_exposures(
    session: SessionDep,
    portfolio: OwnedPortfolio,
    day: Day = None,
    limit: pagination.Limit = 100,
    cursor: pagination.Cursor = None,
) -> s.PositionFactorsPublic:
    """Each position's betas to the twelve factors."""
    prov = anchor(session, PositionFactorExposure, portfolio.id, day)
    rows, next_cursor = _page(
        session, PositionFactorExposure, PositionFactorExposure.position_id, portfolio.id, prov.as_of, limit, cursor
    )
    items = [
        s.PositionFactorPublic(position_id=r.position_id, symbol=r.symbol, **values(r, POSITION_FACTOR_FIELDS))
        for r in rows
    ]
    return s.PositionFactorsPublic(
        **_common(session, portfolio.id, prov, "factor_exposures"), items=items, next_cursor=next_cursor
    )


@router.get("/volatility", response_model=s.VolatilityPublic, responses=RESPONSES)
def volatility(session: SessionDep, portfolio: OwnedPortfolio, day: Day = None) -> s.VolatilityPublic:
    """Realized volatility, HAR forecasts, VaR and expected shortfall."""
    prov = anchor(session, PortfolioVolatility, portfolio.id, day)
    row = portfolio_day_row(session, PortfolioVolatility, portfolio.id, prov.as_of)
    return s.VolatilityPublic(
        **_common(session, portfolio.id, prov, "portfolio_volatility"), **values(row, VOLATILITY_FIELDS)
    )


@router.get("/correlations", response_model=s.CorrelationsPublic, responses=RESPONSES)
def correlations(session: SessionDep, portfolio: OwnedPortfolio, day: Day = None) -> s.CorrelationsPublic:
    """Correlation matrix of held symbols, average and weighted correlation, clusters."""
    prov = anchor(session, PortfolioCorrelation, portfolio.id, day)
    row = portfolio_day_row(session, PortfolioCorrelation, portfolio.id, prov.as_of)
    return s.CorrelationsPublic(
        **_common(session, portfolio.id, prov, "correlations"),
        **values(row, ("average", "weighted")),
        symbols=row.symbols,
        matrix=row.matrix,
        clusters=row.clusters,
        excluded_positions=row.excluded_positions,
    )


@router.get("/stress-tests", response_model=s.StressTestsPublic, responses=RESPONSES)
def stress_tests(
    session: SessionDep,
    portfolio: OwnedPortfolio,
    day: Day = None,
    limit: pagination.Limit = 100,
    cursor: pagination.Cursor = None,
) -> s.StressTestsPublic:
    """P&L of each stress scenario, direct and through factor correlations."""
    prov = anchor(session, StressResult, portfolio.id, day)
    after = pagination.decode(cursor, str)
    fetched = stress_results_page(session, portfolio.id, prov.as_of, after, limit + 1)
    rows, next_cursor = pagination.page(fetched, limit, lambda r: r.scenario_id)
    items = [
        s.ScenarioPublic(scenario_id=r.scenario_id, name=r.name, category=r.category, **values(r, STRESS_FIELDS))
        for r in rows
    ]
    return s.StressTestsPublic(
        **_common(session, portfolio.id, prov, "stress_tests"), items=items, next_cursor=next_cursor
    )


@router.get("/risk", response_model=s.RiskPublic, responses=RESPONSES)
def risk(
    session: SessionDep,
    portfolio: OwnedPortfolio,
    day: Day = None,
    limit: pagination.Limit = 100,
    cursor: pagination.Cursor = None,
) -> s.RiskPublic:
    """Ex-ante risk from the factor model: volatility split, tracking error, factor and position contributions
    (paginated, largest first) and parametric VaR/ES. Fractions of NAV; volatilities annualized, VaR/ES 1-day."""
    found = portfolio_risk_row(session, portfolio.id, day)
    if found is None:
        when = day.isoformat() if day else "any date"
        raise ApiError(404, "result_not_found", f"portfolio {portfolio.id} has no portfolio_risk for {when}")
    row, dq = found
    start = pagination.decode(cursor, int) or 0
    if start < 0:
        raise pagination.invalid()
    indexed = list(enumerate(row.position_contributions))[start : start + limit + 1]
    items, next_cursor = pagination.page(indexed, limit, lambda item: item[0] + 1)
    prov = Provenance(as_of=row.date, run_id=row.run_id, materialized_at=aware(row.computed_at))
    return s.RiskPublic(
        portfolio_id=portfolio.id,
        as_of=row.date,
        provenance=prov,
        data_quality=s.DataQualityPublic(**_quality_fields(dq)) if dq else None,
        **values(row, (*RISK_VOL_FIELDS, "tracking_error", *RISK_VAR_FIELDS)),
        benchmark=row.benchmark,
        factor_contributions=factor_contribution_objects(row.factor_contributions),
        position_contributions=[
            s.PositionContributionPublic(position_id=c["position_id"], **position_contribution_object(c))
            for _, c in items
        ],
        position_contributions_count=len(row.position_contributions),
        next_cursor=next_cursor,
    )


@router.get("/data-quality", response_model=s.DataQualityListPublic, responses=RESPONSES)
def data_quality(session: SessionDep, portfolio: OwnedPortfolio, day: Day = None) -> s.DataQualityListPublic:
    """The data_quality object of every portfolio-level asset for the date (one per asset, not paginated)."""
    prov = anchor(session, DataQuality, portfolio.id, day)
    rows = data_quality_rows(session, portfolio.id, prov.as_of)
    items = [s.AssetQuality(asset=r.asset, run_id=r.run_id, **_quality_fields(r)) for r in rows]
    return s.DataQualityListPublic(portfolio_id=portfolio.id, as_of=prov.as_of, provenance=prov, items=items)


def _common(session, portfolio_id: int, prov: Provenance, asset: str) -> dict:
    return {
        "portfolio_id": portfolio_id,
        "as_of": prov.as_of,
        "provenance": prov,
        "data_quality": quality(session, portfolio_id, prov.as_of, asset),
    }


def _page(session, table, key, portfolio_id: int, day: date, limit: int, cursor: str | None) -> tuple[list, str | None]:
    """A keyset page of a per-position result table for one date."""
    after = pagination.decode(cursor, int)
    fetched = position_rows_page(session, table, key, portfolio_id, day, after, limit + 1)
    return pagination.page(fetched, limit, lambda r: getattr(r, key.key))
