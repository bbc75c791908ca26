"""Issue "Scale and resilience": one portfolio range launched twice at once, by the CLI and by the API,
is written by one writer at a time and leaves the rows a single run leaves, none twice.

The stack is test_daemon.py's (the `stack` fixture of tests/operations/conftest.py): a code server and
`dagster-daemon run` on the production instance config (dagster-postgres), a PostgreSQL results DB.
The onboarding and close sensors are stopped, so the two launches are the only writers after the baseline.

Why the API's run is in flight before the CLI starts: the run queue holds a run while another one
tagged with the same `portfolio` (or `sigmasight/level=portfolio`) is in progress, and it counts
the CLI's runs, which skip the queue but are recorded in the instance. With the CLI first, the
API's run waits in the queue and the two never overlap. With the API's run first, the CLI's run
starts beside it and only the results DB's portfolio lock (`queries.lock_portfolios`, taken first
by every portfolio-level write transaction) keeps them apart. The test holds that lock as a gate
until both runs wait on it at their first write, then lets them go: they contend at the same moment
however slow the machine is, with no sleeps and no tuned range length.
"""

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from fastapi.testclient import TestClient
from sqlalchemy import text

from benchmarks.scenarios.connection_kill import duplicate_keys, snapshot
from benchmarks.scenarios.pipeline import RESULT_TABLES, Pipeline
from sigmasight_api.app import create_app
from sigmasight_api.launch import BACKFILL_TAG
from sigmasight_assets.assets import PORTFOLIO_ASSETS
from sigmasight_assets.definitions import build_definitions
from sigmasight_assets.pipeline.tags import LEVEL_TAG, PORTFOLIO_LEVEL
from sigmasight_assets.runs.in_process import run_range
from sigmasight_resources import calendar
from sigmasight_resources.db import queries
from sigmasight_resources.db.models import Base
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.portfolio_import import import_portfolio
from sigmasight_resources.settings import Settings, load_settings
from sigmasight_resources.users import create_user, ensure_user
from tests.support.daemon import BIN, Processes, finished, portfolio_csv, wait_for
from tests.support.rows import assert_same_rows

pytestmark = pytest.mark.timeout(300)

RANGE_SESSIONS = 20
SENSORS = ("portfolio_onboarding_sensor", "portfolio_close_sensor")  # they would launch runs for the portfolio
S = dg.DagsterRunStatus

# Backends of the results DB waiting on another's lock: the writers held at the gate.
BLOCKED = text("""
    SELECT query FROM pg_stat_activity
    WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0
""")


def stop_sensors(instance: dg.DagsterInstance, workspace: Path) -> None:
    """Stop the sensors that would launch runs for the new portfolio, as `dagster sensor stop` does
    (in process: the command's start-up would cost more than the rest of the scenario's set-up)."""
    with WorkspaceProcessContext(instance, WorkspaceFileTarget([str(workspace)])) as context:
        [repository] = context.create_request_context().get_code_location("sigmasight").get_repositories().values()
        for name in SENSORS:
            sensor = repository.get_sensor(name)
            instance.stop_sensor(sensor.get_remote_origin_id(), sensor.selector_id, sensor)


def blocked_writers(db: ResultsDB, count: int) -> list[str] | None:
    """The queries of the backends waiting on a lock, once there are `count` of them."""
    with db.engine.connect() as conn:  # a new transaction per poll: pg_stat_activity is snapshotted per transaction
        found = list(conn.execute(BLOCKED).scalars())
    return found if len(found) == count else None


@contextmanager
def portfolio_gate(db: ResultsDB, portfolio_id: int) -> Iterator[None]:
    """Hold the portfolio's write lock until the block ends; its writers wait at their first write."""
    with db.transaction() as session:
        queries.lock_portfolios(session, [portfolio_id])
        yield


