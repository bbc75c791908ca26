"""A run's scope: the trading days of its partition range and the portfolios it writes."""

from dataclasses import dataclass, replace
from datetime import date

import dagster as dg
import pandas as pd

from sigmasight_assets.pipeline.book import BOOK_HISTORY
from sigmasight_assets.pipeline.tags import (
    AFTER_RUN_TAG,
    RANGE_END,
    RANGE_START,
    RUN_KEY_TAG,
    RunTagError,
    run_dates,
    run_portfolio_ids,
)
from sigmasight_resources.db import queries
from sigmasight_resources.db.resource import ResultsDatabase

# Position × sessions valued together (a daily run's chunk: 600 positions over one day and the book's
# window before it): a chunk's (dates × positions) frames stay tens of MB whatever the run's length,
# so a rebuild over years values fewer positions at a time instead of holding larger frames.
CHUNK_POSITION_DAYS = 600 * (BOOK_HISTORY + 1)


def requested_days(context: dg.AssetExecutionContext) -> list[date]:
    """Trading days of the run's partition range, sorted (the window end may be a holiday: use keys)."""
    return sorted(date.fromisoformat(k) for k in context.partition_keys)


def require_prerequisite(instance: dg.DagsterInstance, tags: dict[str, str]) -> None:
    """Fail, without retries and before anything is read or written, unless the run the tags'
    `sigmasight/after_run_key` names has succeeded: a portfolio-level run queued behind its
    day-level run must not compute on the closes and models that run failed to write."""
    run_key = tags.get(AFTER_RUN_TAG)
    if run_key is None:
        return
    runs = instance.get_runs(dg.RunsFilter(tags={RUN_KEY_TAG: run_key}), limit=1)
    if not runs or runs[0].status != dg.DagsterRunStatus.SUCCESS:
        state = f"its run {runs[0].run_id} is {runs[0].status.value}" if runs else "no run has it"
        raise dg.Failure(
            f"this run needs the run with run key {run_key!r} ({AFTER_RUN_TAG}) to have succeeded first: {state}",
            allow_retries=False,
        )


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

        A portfolio deleted after the run was requested is left out (its rows wait for a purge). A
        portfolio tag that is not a list of ids fails the run, without retries, with one line naming
        the tag and its value, and so does a partition range holding no trading day (start after end),
        and a run whose prerequisite (`sigmasight/after_run_key`) has not succeeded.
        """
        require_prerequisite(context.instance, context.run.tags)
        try:
            named = run_portfolio_ids(context.run.tags)
        except RunTagError as error:
            raise dg.Failure(str(error), allow_retries=False) from None
        days = requested_days(context)
        if not days:
            span = run_dates(context.run.tags) or ("?", "?")
            raise dg.Failure(
                f"run tags {RANGE_START}..{RANGE_END}: {span[0]!r}..{span[1]!r} holds no trading day",
                allow_retries=False,
            )
        with db.transaction() as session:
            active = queries.active_portfolio_ids(session)
        if named is None:
            return cls(days, active)
        gone = sorted(set(named) - set(active))
        if gone:
            context.log.warning(f"portfolios {', '.join(map(str, gone))} are deleted or unknown; not written")
        return cls(days, sorted(set(named) & set(active)))

    def chunks(self, db: ResultsDatabase) -> list["RunScope"]:
        """This scope split into groups of whole portfolios, each valuing at most CHUNK_POSITION_DAYS
        positions × sessions (the run's days and the book's window before them)."""
        with db.transaction() as session:
            sizes = queries.position_counts(session, self.portfolios, self.end)
        limit = max(CHUNK_POSITION_DAYS // (len(self.days) + BOOK_HISTORY), 1)
        groups: list[list[int]] = []
        held = 0
        for portfolio in self.portfolios:
            size = sizes.get(portfolio, 0)
            if not groups or held + size > limit:
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
