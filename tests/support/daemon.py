"""A code server and a `dagster-daemon` as subprocesses, for the daemon tests (tests/operations/test_daemon.py,
test_concurrent_launch.py), with polling helpers bounded by timeouts and the portfolio they import."""

import csv
import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg

from sigmasight_resources.demo import demo_csv

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HISTORY_SESSIONS = 40  # the portfolio's range, as the performance target's (13 positions × 40 days)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check: Callable[[], object], timeout: float, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def sensors_ticked(instance: dg.DagsterInstance, names: set[str]) -> bool:
    """Each named sensor has finished a tick: the daemon's first loop, which evaluates every sensor
    in turn for the first time, is behind it (a deployment's steady state)."""
    states = [s for s in instance.all_instigator_state() if s.instigator_name in names]
    done = [s for s in states if instance.get_ticks(s.instigator_origin_id, s.selector_id, limit=1)]
    return len({s.instigator_name for s in done}) == len(names)


class Processes:
    """The code server and the daemon as subprocesses, with their output in files for post-mortems."""

    def __init__(self, workdir: Path, env: dict[str, str], port: int) -> None:
        self.workdir, self.env, self.port = workdir, env, port
        self.code_server: subprocess.Popen | None = None
        self.daemon: subprocess.Popen | None = None

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.workdir / f"{name}.log").open("ab")
        return subprocess.Popen(
            args, cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start_code_server(self) -> None:
        self.code_server = self._spawn(
            "code_server",
            str(BIN / "dagster"),
            "api",
            "grpc",
            "-m",
            "sigmasight_assets.definitions",
            "-a",
            "defs",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "--location-name",
            "sigmasight",
        )
        wait_for("the code server", self._code_server_up, 60, 0.5)

    def _code_server_up(self) -> bool:
        assert self.code_server.poll() is None, (self.workdir / "code_server.log").read_text()[-3000:]
        probe = subprocess.run(
            [str(BIN / "dagster"), "api", "grpc-health-check", "-p", str(self.port)],
            env=self.env,
            capture_output=True,
            timeout=30,
        )
        return probe.returncode == 0

    def start_daemon(self) -> None:
        self.daemon = self._spawn("daemon", str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml")

    def stop(self) -> None:
        for process in (self.daemon, self.code_server):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)  # its own session: the run workers go with it
                process.wait(timeout=30)

    def log_tail(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-4000:]}" for p in self.workdir.glob("*.log"))


def portfolio_csv(entry: str) -> bytes:
    rows = list(csv.DictReader(io.StringIO(demo_csv("balanced_individual_investor.csv").decode())))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "entry_date": entry})
    return out.getvalue().encode()


def finished(instance: dg.DagsterInstance, tags: dict[str, str], count: int) -> list[dg.RunRecord] | None:
    records = instance.get_run_records(dg.RunsFilter(tags=tags))
    done = [r for r in records if r.dagster_run.is_finished]
    return done if len(records) >= count and len(done) == len(records) else None
