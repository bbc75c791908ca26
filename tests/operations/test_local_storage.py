"""The embedded instance's storage (`runs/sqlite_storage.py`): Dagster's SQLite files and schema, with
connections kept per shard and `synchronous=NORMAL`, readable by Dagster's own storage either way."""

import multiprocessing
import os
import warnings

import dagster as dg
import pytest

from sigmasight_assets.runs.in_process import QUIET_CONSOLE
from sigmasight_assets.runs.instance import local_instance
from sigmasight_assets.runs.sqlite_storage import LocalSqliteEventLogStorage
from sigmasight_resources.settings import load_settings

DAYS = dg.DailyPartitionsDefinition(start_date="2025-01-01")
RANGE = {"dagster/asset_partition_range_start": "2025-01-02", "dagster/asset_partition_range_end": "2025-01-09"}
KEYS = set(DAYS.get_partition_keys_in_range(dg.PartitionKeyRange("2025-01-02", "2025-01-09")))


def ranged_asset() -> dg.AssetsDefinition:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)  # single_run() is beta in Dagster 1.13

        @dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run())
        def days(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
            return dg.MaterializeResult(metadata={"rows_written": len(context.partition_keys)})

    return days


def materialize(instance: dg.DagsterInstance) -> str:
    result = dg.materialize([ranged_asset()], instance=instance, run_config=QUIET_CONSOLE, tags=RANGE)
    assert result.success
    return result.run_id


def materialized_keys(instance: dg.DagsterInstance) -> set[str]:
    return instance.get_materialized_partitions(dg.AssetKey("days"))


@pytest.fixture
def home(tmp_path):
    settings = load_settings(home=tmp_path / "home", database_url="sqlite://")
    with local_instance(settings):  # installs dagster.yaml as `sigmasight init` does
        pass
    return settings.dagster_home


def test_the_installed_instance_uses_the_local_storage_under_dagster_home(home):
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.event_log_storage, LocalSqliteEventLogStorage)
        run_id = materialize(instance)
        assert materialized_keys(instance) == KEYS
    assert (home / "storage" / "history" / "runs" / f"{run_id}.db").exists()
    assert (home / "storage" / "history" / "runs" / "index.db").exists()


def test_dagster_s_own_storage_reads_what_it_wrote_and_the_other_way_round(home, tmp_path):
    with dg.DagsterInstance.from_config(str(home)) as instance:
        ours = materialize(instance)
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "dagster.yaml").write_text(f"storage:\n  sqlite:\n    base_dir: {home / 'storage'}\n")
    with dg.DagsterInstance.from_config(str(plain)) as instance:
        assert type(instance.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert instance.get_run_by_id(ours).is_success
        before = len(instance.fetch_materializations(dg.AssetKey("days"), limit=100).records)
        theirs = materialize(instance)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_run_by_id(theirs).is_success
        assert len(instance.fetch_materializations(dg.AssetKey("days"), limit=100).records) == 2 * before
        assert [e.run_id for e in instance.all_logs(theirs)][:1] == [theirs]


def test_connections_skip_the_per_commit_sync_and_stay_bounded(home):
    with dg.DagsterInstance.from_config(str(home)) as instance:
        storage = instance.event_log_storage
        with storage.index_connection() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL (FULL is 2)
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        for _ in range(LocalSqliteEventLogStorage.KEPT_SHARDS + 3):
            materialize(instance)
        assert len(storage._engines) <= LocalSqliteEventLogStorage.KEPT_SHARDS + 1  # + the index shard
        assert "index" in storage._engines
        assert len(instance.get_runs()) == LocalSqliteEventLogStorage.KEPT_SHARDS + 3


def _use_inherited(instance: dg.DagsterInstance, queue) -> None:
    """In a forked child: the parent's storage object, whose kept connections must not be reused."""
    run_id = materialize(instance)
    queue.put((run_id, materialized_keys(instance), instance.event_log_storage._pid == os.getpid()))


def test_a_forked_process_opens_its_own_connections(home):
    context = multiprocessing.get_context("fork")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        first = materialize(instance)  # the parent's connections are open now
        queue = context.Queue()
        child = context.Process(target=_use_inherited, args=(instance, queue))
        child.start()
        child.join(60)
        assert child.exitcode == 0
        run_id, keys, own_connections = queue.get(timeout=5)
        assert keys == KEYS
        assert own_connections  # the child noticed the fork and dropped the parent's connections
        assert {first, run_id} <= {run.run_id for run in instance.get_runs()}
        assert instance.get_run_by_id(run_id).is_success
