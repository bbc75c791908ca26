"""One transaction per materialization: lock the scope's portfolios, delete their rows, insert chunk by chunk.

A scope covers every portfolio the run writes; it is computed a chunk of portfolios at a time so
memory stays bounded by the chunk, while the rows of all chunks land in one transaction: the
partition range lands whole or not at all.
"""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dagster as dg
import pandas as pd
from sqlalchemy.orm import Session

from sigmasight_assets.pipeline.records import insert_frame
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_resources.db import queries
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.db.results import DataQuality


@dataclass
class ResultsWriter:
    """Inserts one asset's rows chunk by chunk into the transaction that deleted the scope's old rows."""

    session: Session
    asset: str
    run_id: str
    scope: RunScope
    written: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)
    stamp: datetime = field(default_factory=lambda: datetime.now(UTC))

    def write(self, chunk: RunScope, tables: dict, quality: pd.DataFrame) -> None:
        quality = chunk.keep(quality.assign(asset=self.asset))
        for table, frame in tables.items():
            self.written[table.__tablename__] += insert_frame(
                self.session, table, chunk.keep(frame), self.run_id, self.stamp
            )
        insert_frame(self.session, DataQuality, quality, self.run_id, self.stamp)
        self.flags.update(quality["flag"])


@contextmanager
def replacing(
    context: dg.AssetExecutionContext, db: ResultsDatabase, scope: RunScope, tables: list
) -> Iterator[ResultsWriter]:
    """One transaction: lock the scope's portfolios, delete their rows of `tables` and of the asset's
    data_quality in the range, then let the caller insert the new rows chunk by chunk."""
    asset = context.asset_key.to_user_string()
    with db.transaction() as session:
        queries.lock_portfolios(session, scope.portfolios)
        for table in tables:
            queries.delete_rows(session, table, scope.start, scope.end, scope.portfolios)
        queries.delete_rows(session, DataQuality, scope.start, scope.end, scope.portfolios, DataQuality.asset == asset)
        yield ResultsWriter(session, asset, context.run_id, scope)
