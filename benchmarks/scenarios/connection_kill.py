"""The results-DB connection terminated by the server (`pg_terminate_backend`) in the middle of a write.

A portfolio-level asset's write transaction lasts milliseconds, so polling `pg_stat_activity` for it
races the run. Instead a gate connection holds SHARE on `data_quality`, which every portfolio-level
asset writes in the same transaction as its own table, and after it (sigmasight_assets/pipeline/writer.py).
The writer then waits on the gate inside that transaction, its own table already written but not
committed; the watcher finds it through `pg_blocking_pids` and terminates it there. The kill lands
mid-write on every run, without sleeps.

Used by tests/operations/test_connection_killed.py and by benchmarks/resilience.py; PostgreSQL only.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import dagster as dg
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.pool import NullPool

from benchmarks.scenarios.pipeline import RESULT_TABLES, STOCKS, Pipeline
from benchmarks.scenarios.postgres import create_database
from sigmasight_assets.definitions import build_definitions
from sigmasight_assets.runs.in_process import RunOutcome
from sigmasight_resources.db.engine import migrate
from sigmasight_resources.db.models import Base
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.settings import load_settings

START, END = date(2025, 3, 3), date(2025, 3, 7)  # one week: the kill needs no more
TABLES = ("market_prices", *RESULT_TABLES)
GATE_TABLE = "data_quality"
GATE_SECONDS = 10.0  # for the watcher to connect and take the gate
WATCH_SECONDS = 60.0  # bounds the wait for a blocked writer; the gate is then released
POLL_SECONDS = 0.01

# Backends of this database, other than the watcher, that wait on the gate's lock, with the tables
# their transaction has already written (RowExclusiveLock granted on a plain table).
BLOCKED_WRITERS = text("""
    SELECT a.pid, a.state, a.query, a.xact_start IS NOT NULL AS in_transaction,
           ARRAY(SELECT c.relname::text FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                 WHERE l.pid = a.pid AND l.granted AND l.mode = 'RowExclusiveLock' AND c.relkind = 'r'
                 ORDER BY 1) AS written
    FROM pg_stat_activity a
    WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
      AND CAST(:gate AS integer) = ANY(pg_blocking_pids(a.pid))
""")


@dataclass
class Kill:
    """The backend terminated: what it was running, and what its transaction had written."""

    pid: int
    state: str
    query: str
    in_transaction: bool
    written: list[str]
    at: float  # time.monotonic() once the backend was gone


@dataclass
class ConnectionKill:
    """Figures and evidence of one scenario: baseline run, killed run, rerun."""

    failed_after_seconds: float  # from the backend's termination to the killed run's outcome
    rows_before: int
    rows_after: int
    rows_rerun: int
    rerun_seconds: float
    identical_after_kill: bool
    identical_after_rerun: bool
    killed_run_rows: dict[str, int]  # rows stamped with the killed run's id, per table holding any
    kill: Kill
    killed_outcome: RunOutcome
    killed_run_status: dg.DagsterRunStatus
    step_errors: list[str]  # full error chains of the killed run's STEP_FAILURE events
    rerun_success: bool
    duplicate_keys: int

    @property
    def identical(self) -> bool:
        return self.identical_after_kill and self.identical_after_rerun

    def figures(self) -> dict[str, object]:
        """The resilience benchmark's figures."""
        return {
            "killed_run_failed_after_seconds": round(self.failed_after_seconds, 3),
            "rows_before": self.rows_before,
            "rows_after_kill": self.rows_after,
            "rows_after_rerun": self.rows_rerun,
            "rerun_seconds": round(self.rerun_seconds, 2),
            "identical": self.identical,
        }


def connection_killed_scenario(admin_url: str) -> ConnectionKill:
    """Run the scenario in a fresh database on the PostgreSQL server of `admin_url`, dropped afterwards.

    The Dagster instance is in memory: it records runs and their status like any other, while a
    SQLite one's event-log commits would double the scenario's time without bearing on it.
    """
    url, drop = create_database(admin_url, "sigmasight_kill")
    try:
        migrate(url)
        settings = load_settings(database_url=url, partitions_start=date(2024, 1, 2), market_data="simulated")
        with dg.DagsterInstance.ephemeral() as instance:
            db = ResultsDB(url)
            try:
                return _scenario(Pipeline(db, build_definitions(settings), instance))
            finally:
                db.dispose()
    finally:
        drop()


