"""Onboarding benchmark: one 30-position portfolio, empty database, 254 (or --days) trading days, `sigmasight run`.

The earlier system took 894 s for 254 days. Prints the wall time of each CLI step in a fresh
SIGMASIGHT_HOME (SQLite results DB and the Dagster instance `sigmasight init` installs), then the
same materialization in process against an in-memory Dagster instance, and the orchestrator's
floor for the same run shape (`dagster_overhead.run_noop`: a day-level run of 4 no-op assets and
a portfolio-level run of 8 with the per-day check, over the same days, with the CLI's event
settings) on both instances. The analytics are the in-memory run less its floor; the bar is
`sigmasight run` within 1.5x of the SQLite floor plus the analytics.

    .venv/bin/python benchmarks/onboarding.py [--days 756]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the `benchmarks` package

from benchmarks.dagster_overhead import environment, local_home, run_noop
from sigmasight_assets.assets import DAY_ASSETS, PORTFOLIO_ASSETS
from sigmasight_assets.cli import DAGSTER_EVENT_SETTINGS
from sigmasight_assets.definitions import build_definitions
from sigmasight_assets.runs.in_process import run_range
from sigmasight_resources import calendar
from sigmasight_resources.db.engine import migrate
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.portfolio_import import import_portfolio
from sigmasight_resources.settings import load_settings
from sigmasight_resources.users import create_user

TARGETS = {254: 10.0, 756: 20.0}  # seconds for `sigmasight run` (the performance issue's targets)
SYMBOLS = [
    "AAPL",
    "MSFT",
    "AMZN",
    "GOOGL",
    "META",
    "NVDA",
    "TSLA",
    "AVGO",
    "JPM",
    "V",
    "JNJ",
    "PG",
    "HD",
    "UNH",
    "XOM",
    "LLY",
    "COST",
    "BRK.B",
    "GS",
    "ORCL",
    "AMD",
    "INTC",
    "TSM",
    "PANW",
    "UBER",
    "KO",
    "PEP",
    "WMT",
    "DIS",
]
CLI = str(Path(sys.executable).with_name("sigmasight"))


def portfolio_csv(start) -> bytes:
    lines = ["symbol,quantity,entry_price,entry_date"]
    lines += [f"{s},{(i % 7 + 1) * 25},100.00,{start.isoformat()}" for i, s in enumerate(SYMBOLS)]
    lines.append(f"SPY270115P00600000,10,28.00,{start.isoformat()}")
    return ("\n".join(lines) + "\n").encode()


def timed(args: list[str], env: dict) -> tuple[float, str]:
    began = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - began, done.stdout


def floor_seconds(instance: dg.DagsterInstance, start: str, end: str) -> float:
    """The no-op runs of onboarding's shape: day level (4 assets), portfolio level (8 and the check)."""
    with environment(DAGSTER_EVENT_SETTINGS):
        day = run_noop(instance, start, end, with_check=False, count=len(DAY_ASSETS))[1]
        portfolio = run_noop(instance, start, end, with_check=True, count=len(PORTFOLIO_ASSETS))[1]
    return day + portfolio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=254)
    days = parser.parse_args().days
    end = calendar.latest_closed_session(datetime.now(UTC))
    start = calendar.previous_sessions(end, days - 1)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "SIGMASIGHT_HOME": home, "SIGMASIGHT_PARTITIONS_START": start.isoformat()}
        env.pop("DAGSTER_HOME", None)
        csv = Path(home) / "portfolio.csv"
        csv.write_bytes(portfolio_csv(start))
        steps = {
            "init": [CLI, "init"],
            "users add": [CLI, "users", "add", "bench@example.com"],
            "portfolios import": [
                CLI,
                "portfolios",
                "import",
                str(csv),
                "--name",
                "Bench",
                "--owner",
                "bench@example.com",
            ],
        }
        seconds = {name: timed(args, env)[0] for name, args in steps.items()}
        seconds["run"] = timed([CLI, "run", "--start", start.isoformat(), "--end", end.isoformat()], env)[0]

    with tempfile.TemporaryDirectory() as home:
        url = f"sqlite:///{home}/results.db"
        migrate(url)
        db = ResultsDB(url)
        with db.transaction() as session:
            create_user(session, "bench@example.com")
        pid = import_portfolio(db, portfolio_csv(start), "Bench", "bench@example.com", end)
        defs = build_definitions(load_settings(database_url=url, partitions_start=start))
        with environment(DAGSTER_EVENT_SETTINGS):
            began = time.perf_counter()
            outcomes = run_range(defs, dg.DagsterInstance.ephemeral(), start, end, [pid])
            in_memory = time.perf_counter() - began
        assert all(o.success for o in outcomes)

    with tempfile.TemporaryDirectory() as root:
        with dg.DagsterInstance.from_config(local_home(root)) as instance:
            floor_sqlite = floor_seconds(instance, start.isoformat(), end.isoformat())
        with dg.DagsterInstance.ephemeral() as instance:
            floor_memory = floor_seconds(instance, start.isoformat(), end.isoformat())
    analytics = max(in_memory - floor_memory, 0.0)
    bound = 1.5 * (floor_sqlite + analytics)

    print(f"onboarding: {len(SYMBOLS) + 1} positions, {days} trading days {start}..{end}")
    print(f"{'step':<36}{'seconds':>10}")
    rows = {f"sigmasight {name}": value for name, value in seconds.items()}
    rows |= {
        "end to end (CLI, SQLite)": sum(seconds.values()),
        "run, in-memory instance": in_memory,
        "floor, SQLite instance": floor_sqlite,
        "floor, in-memory instance": floor_memory,
        "analytics (in-memory run - floor)": analytics,
        "1.5 x (SQLite floor + analytics)": bound,
    }
    for name, value in rows.items():
        print(f"{name:<36}{value:>10.1f}")
    met = "met" if seconds["run"] <= bound else "not met"
    print(f"sigmasight run within 1.5 x (floor + analytics): {met} ({seconds['run']:.1f} s vs {bound:.1f} s)")
    target = TARGETS.get(days)
    if target is not None:
        verdict = "met" if seconds["run"] <= target else "not met"
        print(f"target for sigmasight run at {days} days: <= {target:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
