"""The results database as a Dagster resource: one engine per run, transactions that commit or roll back.

It also holds what a run reads more than once (closes, the books of its portfolio chunks): Dagster
sets the resource up once per run and tears it down after (the in-process executor runs every
step of a run in one process), so nothing cached outlives the run.
"""

import pickle
import tempfile
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TypeVar

import dagster as dg
import pandas as pd
from pydantic import PrivateAttr
from sqlalchemy.orm import Session

from sigmasight_resources import calendar
from sigmasight_resources.db import queries
from sigmasight_resources.db.session import ResultsDB

T = TypeVar("T")


class ResultsDatabase(dg.ConfigurableResource):
    url: str
    _db: ResultsDB | None = PrivateAttr(default=None)
    _closes: dict = PrivateAttr(default_factory=dict)
    _memo: dict = PrivateAttr(default_factory=dict)
    _spill: tempfile.TemporaryDirectory | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._db = ResultsDB(self.url)
        self._closes = {}
        self._forget()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._closes = {}
        self._forget()
        if self._db is not None:
            self._db.dispose()

    def _forget(self) -> None:
        if self._spill is not None:
            self._spill.cleanup()
        self._memo = {}
        self._spill = None

    def memoized(self, key: Hashable, build: Callable[[], T]) -> T:
        """`build()` once per run and key: every portfolio asset of a run reads the same chunk books.

        Each value is pickled to a run-scoped temporary folder (deleted when the run's resource is
        torn down) and read back on later calls: a run's books, together tens to hundreds of MB,
        stay out of its memory, and reading one back costs milliseconds where building it costs a
        second. Every call returns its own copy.
        """
        if key in self._memo:
            with open(self._memo[key], "rb") as stored:
                return pickle.load(stored)
        value = build()
        if self._spill is None:
            self._spill = tempfile.TemporaryDirectory(prefix="sigmasight-run-")
        path = Path(self._spill.name) / f"{len(self._memo)}.pickle"
        with open(path, "wb") as stored:
            pickle.dump(value, stored, protocol=pickle.HIGHEST_PROTOCOL)
        self._memo[key] = path
        return value

    def closes(self, symbols: Iterable[str], start: date, end: date) -> pd.DataFrame:
        """Stored closes (trading days × symbols) over [start, end], each (symbol, day) read once per run.

        Every portfolio-level asset of a run values the same books, and each chunk of portfolios
        asks for its own symbols over the same span: a request that a kept span covers reads only the
        symbols that span lacks and is sliced from it (the run's whole universe over its lookback is a
        few MB of floats), so a run reads each close once rather than once per chunk. The cache lives
        only as long as this run's resource.
        """
        wanted = sorted(set(symbols))
        covering = [s for s in self._closes if s[0] <= start and s[1] >= end]
        span = min(covering, key=lambda s: len(set(wanted) - set(self._closes[s].columns)), default=None)
        if span is None:
            self._closes[(start, end)] = self._read_closes(wanted, start, end)
            return self._closes[(start, end)]
        kept = self._closes[span]
        missing = sorted(set(wanted) - set(kept.columns))
        if missing:
            kept = pd.concat([kept, self._read_closes(missing, *span)], axis=1)
            kept = self._closes[span] = kept.reindex(columns=pd.Index(sorted(kept.columns), name="symbol"))
        rows = kept.loc[pd.Timestamp(start) : pd.Timestamp(end)]
        return rows.reindex(columns=pd.Index(wanted, name="symbol"))

    def _read_closes(self, symbols: list[str], start: date, end: date) -> pd.DataFrame:
        with self.transaction() as session:
            return queries.closes(session, symbols, start, end, calendar.sessions(start, end))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        if self._db is None:
            self._db = ResultsDB(self.url)
        with self._db.transaction() as session:
            yield session
