"""Reads across portfolios for the admin overviews: data-quality roll-up and portfolios behind or with holes."""

from datetime import date

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from sigmasight_resources.db.models import Portfolio, UnavailableSymbol
from sigmasight_resources.db.results import DataQuality, PortfolioSnapshot


def latest_quality_date(session: Session) -> date | None:
    """The latest date any data_quality row is stored for."""
    return session.scalar(select(func.max(DataQuality.date)))


def _active_on(day: date | None) -> tuple:
    active = select(Portfolio.id).where(Portfolio.deleted_at.is_(None))
    return DataQuality.date == day, DataQuality.portfolio_id.in_(active)


def quality_flag_counts(session: Session, day: date | None) -> list[Row]:
    """(asset, flag, count) over active portfolios' data_quality rows of the day, by asset and flag."""
    query = (
        select(DataQuality.asset, DataQuality.flag, func.count())
        .where(*_active_on(day))
        .group_by(DataQuality.asset, DataQuality.flag)
        .order_by(DataQuality.asset, DataQuality.flag)
    )
    return list(session.execute(query).all())


def skipped_positions_page(
    session: Session, day: date | None, after: tuple[int, str] | None, limit: int
) -> list[DataQuality]:
    """Active portfolios' data_quality rows of the day that left positions out, by (portfolio, asset) after `after`."""
    query = (
        select(DataQuality)
        .where(*_active_on(day), DataQuality.positions_analyzed < DataQuality.positions_total)
        .order_by(DataQuality.portfolio_id, DataQuality.asset)
        .limit(limit)
    )
    if after is not None:
        portfolio_id, asset = after
        query = query.where(
            (DataQuality.portfolio_id > portfolio_id)
            | ((DataQuality.portfolio_id == portfolio_id) & (DataQuality.asset > asset))
        )
    return list(session.scalars(query))


def unavailable_symbol_rows(session: Session) -> list[UnavailableSymbol]:
    """Every symbol recorded as unavailable, by symbol."""
    return list(session.scalars(select(UnavailableSymbol).order_by(UnavailableSymbol.symbol)))


def portfolios_latest_page(
    session: Session, ids: list[int], latest_day: date, after: int | None, limit: int
) -> list[Row]:
    """(id, name, latest snapshot date or None) of active portfolios among `ids` or with no snapshot on
    `latest_day` or later, by id after `after`."""
    latest = (
        select(PortfolioSnapshot.portfolio_id, func.max(PortfolioSnapshot.date).label("latest"))
        .group_by(PortfolioSnapshot.portfolio_id)
        .subquery()
    )
    behind = (latest.c.latest < latest_day) | latest.c.latest.is_(None)
    query = (
        select(Portfolio.id, Portfolio.name, latest.c.latest)
        .outerjoin(latest, latest.c.portfolio_id == Portfolio.id)
        .where(Portfolio.deleted_at.is_(None), Portfolio.id.in_(ids) | behind)
        .order_by(Portfolio.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Portfolio.id > after)
    return list(session.execute(query).all())
