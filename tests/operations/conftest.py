"""Operations fixtures: the bench (a migrated results DB on SQLite and PostgreSQL, the code location built
on it, a temporary Dagster instance), and the daemon stack (a code server and `dagster-daemon run` on the
production instance config, with PostgreSQL instance storage and results DB)."""

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg
import pytest
from sqlalchemy.engine import make_url

from sigmasight_assets.cli import DAGSTER_EVENT_SETTINGS
from sigmasight_assets.definitions import build_definitions
from sigmasight_resources import calendar
from sigmasight_resources.db.engine import migrate
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.settings import load_settings
from tests.support.bench import PARTITIONS_START, Bench
from tests.support.daemon import HISTORY_SESSIONS, REPO, Processes, free_port, sensors_ticked, wait_for
from tests.support.postgres import create_postgres_database

FIRST_TICKS = {"portfolio_onboarding_sensor", "portfolio_close_sensor"}  # a running daemon's steady state


@pytest.fixture
def bench(db_url, tmp_path) -> Bench:
    settings = load_settings(database_url=db_url, partitions_start=PARTITIONS_START, market_data="simulated")
    defs = build_definitions(settings)
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        db = ResultsDB(db_url)
        yield Bench(db, defs, instance)
        db.dispose()


@pytest.fixture
def stack(tmp_path, monkeypatch) -> Iterator[tuple[dg.DagsterInstance, ResultsDB, Processes]]:
    results_url, drop_results = create_postgres_database("sigmasight_results")
    dagster_url, drop_dagster = create_postgres_database("sigmasight_dagster")
    processes = None
    try:
        migrate(results_url)
        pg = make_url(dagster_url)
        home = tmp_path / "dagster_home"
        home.mkdir()
        shutil.copyfile(REPO / "deploy" / "dagster.yaml", home / "dagster.yaml")  # the production config
        port = free_port()
        (tmp_path / "workspace.yaml").write_text(
            "load_from:\n  - grpc_server:\n      host: 127.0.0.1\n"
            f"      port: {port}\n      location_name: sigmasight\n"
        )
        latest = calendar.latest_closed_session(datetime.now(UTC))
        env = {
            "DAGSTER_HOME": str(home),
            "DAGSTER_PG_HOST": pg.host or "127.0.0.1",
            "DAGSTER_PG_PORT": str(pg.port or 5432),
            "DAGSTER_PG_USERNAME": pg.username or "postgres",
            "DAGSTER_PG_PASSWORD": pg.password or "unused",
            "DAGSTER_PG_DB": pg.database,
            "SIGMASIGHT_DATABASE_URL": results_url,
            "SIGMASIGHT_HOME": str(tmp_path / "home"),
            "SIGMASIGHT_MARKET_DATA": "simulated",
            "SIGMASIGHT_PARTITIONS_START": calendar.previous_sessions(latest, HISTORY_SESSIONS + 10).isoformat(),
            **DAGSTER_EVENT_SETTINGS,  # the deployment's (deploy/README.md), however pytest is invoked
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        processes = Processes(tmp_path, {**os.environ, "PYTHONPATH": str(REPO)}, port)
        processes.start_code_server()
        processes.start_daemon()
        db = ResultsDB(results_url)
        with dg.DagsterInstance.from_config(str(home)) as instance:
            wait_for("the daemon's heartbeats", lambda: len(instance.get_daemon_heartbeats()) >= 3, 60, 0.5)
            wait_for("the sensors' first ticks", lambda: sensors_ticked(instance, FIRST_TICKS), 60, 0.5)
            try:
                yield instance, db, processes
            except BaseException:
                print(processes.log_tail())
                raise
            finally:
                processes.stop()
                db.dispose()
    finally:
        if processes is not None:
            processes.stop()
        drop_results()
        drop_dagster()
