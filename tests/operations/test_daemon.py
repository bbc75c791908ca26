"""A real `dagster-daemon` on a PostgreSQL instance and a PostgreSQL results DB, end to end.

Processes: a code server (`dagster api grpc`) and `dagster-daemon run`, both subprocesses on the
production instance config (deploy/dagster.yaml, dagster-postgres). Importing a portfolio must
trigger onboarding (both runs, report readable); two concurrent force reruns writing one portfolio
(one naming it, one over every active portfolio, which has no `portfolio` tag) must not overlap; a
run whose worker and code server are SIGKILLed mid-run (a host crash) must be failed by run
monitoring, and a rerun must leave exactly one row per key. Everything is bounded by timeouts;
processes are killed and both databases dropped at the end.
"""

import json
import os
import signal
import subprocess
import time
from datetime import UTC, datetime

import dagster as dg
import pytest
from sqlalchemy import create_engine, text

from sigmasight_assets.pipeline.tags import LEVEL_TAG, ONBOARDING_TAG, PORTFOLIO_JOB, portfolio_range_tags
from sigmasight_resources import calendar
from sigmasight_resources.db.report import build_report
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.portfolio_import import import_portfolio
from sigmasight_resources.users import ensure_user
from tests.support.daemon import BIN, HISTORY_SESSIONS, Processes, finished, portfolio_csv, wait_for

pytestmark = pytest.mark.timeout(420)

S = dg.DagsterRunStatus