def admin_launch(settings: Settings, instance: dg.DagsterInstance, db: ResultsDB, body: dict) -> str:
    """POST the launch as an admin through the API app on this instance; the backfill id."""
    with db.transaction() as session:
        token = create_user(session, "admin@example.com", is_admin=True)[1]
    with TestClient(create_app(settings, instance)) as client:
        response = client.post("/api/v1/admin/runs", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 202, response.text
    return response.json()["backfill_id"]


def cli_run(processes: Processes, start: date, end: date, portfolio_id: int) -> subprocess.Popen:
    """`sigmasight run --force` in its own process: it materializes in process, bypassing the run queue."""
    with (processes.workdir / "cli.log").open("ab") as log:  # in processes.log_tail() when the test fails
        return subprocess.Popen(
            [
                str(BIN / "sigmasight"),
                "run",
                "--start",
                start.isoformat(),
                "--end",
                end.isoformat(),
                "--portfolio",
                str(portfolio_id),
                "--force",
            ],
            cwd=processes.workdir,
            env=processes.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def writers(db: ResultsDB, portfolio_id: int, start: date, end: date) -> dict[str, set[str]]:
    """The run ids on the portfolio's rows in [start, end], per portfolio-level table (data_quality per asset).

    A write transaction replaces all of a table's rows in the range, so after serialized writers the
    rows carry one run id; interleaved writers would leave several, or fail on duplicate keys.
    """
    where = "portfolio_id = :p AND date BETWEEN :start AND :end"
    found: dict[str, set[str]] = {}
    with db.engine.connect() as conn:
        for table in RESULT_TABLES:
            if "portfolio_id" not in Base.metadata.tables[table].c:
                continue
            by = "asset" if table == "data_quality" else "''"
            rows = conn.execute(
                text(f"SELECT DISTINCT {by}, run_id FROM {table} WHERE {where}"),
                {"p": portfolio_id, "start": start, "end": end},
            )
            for group, run_id in rows:
                found.setdefault(f"{table}[{group}]" if group else table, set()).add(run_id)
    return found


def step_window(instance: dg.DagsterInstance, run_id: str, step: str) -> tuple[float, float]:
    """(start, end) timestamps of a step of a run, from the instance's event log."""
    kinds = {dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS}
    stamps = [e.timestamp for e in instance.all_logs(run_id, of_type=kinds) if e.step_key == step]
    return min(stamps), max(stamps)


def test_cli_and_api_launching_one_range_at_once_write_one_at_a_time(stack):
    instance, db, processes = stack
    stop_sensors(instance, processes.workdir / "workspace.yaml")
    latest = calendar.latest_closed_session(datetime.now(UTC))
    start = calendar.previous_sessions(latest, RANGE_SESSIONS - 1)
    settings = load_settings()  # the stack's environment: its results DB, DAGSTER_HOME, partitions start
    defs = build_definitions(settings)

    # 1. baseline: import the portfolio and materialize its range once, as `sigmasight run` does
    with db.transaction() as session:
        ensure_user(session, "ops@example.com")
    portfolio_id = import_portfolio(db, portfolio_csv(start.isoformat()), "ops", "ops@example.com", today=latest)
    baseline_runs = run_range(defs, instance, start, latest, [portfolio_id])
    assert all(o.success for o in baseline_runs), [o.failures for o in baseline_runs]
    pipeline = Pipeline(db, defs, instance)
    baseline = snapshot(pipeline)
    assert len(baseline["portfolio_snapshots"]) == RANGE_SESSIONS

    # 2. the API's run and the CLI's run both waiting at their first write, then let go together
    body = {
        "kind": "portfolio",
        "portfolio_id": portfolio_id,
        "start": start.isoformat(),
        "end": latest.isoformat(),
        "force": True,
    }
    cli = None
    try:
        with portfolio_gate(db, portfolio_id):
            backfill_id = admin_launch(settings, instance, db, body)
            wait_for("the API's run to wait on the portfolio lock", lambda: blocked_writers(db, 1), 120)
            cli = cli_run(processes, start, latest, portfolio_id)
            waiting = wait_for("the CLI's run to wait on the portfolio lock too", lambda: blocked_writers(db, 2), 150)
        assert all("FOR UPDATE" in query for query in waiting), waiting
        assert cli.wait(timeout=150) == 0, (processes.workdir / "cli.log").read_text()[-3000:]
    finally:
        if cli is not None and cli.poll() is None:
            cli.kill()
            cli.wait(timeout=30)
    # The backfill's run, not the backfill: the daemon marks it complete up to 30 s (its interval) later.
    wait_for("the backfill's run to finish", lambda: finished(instance, {BACKFILL_TAG: backfill_id}, 1), 120)

    # 3. the runs: baseline, the backfill's one run, the CLI's day- and portfolio-level runs; all succeeded
    baseline_ids = {o.run_id for o in baseline_runs}
    records = [r for r in instance.get_run_records() if r.dagster_run.run_id not in baseline_ids]
    assert all(r.dagster_run.status == S.SUCCESS for r in records), [
        (r.dagster_run.run_id, r.dagster_run.status) for r in records
    ]
    [api_run] = [r for r in records if r.dagster_run.tags.get(BACKFILL_TAG) == backfill_id]
    cli_runs = [r for r in records if r is not api_run]
    assert sorted(r.dagster_run.tags[LEVEL_TAG] for r in cli_runs) == ["day", "portfolio"], (
        "a run other than the two launches' ran"
    )
    [cli_run_record] = [r for r in cli_runs if r.dagster_run.tags[LEVEL_TAG] == PORTFOLIO_LEVEL]
    first, second = sorted((api_run, cli_run_record), key=lambda r: r.start_time)
    assert second.start_time < first.end_time, (
        f"the runs did not overlap: {first.dagster_run.run_id} ended at {first.end_time:.3f}, "
        f"{second.dagster_run.run_id} started at {second.start_time:.3f}"
    )
    launched = {"api": api_run.dagster_run.run_id, "cli": cli_run_record.dagster_run.run_id}
    origin = api_run.start_time
    print(
        f"\nrun windows (s after the API's run started): api 0.0..{api_run.end_time - origin:.1f}, "
        f"cli {cli_run_record.start_time - origin:.1f}..{cli_run_record.end_time - origin:.1f}"
    )
    for who, run_id in launched.items():
        begin, end = step_window(instance, run_id, "position_values")
        print(f"  {who} position_values step {begin - origin:.1f}..{end - origin:.1f}")

    # 4. one writer per table, the two launches' only; the same rows as the baseline, none twice
    found = writers(db, portfolio_id, start, latest)
    names = {run_id: who for who, run_id in launched.items()}
    print(
        "  last writer: " + ", ".join(f"{t} {sorted(names.get(i, i) for i in ids)}" for t, ids in sorted(found.items()))
    )
    assert all(len(ids) == 1 for ids in found.values()), found
    assert set().union(*found.values()) <= set(launched.values()), found
    for asset in PORTFOLIO_ASSETS:  # an asset's table and its data_quality rows: one transaction, one writer
        assert found[asset] == found[f"data_quality[{asset}]"], (asset, found)
    after = snapshot(pipeline)
    for table, rows in baseline.items():
        assert_same_rows(after[table], rows, table)
    assert duplicate_keys(pipeline) == 0
