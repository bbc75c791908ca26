"""What the results DB holds per trading day, across portfolios: the metadata of a day's partition.

A portfolio-level Dagster partition is one day for every portfolio, and several runs (onboarding,
catch-up, the daily close) may each write some of its portfolios; so the UI's per-day figures are
read back from the stored rows after a write, not taken from the run that wrote last. Each read is
one grouped query over the whole range.
"""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigmasight_resources.db.models import Portfolio
from sigmasight_resources.db.results import DataQuality


def rows_per_day(session: Session, table, start: date, end: date) -> dict[date, int]:
    """Rows of `table` (any portfolio) per day in [start, end]; days without rows are absent."""
    query = select(table.date, func.count()).where(table.date >= start, table.date <= end).group_by(table.date)
    return dict(session.execute(query).all())


def quality_per_day(session: Session, asset: str, start: date, end: date) -> list[tuple[date, int, str]]:
    """(date, portfolio_id, flag) of every data_quality row `asset` holds in [start, end], sorted."""
    query = (
        select(DataQuality.date, DataQuality.portfolio_id, DataQuality.flag)
        .where(DataQuality.asset == asset, DataQuality.date >= start, DataQuality.date <= end)
        .order_by(DataQuality.date, DataQuality.portfolio_id)
    )
    return [tuple(row) for row in session.execute(query).all()]


def portfolio_names(session: Session, portfolio_ids: Sequence[int]) -> dict[int, str]:
    """Names of the given portfolios (deleted ones included), by id."""
    if not portfolio_ids:
        return {}
    query = select(Portfolio.id, Portfolio.name).where(Portfolio.id.in_(list(portfolio_ids)))
    return dict(session.execute(query).all())
