"""`dagster dev` (webserver, daemon and the code location of workspace.yaml) on a temporary SQLite instance, and
the webserver's GraphQL over HTTP: the calls the UI makes.

The instance is the repository's dagster.yaml (what `sigmasight init` installs), the results DB a migrated
SQLite file, the market data the simulator; the code location reads the same settings from the environment
as the test process, so both build the same definitions.
"""

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import httpx

from sigmasight_assets.runs.instance import instance_config
from sigmasight_resources.db.engine import migrate
from tests.support.daemon import BIN, REPO, free_port, wait_for

WORKSPACE = (
    "load_from:\n  - python_module:\n      module_name: sigmasight_assets.definitions\n"
    "      attribute: defs\n      location_name: sigmasight\n"
)


@dataclass
class Webserver:
    url: str
    instance: dg.DagsterInstance
    workdir: Path

    def graphql(self, query: str, **variables) -> dict:
        response = httpx.post(f"{self.url}/graphql", json={"query": query, "variables": variables}, timeout=120)
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def log_tail(self) -> str:
        return (self.workdir / "dagster_dev.log").read_text()[-6000:]


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/server_info", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _location_loaded(server: "Webserver") -> bool:
    data = server.graphql(
        "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus"
        " locationOrLoadError { __typename ... on PythonError { message } } } } } }"
    )
    [entry] = data["workspaceOrError"]["locationEntries"]
    error = entry["locationOrLoadError"]
    assert error is None or error["__typename"] != "PythonError", error
    return entry["loadStatus"] == "LOADED" and error is not None


@contextmanager
def dagster_dev(workdir: Path, monkeypatch, partitions_start: date) -> Iterator[Webserver]:
    """`dagster dev` in `workdir` (its own session, killed with its children at the end)."""
    home = workdir / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(instance_config(1, home))  # what `sigmasight init` installs
    with dg.DagsterInstance.from_config(str(home)):  # creates its storage first, as `make ui`'s init does:
        pass  # `dagster dev` and this process creating the SQLite files at once race ("table ... already exists")
    (workdir / "workspace.yaml").write_text(WORKSPACE)
    results = f"sqlite:///{workdir / 'results.db'}"
    migrate(results)
    env = {
        "DAGSTER_HOME": str(home),
        "SIGMASIGHT_HOME": str(workdir / "home"),
        "SIGMASIGHT_DATABASE_URL": results,
        "SIGMASIGHT_MARKET_DATA": "simulated",
        "SIGMASIGHT_PARTITIONS_START": partitions_start.isoformat(),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    port = free_port()
    log = (workdir / "dagster_dev.log").open("ab")
    process = subprocess.Popen(
        [str(BIN / "dagster"), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=workdir,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            server = Webserver(url, instance, workdir)
            wait_for("the webserver", lambda: process.poll() is None and _up(url) or process.poll() is not None, 180, 1)
            assert process.poll() is None, server.log_tail()
            wait_for("the code location", lambda: _location_loaded(server), 180, 1)
            wait_for("the daemon's heartbeats", lambda: len(instance.get_daemon_heartbeats()) >= 3, 120, 1)
            try:
                yield server
            except BaseException:
                print(server.log_tail())
                raise
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: webserver, daemon, code server, workers
        process.wait(timeout=60)
        log.close()
