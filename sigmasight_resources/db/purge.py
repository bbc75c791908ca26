"""Deleting stored rows of a portfolio: all of them for a purged portfolio, or its results from a day on.

Soft deletion keeps results readable (and the API can still show them); purging is the explicit,
irreversible second step, so it refuses an active portfolio.
"""

from datetime import date

from sqlalchemy import delete
from sqlalchemy.orm import Session

from sigmasight_resources.db.models import Portfolio, Position
from sigmasight_resources.db.tables import metadata
from sigmasight_resources.portfolio_import import PortfolioNotFoundError


class PortfolioStillActiveError(ValueError):
    """Only a soft-deleted portfolio may be purged."""


def purge_portfolio(session: Session, portfolio_id: int) -> dict[str, int]:
    """Delete the portfolio and all rows keyed by it; returns rows deleted per table."""
    portfolio = session.get(Portfolio, portfolio_id)
    if portfolio is None:
        raise PortfolioNotFoundError(f"no portfolio with id {portfolio_id}")
    if portfolio.deleted_at is None:
        raise PortfolioStillActiveError(
            f"portfolio {portfolio_id} is active; delete it first (sigmasight portfolios delete {portfolio_id})"
        )
    deleted = {}
    for table in metadata.sorted_tables:
        if "portfolio_id" in table.c and table.name != Position.__tablename__:
            deleted[table.name] = session.execute(delete(table).where(table.c.portfolio_id == portfolio_id)).rowcount
    deleted[Position.__tablename__] = len(portfolio.positions)
    session.delete(portfolio)  # positions and manual marks go with it (ORM cascade)
    session.flush()
    return deleted


def result_tables_by_day() -> list:
    """The tables of per-(day, portfolio) results: every table keyed by both `date` and `portfolio_id`.

    Read from the metadata rather than listed, so a result table added later is purged too.
    """
    return [t for t in metadata.sorted_tables if "portfolio_id" in t.c and "date" in t.c]


def delete_results_from(session: Session, portfolio_id: int, start: date) -> dict[str, int]:
    """Delete the portfolio's stored portfolio-level results dated `start` or later; rows deleted per table.

    In the caller's transaction, so the results go with the change that made them stale (an
    amendment) or not at all. Losing the `data_quality` rows is what makes those days missing for
    the close sensor's catch-up (`planning.completed_portfolio_days`), which recomputes them.
    """
    return {
        table.name: session.execute(
            delete(table).where(table.c.portfolio_id == portfolio_id, table.c.date >= start)
        ).rowcount
        for table in result_tables_by_day()
    }