def _scenario(pipeline: Pipeline) -> ConnectionKill:
    pid = pipeline.add_portfolio("killed", [dict(s) for s in STOCKS])
    baseline_outcomes = pipeline.run(START, END, [pid])
    if not all(o.success for o in baseline_outcomes):
        raise RuntimeError(f"baseline run failed: {[o.failures for o in baseline_outcomes]}")
    baseline = snapshot(pipeline)

    gate_held, run_done = threading.Event(), threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        watcher = pool.submit(kill_blocked_writer, pipeline.db.url, gate_held, run_done)
        try:
            held = gate_held.wait(GATE_SECONDS)
            if held:
                outcomes = pipeline.run(START, END, [pid])
                finished = time.monotonic()
        finally:
            run_done.set()
        kill = watcher.result()  # re-raises the watcher's error, if it had one
    if not held:
        raise TimeoutError(f"the gate on {GATE_TABLE} was not taken within {GATE_SECONDS} s")
    if kill is None:
        raise RuntimeError(f"no writer blocked on {GATE_TABLE}; runs: {[(o.success, o.failures) for o in outcomes]}")
    after_kill = snapshot(pipeline)
    killed = outcomes[-1]  # the gate blocks portfolio-level writers only, and their run comes last
    killed_run_rows = rows_of_run(pipeline, killed.run_id)

    rerun = pipeline.run(START, END, [pid])
    after_rerun = snapshot(pipeline)
    return ConnectionKill(
        failed_after_seconds=finished - kill.at,
        rows_before=count(baseline),
        rows_after=count(after_kill),
        rows_rerun=count(after_rerun),
        rerun_seconds=sum(o.seconds for o in rerun),
        identical_after_kill=after_kill == baseline,
        identical_after_rerun=after_rerun == baseline,
        killed_run_rows=killed_run_rows,
        kill=kill,
        killed_outcome=killed,
        killed_run_status=pipeline.instance.get_run_by_id(killed.run_id).status,
        step_errors=step_errors(pipeline.instance, killed.run_id),
        rerun_success=all(o.success for o in rerun),
        duplicate_keys=duplicate_keys(pipeline),
    )


def kill_blocked_writer(url: str, gate_held: threading.Event, run_done: threading.Event) -> Kill | None:
    """Hold the gate until a writer waits on it, terminate that writer, then release the gate.

    Returns None if the run ended, or WATCH_SECONDS passed, with no writer blocked.
    """
    engine = create_engine(url, poolclass=NullPool)
    try:
        # Leaving this block closes the gate connection, rolling back its transaction: the lock goes.
        with engine.connect() as gate, engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watch:
            gate.execute(text(f"LOCK TABLE {GATE_TABLE} IN SHARE MODE"))
            gate_pid = gate.execute(text("SELECT pg_backend_pid()")).scalar_one()
            gate_held.set()
            deadline = time.monotonic() + WATCH_SECONDS
            # The writer waits on the gate however long we poll: the interval only spares the CPU.
            while not run_done.wait(POLL_SECONDS) and time.monotonic() < deadline:
                blocked = watch.execute(BLOCKED_WRITERS, {"gate": gate_pid}).first()
                if blocked is not None:
                    return Kill(**blocked._mapping, at=terminate(watch, blocked.pid))
            return None
    finally:
        engine.dispose()


def terminate(conn: Connection, pid: int) -> float:
    """Terminate backend `pid`; returns time.monotonic() once it has exited."""
    # With a timeout, pg_terminate_backend waits for the backend to exit (false if it has not).
    if not conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar_one():
        raise RuntimeError(f"backend {pid} still alive 5 s after pg_terminate_backend")
    return time.monotonic()


def snapshot(pipeline: Pipeline) -> dict[str, list[dict[str, object]]]:
    """Every table's rows by column name, without run_id/computed_at, sorted."""
    return {table: pipeline.rows(table) for table in TABLES}


def count(rows: dict[str, list[dict[str, object]]]) -> int:
    return sum(len(r) for r in rows.values())


def rows_of_run(pipeline: Pipeline, run_id: str) -> dict[str, int]:
    """Rows stamped with `run_id`, per table that holds any.

    Deterministic analytics rewrite the same values, so equal rows alone cannot tell a rolled-back
    write from a committed one; the run id on the rows can.
    """
    counts = {}
    with pipeline.db.engine.connect() as conn:
        for table in TABLES:
            if "run_id" in Base.metadata.tables[table].c:
                query = text(f"SELECT count(*) FROM {table} WHERE run_id = :run")
                n = conn.execute(query, {"run": run_id}).scalar_one()
                if n:
                    counts[table] = n
    return counts


def duplicate_keys(pipeline: Pipeline) -> int:
    """Rows beyond the first per primary key, over every table (0 unless a constraint is missing)."""
    total = 0
    with pipeline.db.engine.connect() as conn:
        for table in TABLES:
            key = ", ".join(c.name for c in Base.metadata.tables[table].primary_key.columns)
            total += conn.execute(text(f"SELECT count(*) - count(DISTINCT ({key})) FROM {table}")).scalar_one()
    return total


def step_errors(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """Each STEP_FAILURE of the run as 'step: message <- cause <- ...' (the whole error chain)."""
    errors = []
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
        event = record.dagster_event
        chain, error = [], event.event_specific_data.error
        while error is not None:
            chain.append(error.message.strip())
            error = error.cause
        errors.append(f"{event.step_key}: " + " <- ".join(chain))
    return errors
