"""One builder for every portfolio-level asset: scope → chunks → book → replace → result.

A portfolio asset is a module-level function from (book, scope, inputs) to a `Computed`: its rows
per results table and its data_quality rows. It needs no Dagster and no database, so it is tested
on a small synthetic book. The builder wraps it into a Dagster asset that reads the run's scope,
values each chunk's book, writes every chunk into one transaction and reports metadata and checks:
per partition, that day's stored results (`day_metadata.py`); per run, what the run wrote.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import pandas as pd

from sigmasight_assets.pipeline.book import Book, load_book
from sigmasight_assets.pipeline.day_metadata import run_result, stored_day_metadata
from sigmasight_assets.pipeline.pools import PORTFOLIO_POOL
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_assets.pipeline.tags import LEVEL_TAG, PORTFOLIO_LEVEL
from sigmasight_assets.pipeline.writer import replacing
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.pricing import OptionPricing

KINDS = {"pandas", "sql"}
TABLE_NAME_KEY = "dagster/table_name"  # shown by the UI as the asset's table
TABLE_SCHEMA = "results"  # the results database (SQLite file or PostgreSQL database), not a Dagster IO manager


@dataclass(frozen=True)
class Computed:
    """One chunk's output: rows per results table, data_quality rows, and facts its checks read."""

    tables: dict[type, pd.DataFrame]
    quality: pd.DataFrame
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    """An asset check the asset evaluates on its own output (`blocking` stops its dependents)."""

    name: str
    description: str
    blocking: bool = False


Conclusion = tuple[dict, list[dg.AssetCheckResult]]


@dataclass(frozen=True)
class PortfolioAsset:
    """What differs between portfolio assets; `build_portfolio_asset` supplies the rest.

    compute : (book, scope, **inputs) → Computed, pure.
    load : (db, book, scope) → the keyword inputs `compute` needs beyond the book (stored results).
    conclude : (every chunk's `facts`, db, whole scope) → (metadata, check results), after the write.
    """

    name: str
    group: str
    deps: tuple[str, ...]
    tables: tuple[type, ...]
    compute: Callable[..., Computed]
    load: Callable[[ResultsDatabase, Book, RunScope], dict] | None = None
    checks: tuple[Check, ...] = ()
    conclude: Callable[[list[dict], ResultsDatabase, RunScope], Conclusion] | None = None


def build_portfolio_asset(spec: PortfolioAsset, days: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The Dagster asset of `spec`, partitioned by trading day, every requested range in one run."""

    @dg.asset(
        name=spec.name,
        description=(spec.compute.__doc__ or "").strip().splitlines()[0],
        partitions_def=days,
        group_name=spec.group,
        backfill_policy=dg.BackfillPolicy.single_run(),
        deps=list(spec.deps),
        check_specs=[
            dg.AssetCheckSpec(c.name, asset=spec.name, description=c.description, blocking=c.blocking)
            for c in spec.checks
        ],
        tags={LEVEL_TAG: PORTFOLIO_LEVEL},
        pool=PORTFOLIO_POOL,
        kinds=KINDS,
        metadata=table_metadata(spec.tables),
    )
    def portfolio_asset(
        context: dg.AssetExecutionContext, db: ResultsDatabase, pricing: OptionPricing
    ) -> dg.MaterializeResult:
        scope = RunScope.of(context, db)
        facts = []  # each chunk's facts for `conclude`; its frames are freed once written
        with replacing(context, db, scope, list(spec.tables)) as writer:
            for chunk in scope.chunks(db):
                book = chunk_book(db, chunk, pricing.risk_free_rate)
                inputs = spec.load(db, book, chunk) if spec.load else {}
                result = spec.compute(book, chunk, **inputs)
                writer.write(chunk, result.tables, result.quality)
                facts.append(result.facts)
        metadata, checks = spec.conclude(facts, db, scope) if spec.conclude else ({}, [])
        for partition_key, stored in stored_day_metadata(db, spec.name, spec.tables, scope.days).items():
            context.add_asset_metadata(stored, partition_key=partition_key)
        return run_result(writer, scope, metadata, checks)

    return portfolio_asset


def chunk_book(db: ResultsDatabase, chunk: RunScope, rate: float) -> Book:
    """The chunk's book, loaded once per run and shared by the portfolio assets (a run-scoped memo on `db`)."""
    key = ("book", tuple(chunk.portfolios), chunk.start, chunk.end, rate)
    return db.memoized(key, lambda: load_book(db, chunk.portfolios, chunk.start, chunk.end, rate))


def table_metadata(tables: tuple[type, ...]) -> dict:
    """The results tables an asset writes: Dagster's table-name key for the first, all of them listed."""
    names = [t.__tablename__ for t in tables]
    return {TABLE_NAME_KEY: f"{TABLE_SCHEMA}.{names[0]}", "tables": dg.MetadataValue.json(names)}
