"""What Dagster itself costs per partition: a no-op single-run asset over 250 trading days.

A ranged run logs a planned event (one per partition, or one per asset with
DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS) and one materialization per partition key, each
stored by the instance's event log. This prints the per-partition cost (median of `--repeats`
runs) for an in-memory instance, the embedded SQLite instance and (when reachable) a PostgreSQL
instance, under each event setting, and with a day-partitioned check evaluated per day (one more
event per day, as the coverage check logs): the floor under every SigmaSight run, since a 254-day
onboarding materializes 12 assets × 254 partitions.

    .venv/bin/python benchmarks/dagster_overhead.py [--repeats 5] [--postgres-url postgresql+psycopg2://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import os
import statistics
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import dagster as dg
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from sigmasight_assets.partitions import trading_day_partitions
from sigmasight_assets.runs.in_process import QUIET_CONSOLE
from sigmasight_assets.runs.instance import instance_config

START, END = "2025-01-02", "2025-12-31"
FIRST_PARTITION = date(2020, 1, 2)  # the no-op assets' partitions start: any range a benchmark measures
BATCH, SUBSET = "DAGSTER_EVENT_BATCH_SIZE", "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"
# The event settings compared: what the Makefile and the CLI set, and Dagster's defaults.
MODES = {
    "batched, planned per partition": {BATCH: "1000", SUBSET: None},
    "batched, planned per asset": {BATCH: "1000", SUBSET: "true"},
    "Dagster defaults": {BATCH: None, SUBSET: None},
}
CHECKED = "batched, planned per asset"  # also measured with a check evaluated per day


def noop_assets(with_check: bool, count: int = 1) -> list[dg.AssetsDefinition | dg.AssetChecksDefinition]:
    """`count` no-op assets, and with `with_check` a day-partitioned check on the first evaluated per
    day, as the coverage check is."""
    days = trading_day_partitions(FIRST_PARTITION)
    with warnings.catch_warnings():  # single_run() is beta and a partitioned check a preview in Dagster 1.13
        warnings.simplefilter("ignore", dg.BetaWarning)
        warnings.simplefilter("ignore", dg.PreviewWarning)

        def noop_asset(name: str) -> dg.AssetsDefinition:
            @dg.asset(name=name, partitions_def=days, backfill_policy=dg.BackfillPolicy.single_run())
            def noop(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
                return dg.MaterializeResult(metadata={"rows_written": 0})

            return noop

        assets = [noop_asset("noop" if count == 1 else f"noop_{i}") for i in range(count)]

        @dg.asset_check(asset=assets[0], partitions_def=days)
        def noop_per_day(context: dg.AssetCheckExecutionContext) -> Iterator:
            for key in context.op_execution_context.partition_keys:
                yield dg.AssetCheckEvaluation(
                    asset_key=assets[0].key, check_name="noop_per_day", passed=True, partition=key
                )
            yield dg.Output(None)

    return [*assets, noop_per_day] if with_check else assets


def run_noop(instance: dg.DagsterInstance, start: str, end: str, with_check: bool, count: int = 1) -> tuple[int, float]:
    """One ranged run of `noop_assets(with_check, count)` over [start, end]: materializations and seconds."""
    began = time.perf_counter()
    result = dg.materialize(
        noop_assets(with_check, count),
        instance=instance,
        run_config=QUIET_CONSOLE,
        tags={"dagster/asset_partition_range_start": start, "dagster/asset_partition_range_end": end},
    )
    return len(result.get_asset_materialization_events()), time.perf_counter() - began


@contextmanager
def environment(values: dict[str, str | None]) -> Iterator[None]:
    """Dagster reads both settings when it stores events, so setting them around a run is enough."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)
        yield
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)


def median_ms(make_instance: Callable[[], dg.DagsterInstance], repeats: int, with_check: bool) -> tuple[int, float]:
    """Partitions per run and the median milliseconds per partition over `repeats` runs."""
    samples = []
    count = 0
    for _ in range(repeats):
        instance = make_instance()
        try:
            count, seconds = run_noop(instance, START, END, with_check)
        finally:
            instance.dispose()
        samples.append(seconds / count * 1000)
    return count, statistics.median(samples)


def local_home(root: str) -> str:
    """A DAGSTER_HOME with the dagster.yaml `sigmasight init` installs (its storage: `runs/sqlite_storage.py`)."""
    home = Path(tempfile.mkdtemp(dir=root))
    (home / "dagster.yaml").write_text(instance_config(1, home))
    return str(home)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default="postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
    name = f"dagster_overhead_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        postgres_url = admin.url.set(database=name).render_as_string(hide_password=False)
    except OperationalError as exc:
        print(f"PostgreSQL skipped: {exc.orig}")
        postgres_url = None
    rows = []
    with tempfile.TemporaryDirectory() as root:
        pg_home = Path(root, "postgres")
        pg_home.mkdir()
        if postgres_url:
            Path(pg_home, "dagster.yaml").write_text(f"storage:\n  postgres:\n    postgres_url: {postgres_url}\n")
        storages = {
            "in-memory": dg.DagsterInstance.ephemeral,
            "SQLite (Dagster's storage)": lambda: dg.DagsterInstance.from_config(tempfile.mkdtemp(dir=root)),
            "SQLite (sigmasight init's)": lambda: dg.DagsterInstance.from_config(local_home(root)),
        }
        if postgres_url:
            storages["PostgreSQL (dagster-postgres)"] = lambda: dg.DagsterInstance.from_config(str(pg_home))
        try:
            for label, make_instance in storages.items():
                for mode, values in MODES.items():
                    with environment(values):
                        rows.append((label, mode, *median_ms(make_instance, args.repeats, False)))
                with environment(MODES[CHECKED]):
                    rows.append((label, f"{CHECKED} + check", *median_ms(make_instance, args.repeats, True)))
        finally:
            if postgres_url:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"median of {args.repeats} runs")
    print(f"{'instance storage':<32}{'event settings':<40}{'partitions':>11}{'ms/partition':>14}")
    for label, mode, count, ms in rows:
        print(f"{label:<32}{mode:<40}{count:>11}{ms:>14.1f}")


if __name__ == "__main__":
    main()
