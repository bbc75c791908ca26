"""The dates and portfolios a (single-run, ranged) materialization covers."""


from datetime import date

import dagster as dg
from sqlalchemy.orm import Session

from sigmasight_assets.pipeline.tags import run_portfolios
from sigmasight_resources.db import queries


def requested_days(context: dg.AssetExecutionContext) -> list[date]:
    """Trading days of the run's partition range, sorted (the window end may be a holiday: use keys)."""
    return sorted(date.fromisoformat(k) for k in context.partition_keys)


def requested_portfolios(context: dg.AssetExecutionContext, session: Session) -> list[int]:
    """The run's portfolios: the active ones its tags name, else every active portfolio.

    A portfolio deleted after the run was requested is left out (its rows wait for a purge).
    """
    active = queries.active_portfolio_ids(session)
    named = run_portfolios(context.run.tags)
    if named is None:
        return active
    gone = sorted(set(named) - {str(p) for p in active}, key=int)
    if gone:
        context.log.warning(f"portfolios {', '.join(gone)} are deleted or unknown; not written")
    return sorted(int(p) for p in named if int(p) in active)
