"""The results database as a Dagster resource: one engine per run, transactions that commit or roll back.

It also holds what a run reads more than once (closes, the books of its portfolio chunks): Dagster
sets the resource up once per run and tears it down after (the in-process executor runs every
step of a run in one process), so nothing cached outlives the run.
"""

from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
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
    run_cache_mb: int = 128  # values memoized per run (the books of its chunks); beyond it they are rebuilt
    _db: ResultsDB | None = PrivateAttr(default=None)
    _closes: dict = PrivateAttr(default_factory=dict)
    _memo: dict = PrivateAttr(default_factory=dict)
    _memo_bytes: int = PrivateAttr(default=0)

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
        self._memo = {}
        self._memo_bytes = 0

    def memoized(self, key: Hashable, build: Callable[[], T], nbytes: Callable[[T], int]) -> T:
        """`build()` once per run and key: every portfolio asset of a run reads the same chunk books.

        Values are kept while their `nbytes` sum fits in `run_cache_mb`; later ones are built each
        time and not kept (the assets read the chunks in the same order, so keeping the first ones
        serves those every time, where evicting would serve none). Callers must not modify a value.
        """
        if key in self._memo:
            return self._memo[key]
        value = build()
        size = nbytes(value)
        if self._memo_bytes + size <= self.run_cache_mb * 2**20:
            self._memo[key] = value
            self._memo_bytes += size
        return value

    def closes(self, symbols: Iterable[str], start: date, end: date) -> pd.DataFrame:
        """Stored closes (trading days × symbols) over [start, end], read once per run.

        Every portfolio-level asset of a run values the same books, so the same reads repeat
        seven times; the wide float frames are small (a few MB per chunk of portfolios) and the
        cache lives only as long as this run's resource. Callers must not modify the frame.
        """
        key = (tuple(sorted(set(symbols))), start, end)
        if key not in self._closes:
            with self.transaction() as session:
                self._closes[key] = queries.closes(session, key[0], start, end, calendar.sessions(start, end))
        return self._closes[key]

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        if self._db is None:
            self._db = ResultsDB(self.url)
        with self._db.transaction() as session:
            yield session
