"""The results database as a Dagster resource: one engine per run, transactions that commit or roll back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import PrivateAttr
from sqlalchemy.orm import Session

from sigmasight_resources.db.session import ResultsDB


class ResultsDatabase(dg.ConfigurableResource):
    url: str
    _db: ResultsDB | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._db = ResultsDB(self.url)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._db is not None:
            self._db.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        if self._db is None:
            self._db = ResultsDB(self.url)
        with self._db.transaction() as session:
            yield session
