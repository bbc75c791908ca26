"""The embedded Dagster instance's SQLite storage, with event writes that neither reconnect nor fsync per event.

Dagster's SQLite event log opens a new engine and connection for every event it stores (twice for
an asset event: the run's shard and the cross-run index) and commits each in WAL mode with
SQLite's default `synchronous=FULL`, so every commit waits for the disk: most of the embedded
instance's floor per partition and asset (benchmarks/dagster_overhead.py). This storage keeps
Dagster's schema, files and queries, and changes two things: a shard's connection is kept open
(the index and the most recently used run shards), and connections run `synchronous=NORMAL`,
with which WAL syncs at checkpoints only. A process that crashes loses nothing committed; a
power loss can lose the last commits but never corrupts the database (SQLite's WAL guarantee),
and a run whose events were lost is failed by run monitoring, as after any crash. Dagster's own
SQLite storage reads and writes the same files, so a home can switch either way. The production
instance is PostgreSQL (deploy/dagster.yaml) and does not use this.

    storage:
      custom:
        module: sigmasight_assets.runs.sqlite_storage
        class: LocalSqliteStorage
        config:
          base_dir: /abs/path/of/DAGSTER_HOME/storage   # where Dagster's default SQLite storage lives
"""

import os
import sqlite3
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import dagster._check as check
import yaml
from dagster._core.storage.base_storage import DagsterStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._serdes import ConfigurableClassData
from sqlalchemy import Connection, Engine, create_engine, event

SQLITE_BUSY_TIMEOUT_SECONDS = 30  # how long a write waits on a locked shard, as Dagster's own storages wait


def _relaxed_sync(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class LocalSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's run-sharded SQLite event log, its shards' connections kept open, `synchronous=NORMAL`.

    The index shard and the `KEPT_SHARDS` most recently used run shards keep one connection each
    (a long-lived webserver reads many runs: the others are closed as they age out). Every access
    already holds the storage's lock, so a connection is never used by two threads at once; a
    forked process opens its own instead of using its parent's.
    """

    KEPT_SHARDS = 8

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._pid = os.getpid()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: dict
    ) -> "LocalSqliteEventLogStorage":
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        if self._pid != os.getpid():  # forked: the parent's connections are not ours to use
            for engine in self._engines.values():
                engine.dispose(close=False)
            self._engines.clear()
            self._pid = os.getpid()
        engine = self._engines.get(shard)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                pool_size=1,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            event.listen(engine, "connect", _relaxed_sync)
            self._engines[shard] = engine
            runs = [name for name in self._engines if name != INDEX_SHARD_NAME]
            for name in runs[: max(len(runs) - self.KEPT_SHARDS, 0)]:
                self._engines.pop(name).dispose()
        self._engines.move_to_end(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            check.str_param(shard, "shard")
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()


class LocalSqliteStorage(DagsterSqliteStorage):
    """Dagster's default SQLite storage (same files under `base_dir`) with the event log above."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self.base_dir = check.str_param(base_dir, "base_dir")
        self._run_storage = SqliteRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = LocalSqliteEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = SqliteScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = check.opt_inst_param(inst_data, "inst_data", ConfigurableClassData)
        DagsterStorage.__init__(self)

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: dict) -> "LocalSqliteStorage":
        return cls.from_local(inst_data=inst_data, **config_value)

    @property
    def event_storage_data(self) -> ConfigurableClassData:
        return ConfigurableClassData(
            __name__,
            LocalSqliteEventLogStorage.__name__,
            yaml.dump({"base_dir": _event_logs_directory(self.base_dir)}, default_flow_style=False),
        )
