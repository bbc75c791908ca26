"""Onboarding benchmark: one 30-position portfolio, empty database, 254 trading days through `sigmasight run`.

The earlier system took 894 s for this. Prints the wall time of each CLI step in a fresh
SIGMASIGHT_HOME (SQLite results DB and Dagster instance), then the same materialization in
process against an in-memory Dagster instance, which separates the analytics from the cost of
Dagster's SQLite event log (one event per partition and asset).

    .venv/bin/python benchmarks/onboarding.py
"""

import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from sigmasight_assets.definitions import build_definitions
from sigmasight_assets.runs.in_process import run_range
from sigmasight_resources import calendar
from sigmasight_resources.db.engine import migrate
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.portfolio_import import import_portfolio
from sigmasight_resources.settings import load_settings
from sigmasight_resources.users import create_user

DAYS = 254
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


def main() -> None:
    end = calendar.latest_closed_session(datetime.now(UTC))
    start = calendar.previous_sessions(end, DAYS - 1)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "SIGMASIGHT_HOME": home}
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
        defs = build_definitions(load_settings(database_url=url))
        began = time.perf_counter()
        outcomes = run_range(defs, dg.DagsterInstance.ephemeral(), start, end, [pid])
        in_memory = time.perf_counter() - began
        assert all(o.success for o in outcomes)

    print(f"onboarding: {len(SYMBOLS) + 1} positions, {DAYS} trading days {start}..{end}")
    print(f"{'step':<28}{'seconds':>10}")
    for name, value in seconds.items():
        print(f"{'sigmasight ' + name:<28}{value:>10.1f}")
    print(f"{'end to end (CLI, SQLite)':<28}{sum(seconds.values()):>10.1f}")
    print(f"{'run, in-memory instance':<28}{in_memory:>10.1f}")
    print("earlier system: 894 s; target: <= 15 s")


if __name__ == "__main__":
    main()
