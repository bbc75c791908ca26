"""Reads of one portfolio's stored results for a date, as the API serves them.

Each is one indexed query. The paged reads take the last key of the previous page (`after`)
and return at most `limit` rows, so a caller asking for one more than a page can tell whether
another page follows.
"""

from datetime import date

from sqlalchemy import Date, Row, func, literal, select
from sqlalchemy.orm import Session

from sigmasight_resources.db.profiles import CompanyProfile
from sigmasight_resources.db.results import (
    DataQuality,
    FactorExposure,
    PortfolioRisk,
    PortfolioSnapshot,
    StressResult,
)


def result_provenance(session: Session, table, portfolio_id: int, day: date | None) -> Row | None:
    """(date, run_id, computed_at) of the portfolio's row in `table` on `day` (else its latest); None if none."""
    query = select(table.date, table.run_id, table.computed_at).where(table.portfolio_id == portfolio_id)
    query = query.where(table.date == day) if day else query.order_by(table.date.desc())
    return session.execute(query.limit(1)).first()


def portfolio_day_row(session: Session, table, portfolio_id: int, day: date):
    """The one row of a per-portfolio result table for (portfolio, day), or None."""
    return session.get(table, {"date": day, "portfolio_id": portfolio_id})


def data_quality_row(session: Session, portfolio_id: int, day: date, asset: str) -> DataQuality | None:
    return session.get(DataQuality, {"date": day, "portfolio_id": portfolio_id, "asset": asset})


def data_quality_rows(session: Session, portfolio_id: int, day: date) -> list[DataQuality]:
    """Every asset's data_quality row for (portfolio, day), by asset."""
    query = (
        select(DataQuality)
        .where(DataQuality.portfolio_id == portfolio_id, DataQuality.date == day)
        .order_by(DataQuality.asset)
    )
    return list(session.scalars(query))


def position_rows_page(
    session: Session, table, key, portfolio_id: int, day: date, after: int | None, limit: int
) -> list:
    """Rows of a per-position result table for (portfolio, day), by `key` (a column), after `after`."""
    query = select(table).where(table.portfolio_id == portfolio_id, table.date == day).order_by(key).limit(limit)
    if after is not None:
        query = query.where(key > after)
    return list(session.scalars(query))


def snapshots_with_quality(
    session: Session,
    portfolio_id: int,
    asset: str,
    start: date | None,
    end: date | None,
    after: date | None,
    limit: int,
) -> list[Row]:
    """(snapshot, its `asset` data_quality row or None) per day in [start, end] after `after`, oldest first."""
    query = (
        select(PortfolioSnapshot, DataQuality)
        .outerjoin(
            DataQuality,
            (DataQuality.portfolio_id == PortfolioSnapshot.portfolio_id)
            & (DataQuality.date == PortfolioSnapshot.date)
            & (DataQuality.asset == asset),
        )
        .where(PortfolioSnapshot.portfolio_id == portfolio_id)
        .order_by(PortfolioSnapshot.date)
        .limit(limit)
    )
    if start:
        query = query.where(PortfolioSnapshot.date >= start)
    if end:
        query = query.where(PortfolioSnapshot.date <= end)
    if after is not None:
        query = query.where(PortfolioSnapshot.date > after)
    return list(session.execute(query).all())


def factor_exposures_by_name(session: Session, portfolio_id: int, day: date) -> dict[str, FactorExposure]:
    """The portfolio's factor exposure rows for the day, by factor name."""
    query = select(FactorExposure).where(FactorExposure.portfolio_id == portfolio_id, FactorExposure.date == day)
    return {r.factor: r for r in session.scalars(query)}


def portfolio_risk_row(session: Session, portfolio_id: int, day: date | None) -> Row | None:
    """(risk row, its `portfolio_risk` data_quality row or None) on `day` (else the latest); None if no risk row.

    The risk row carries its provenance: `date`, `run_id`, `computed_at`.
    """
    query = (
        select(PortfolioRisk, DataQuality)
        .outerjoin(
            DataQuality,
            (DataQuality.portfolio_id == PortfolioRisk.portfolio_id)
            & (DataQuality.date == PortfolioRisk.date)
            & (DataQuality.asset == PortfolioRisk.__tablename__),
        )
        .where(PortfolioRisk.portfolio_id == portfolio_id)
    )
    query = query.where(PortfolioRisk.date == day) if day else query.order_by(PortfolioRisk.date.desc())
    return session.execute(query.limit(1)).first()


def stress_results_page(
    session: Session, portfolio_id: int, day: date, after: str | None, limit: int
) -> list[StressResult]:
    """The portfolio's stress results for the day, by scenario id, after `after`."""
    query = (
        select(StressResult)
        .where(StressResult.portfolio_id == portfolio_id, StressResult.date == day)
        .order_by(StressResult.scenario_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(StressResult.scenario_id > after)
    return list(session.scalars(query))


def days_written_per_asset(
    session: Session, portfolio_id: int, assets: tuple[str, ...], first: date, last: date
) -> dict[str, set[str]]:
    """Per asset of `assets`, the ISO days in [first, last] it wrote the portfolio's data_quality row for."""
    rows = session.execute(
        select(DataQuality.asset, DataQuality.date).where(
            DataQuality.portfolio_id == portfolio_id,
            DataQuality.asset.in_(assets),
            DataQuality.date.between(first, last),
        )
    )
    written: dict[str, set[str]] = {}
    for asset, day in rows:
        written.setdefault(asset, set()).add(day.isoformat())
    return written


def report_key(session: Session, portfolio_id: int, day: date | None) -> tuple | None:
    """What the report for (portfolio, `day` or else its latest snapshot's date) is computed from; None without a date.

    (date, latest computed_at and count of the day's data_quality rows, the same of the company
    profiles): every portfolio-level asset rewrites its data_quality row with its results, with a
    new computation time, so this changes whenever the report would. One statement (scalar
    subqueries), as it is the whole cost of a cached report.
    """
    if day is None:
        as_of = (
            select(func.max(PortfolioSnapshot.date))
            .where(PortfolioSnapshot.portfolio_id == portfolio_id)
            .scalar_subquery()
        )
    else:
        as_of = literal(day, Date)
    results = select(DataQuality).where(DataQuality.portfolio_id == portfolio_id, DataQuality.date == as_of)
    row = session.execute(
        select(
            as_of,
            results.with_only_columns(func.max(DataQuality.computed_at)).scalar_subquery(),
            results.with_only_columns(func.count()).scalar_subquery(),
            select(func.max(CompanyProfile.computed_at)).scalar_subquery(),
            select(func.count()).select_from(CompanyProfile).scalar_subquery(),
        )
    ).one()
    return tuple(row) if row[0] is not None else None
