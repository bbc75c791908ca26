"""The results database as a Dagster resource: one engine per run, transactions that commit or roll back."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date

import dagster as dg
import pandas as pd
from pydantic import PrivateAttr
from sqlalchemy.orm import Session

from sigmasight_resources import calendar
from sigmasight_resources.db import queries
from sigmasight_resources.db.session import ResultsDB


class ResultsDatabase(dg.ConfigurableResource):
    url: str
    _db: ResultsDB | None = PrivateAttr(default=None)
    _closes: dict = PrivateAttr(default_factory=dict)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._db = ResultsDB(self.url)
        self._closes = {}

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._closes = {}
        if self._db is not None:
            self._db.dispose()

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
