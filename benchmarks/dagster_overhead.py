"""What Dagster itself costs per partition: a no-op single-run asset over 250 trading days.

A ranged run logs one materialization event per partition key, and each event is stored by
the instance's event log. This prints the per-partition cost for an in-memory instance, the
embedded SQLite instance and (when reachable) a PostgreSQL instance, the floor under every
SigmaSight run: a 254-day onboarding materializes 10 assets × 254 partitions.

    .venv/bin/python benchmarks/dagster_overhead.py [--postgres-url postgresql+psycopg2://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import dagster as dg
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from sigmasight_assets.partitions import trading_day_partitions
from sigmasight_assets.runs.in_process import QUIET_CONSOLE

START, END = "2025-01-02", "2025-12-31"


def noop_asset() -> dg.AssetsDefinition:
    @dg.asset(partitions_def=trading_day_partitions(date(2024, 1, 2)), backfill_policy=dg.BackfillPolicy.single_run())
    def noop(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata={"rows_written": 0})

    return noop


def measure(instance: dg.DagsterInstance) -> tuple[int, float]:
    began = time.perf_counter()
    result = dg.materialize(
        [noop_asset()],
        instance=instance,
        run_config=QUIET_CONSOLE,
        tags={"dagster/asset_partition_range_start": START, "dagster/asset_partition_range_end": END},
    )
    return len(result.get_asset_materialization_events()), time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default="postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    rows = []
    rows.append(("in-memory", *measure(dg.DagsterInstance.ephemeral())))
    with tempfile.TemporaryDirectory() as home:
        rows.append(("SQLite (DAGSTER_HOME)", *measure(dg.DagsterInstance.from_config(home))))
    admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
    name = f"dagster_overhead_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        print(f"PostgreSQL skipped: {exc.orig}")
    else:
        try:
            with tempfile.TemporaryDirectory() as home:
                url = admin.url.set(database=name).render_as_string(hide_password=False)
                Path(home, "dagster.yaml").write_text(f"storage:\n  postgres:\n    postgres_url: {url}\n")
                instance = dg.DagsterInstance.from_config(home)
                rows.append(("PostgreSQL (dagster-postgres)", *measure(instance)))
                instance.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"{'instance storage':<32}{'partitions':>11}{'seconds':>9}{'ms/partition':>14}")
    for label, count, seconds in rows:
        print(f"{label:<32}{count:>11}{seconds:>9.2f}{seconds / count * 1000:>14.1f}")


if __name__ == "__main__":
    main()