def launch(processes: Processes, tags: dict[str, str]) -> subprocess.Popen:
    """A force rerun through the run queue, as the UI's launch dialog does: `dagster job launch`."""
    return subprocess.Popen(
        [
            str(BIN / "dagster"),
            "job",
            "launch",
            "-w",
            "workspace.yaml",
            "-l",
            "sigmasight",
            "-j",
            PORTFOLIO_JOB,
            "--tags",
            json.dumps(tags),
        ],
        cwd=processes.workdir,
        env=processes.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def stored_rows(db: ResultsDB, portfolio_id: int) -> dict[str, list[dict[str, object]]]:
    """The portfolio's rows per table as {column: value}, run_id included, sorted by their values in column order."""
    tables = ("position_values", "portfolio_snapshots", "stress_tests", "data_quality")
    with db.engine.connect() as conn:
        return {
            t: sorted(
                (
                    dict(r._mapping)
                    for r in conn.execute(text(f"SELECT * FROM {t} WHERE portfolio_id = :p"), {"p": portfolio_id})
                ),
                key=lambda row: tuple(row.values()),
            )
            for t in tables
        }


def test_daemon_onboards_serializes_reruns_and_recovers_from_a_crash(stack):
    instance, db, processes = stack
    latest = calendar.latest_closed_session(datetime.now(UTC))
    entry = calendar.previous_sessions(latest, HISTORY_SESSIONS - 1)
    days = calendar.sessions(entry, latest)

    # 1. import → onboarding sensor → day-level run → portfolio-level run → report readable
    began = time.monotonic()
    with db.transaction() as session:
        ensure_user(session, "ops@example.com")
    portfolio_id = import_portfolio(db, portfolio_csv(entry.isoformat()), "ops", "ops@example.com", today=latest)
    key = str(portfolio_id)

    def report_complete():
        runs = instance.get_runs(dg.RunsFilter(tags={ONBOARDING_TAG: key}))
        assert not any(r.status == S.FAILURE for r in runs), [r.run_id for r in runs]
        if len(runs) < 2 or not all(r.status == S.SUCCESS for r in runs):
            return None
        with db.transaction() as session:
            return build_report(session, portfolio_id, latest)

    report = wait_for("the onboarding runs and the report", report_complete, 150)
    onboarding_seconds = time.monotonic() - began
    # a measurement (target 30 s, README "Measured onboarding latency"), not an assertion: wall time
    # depends on the machine's load, and the waits above bound the test
    print(
        f"\nonboarding: import -> complete report in {onboarding_seconds:.1f} s "
        f"({len(days)} trading days, {report['snapshot']['positions_count']} positions)"
    )
    imported = time.time() - onboarding_seconds
    records = sorted(
        instance.get_run_records(dg.RunsFilter(tags={ONBOARDING_TAG: key})),
        key=lambda r: r.create_timestamp.timestamp(),
    )
    for record in records:
        print(
            f"  {record.dagster_run.tags[LEVEL_TAG]}-level run: "
            f"created +{record.create_timestamp.timestamp() - imported:.1f} s, "
            f"started +{record.start_time - imported:.1f} s, ended +{record.end_time - imported:.1f} s"
        )
    runs = [r.dagster_run for r in records]
    assert sorted(r.tags[LEVEL_TAG] for r in runs) == ["day", "portfolio"]
    assert all(r.tags["portfolio"] == key for r in runs)
    assert report["snapshot"]["nav"] is not None
    before = stored_rows(db, portfolio_id)
    assert len(before["portfolio_snapshots"]) == len(days)

    # 2. two concurrent force reruns writing the portfolio are queued one after the other: one names it,
    #    the other writes every active portfolio and has no `portfolio` tag (the level limit serializes them)
    rerun = portfolio_range_tags(entry.isoformat(), latest.isoformat(), [key])
    every = portfolio_range_tags(entry.isoformat(), latest.isoformat())
    concurrent = {"sigmasight/test": "concurrent"}
    launchers = [launch(processes, {**rerun, **concurrent}), launch(processes, {**every, **concurrent})]
    for launcher in launchers:
        assert launcher.wait(timeout=90) == 0, launcher.stdout.read().decode()
    records = wait_for("both reruns", lambda: finished(instance, {"sigmasight/test": "concurrent"}, 2), 150)
    assert [r.dagster_run.status for r in records] == [S.SUCCESS, S.SUCCESS]
    first, second = sorted(records, key=lambda r: r.start_time)
    assert first.end_time <= second.start_time, "two runs wrote the same portfolio at once"
    settled = stored_rows(db, portfolio_id)

    # 3. host crash mid-run: worker and code server SIGKILLed while the run waits on a lock it needs
    locker = create_engine(db.url)
    with locker.connect() as conn:
        conn.execute(text("LOCK TABLE position_values IN ACCESS EXCLUSIVE MODE"))  # until rollback
        crash = {**rerun, "sigmasight/test": "crash", "dagster/max_runtime": "8"}
        assert launch(processes, crash).wait(timeout=90) == 0

        def worker_pid() -> int | None:
            [run] = instance.get_runs(dg.RunsFilter(tags={"sigmasight/test": "crash"})) or [None]
            if run is None or run.status != S.STARTED:
                return None
            logs = instance.all_logs(run.run_id)
            started = any(e.is_dagster_event and e.dagster_event.event_type_value == "STEP_START" for e in logs)
            pid = next(
                (e.message.split("pid: ")[1].rstrip(").") for e in logs if "Started process for run" in e.message), None
            )
            return int(pid) if started and pid else None

        pid = wait_for("the crash run's worker to start its step", worker_pid, 90)
        time.sleep(1.0)
        os.kill(pid, signal.SIGKILL)
        os.kill(processes.code_server.pid, signal.SIGKILL)  # the host is gone: nothing sees the worker die
        processes.code_server.wait(timeout=30)
        conn.rollback()
    locker.dispose()
    [crashed] = wait_for(
        "run monitoring to fail the crashed run", lambda: finished(instance, {"sigmasight/test": "crash"}, 1), 90
    )
    assert crashed.dagster_run.status == S.FAILURE
    messages = " ".join(e.message for e in instance.all_logs(crashed.dagster_run.run_id))
    assert "maximum runtime" in messages, messages[-2000:]
    assert stored_rows(db, portfolio_id) == settled  # the killed run committed nothing

    # 4. code server back, rerun: rows replaced, one per key, identical values
    processes.start_code_server()
    assert launch(processes, {**rerun, "sigmasight/test": "rerun"}).wait(timeout=90) == 0
    [redone] = wait_for("the rerun", lambda: finished(instance, {"sigmasight/test": "rerun"}, 1), 120)
    assert redone.dagster_run.status == S.SUCCESS
    after = stored_rows(db, portfolio_id)
    assert {t: len(rows) for t, rows in after.items()} == {t: len(rows) for t, rows in before.items()}
    with db.engine.connect() as conn:
        run_ids = set(
            conn.execute(
                text("SELECT DISTINCT run_id FROM portfolio_snapshots WHERE portfolio_id = :p"), {"p": portfolio_id}
            ).scalars()
        )
    assert run_ids == {redone.dagster_run.run_id}
