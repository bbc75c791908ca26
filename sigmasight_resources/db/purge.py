"""Hard deletion of a soft-deleted portfolio: its positions, marks and every stored result row.

Soft deletion keeps results readable (and the API can still show them); purging is the explicit,
irreversible second step, so it refuses an active portfolio.
"""

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
