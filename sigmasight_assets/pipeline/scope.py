"""A run's scope: the trading days of its partition range and the portfolios it writes."""

from dataclasses import dataclass, replace
from datetime import date

import dagster as dg
import pandas as pd

from sigmasight_assets.pipeline.tags import run_portfolios
from sigmasight_resources.db import portfolio_reads, queries
from sigmasight_resources.db.resource import ResultsDatabase

CHUNK_POSITIONS = 600  # positions valued together: (dates × positions) frames stay tens of MB


def requested_days(context: dg.AssetExecutionContext) -> list[date]:
    """Trading days of the run's partition range, sorted (the window end may be a holiday: use keys)."""
    return sorted(date.fromisoformat(k) for k in context.partition_keys)


@dataclass(frozen=True)
class RunScope:
    """Trading days (sorted) and portfolio ids (sorted) that one materialization covers."""

    days: list[date]
    portfolios: list[int]

    @property
    def start(self) -> date:
        return self.days[0]

    @property
    def end(self) -> date:
        return self.days[-1]

    @classmethod
    def of(cls, context: dg.AssetExecutionContext, db: ResultsDatabase) -> "RunScope":
        """The run's days, and the active portfolios its tags name (else every active portfolio).

        A portfolio deleted after the run was requested is left out (its rows wait for a purge).
        """
        with db.transaction() as session:
            active = queries.active_portfolio_ids(session)
        named = run_portfolios(context.run.tags)
        if named is None:
            return cls(requested_days(context), active)
        gone = sorted(set(named) - {str(p) for p in active}, key=int)
        if gone:
            context.log.warning(f"portfolios {', '.join(gone)} are deleted or unknown; not written")
        return cls(requested_days(context), sorted(int(p) for p in named if int(p) in active))

    def chunks(self, db: ResultsDatabase) -> list["RunScope"]:
        """This scope split into groups of whole portfolios holding at most CHUNK_POSITIONS positions."""
        with db.transaction() as session:
            sizes = portfolio_reads.position_counts(session, self.portfolios, self.end)
        groups: list[list[int]] = []
        held = 0
        for portfolio in self.portfolios:
            size = sizes.get(portfolio, 0)
            if not groups or held + size > CHUNK_POSITIONS:
                groups.append([])
                held = 0
            groups[-1].append(portfolio)
            held += size
        return [replace(self, portfolios=group) for group in groups]

    def window(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of a frame indexed by date (or by (date, …)) within [start, end]."""
        index = frame.index
        dates = index.get_level_values("date") if isinstance(index, pd.MultiIndex) else index
        return frame[(dates >= pd.Timestamp(self.start)) & (dates <= pd.Timestamp(self.end))]

    def keep(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of a long frame (columns date, portfolio_id) on the scope's days and portfolios."""
        days = pd.DatetimeIndex([pd.Timestamp(d) for d in self.days])
        mask = pd.to_datetime(frame["date"]).isin(days) & frame["portfolio_id"].isin(self.portfolios)
        return frame[mask]
