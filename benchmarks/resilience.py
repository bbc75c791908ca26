"""Resilience benchmark: the figures behind tests/market_data/test_polygon_resilience.py and
tests/test_malformed_csv.py, from the same fault server and CSV generators.

- polygon_faults: 100 symbols × 2024 daily bars through the local fake Polygon, 20% of requests
  answered 429 (Retry-After: 2), 500 or stalled past the 0.5 s read timeout, 5% of symbols 404;
  compared with a fault-free fetch from the same server. Backoff waits run on a fake clock
  (their total is reported), so wall time is HTTP plus one read timeout per stall.
- polygon_grouped: the correction window (5 sessions) of a 1,200-symbol universe at Polygon's free
  rate limit (5 requests a minute, on a fake clock): per-symbol aggregates against grouped daily, the
  latter also through the seeded faults; requests sent, minutes the limit takes, closes identical.
- malformed_csv: hypothesis-generated malformed positions CSVs, each fed to the validator,
  `sigmasight portfolios import` (in-process) and `POST /api/v1/portfolios`, over one SQLite
  results DB.
- corrections (tests/operations/test_corrections.py): three portfolios (AAPL, MSFT, XOM) onboarded
  from the local fake Polygon; the vendor corrects an AAPL close, then splits MSFT 2-for-1; per step,
  the day-level and portfolio-level days the close sensor re-materialized (tagged with the reason), the
  daily close's own portfolio-days beside them, and the seconds from the daily run to a quiet sensor
  (SQLite results DB, in-process runs). With SIGMASIGHT_TEST_POSTGRES_URL, on PostgreSQL instead.
- connection_killed (tests/operations/test_connection_killed.py; needs SIGMASIGHT_TEST_POSTGRES_URL):
  the results DB backend terminated inside a portfolio-level write; seconds until the run
  failed, rows before/after, rerun time, rows identical.

Prints one table row per figure, then one JSON line of every figure.

    .venv/bin/python benchmarks/resilience.py
    .venv/bin/python benchmarks/resilience.py --scenario malformed_csv --csv-cases 200
"""

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the `benchmarks` package

from benchmarks.scenarios.connection_kill import connection_killed_scenario
from benchmarks.scenarios.corrections import run_corrections_scenario
from benchmarks.scenarios.malformed_csv import Attempt, import_surfaces, malformed_csvs
from benchmarks.scenarios.polygon_faults import grouped_daily_cost, run_fault_scenario
from benchmarks.scenarios.postgres import create_database


def polygon_faults(args: argparse.Namespace) -> dict[str, object]:
    return run_fault_scenario(args.symbols, args.fault_rate, args.missing_share, args.seed).figures()


def polygon_grouped(args: argparse.Namespace) -> dict[str, object]:
    return grouped_daily_cost(args.grouped_symbols, fault_rate=args.fault_rate, seed=args.seed)


def malformed_csv(args: argparse.Namespace) -> dict[str, object]:
    attempts: list[Attempt] = []

    @seed(args.seed)
    @settings(
        max_examples=args.csv_cases,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=malformed_csvs())
    def feed(case) -> None:
        attempts.append(surfaces.attempt(case.data))

    with tempfile.TemporaryDirectory() as home, import_surfaces(f"sqlite:///{home}/results.db", Path(home)) as surfaces:
        wall, cpu = time.perf_counter(), time.process_time()
        feed()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "cases": len(attempts),
        "validator_accepted": sum(a.problems == 0 for a in attempts),
        "cli_nonzero_exit": sum(a.cli_exit != 0 for a in attempts),
        "cli_tracebacks": sum(a.cli_traceback for a in attempts),
        "api_4xx": sum(400 <= a.api_status < 500 for a in attempts),
        "api_5xx": sum(a.api_status >= 500 for a in attempts),
        "rows_written": sum(a.rows_written for a in attempts),
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
    }


def corrections(args: argparse.Namespace) -> dict[str, object]:
    admin_url = os.environ.get("SIGMASIGHT_TEST_POSTGRES_URL")
    if not admin_url:
        return run_corrections_scenario()
    url, drop = create_database(admin_url, "sigmasight_corrections")
    try:
        return {"backend": "postgresql", **run_corrections_scenario(url)}
    finally:
        drop()


def connection_killed(args: argparse.Namespace) -> dict[str, object]:
    admin_url = os.environ.get("SIGMASIGHT_TEST_POSTGRES_URL")
    if not admin_url:
        return {"skipped": "set SIGMASIGHT_TEST_POSTGRES_URL (PostgreSQL terminates the backend)"}
    return connection_killed_scenario(admin_url).figures()


# The scenarios, in run order: each takes the parsed arguments and returns {figure: value}.
SCENARIOS: dict[str, Callable[[argparse.Namespace], dict[str, object]]] = {
    "polygon_faults": polygon_faults,
    "polygon_grouped": polygon_grouped,
    "malformed_csv": malformed_csv,
    "corrections": corrections,
    "connection_killed": connection_killed,
}


def print_table(figures: dict[str, dict[str, object]]) -> None:
    rows = [(name, key, _show(value)) for name, values in figures.items() for key, value in values.items()]
    widths = [max(len(row[i]) for row in [("scenario", "figure", "value"), *rows]) for i in range(3)]
    for row in [("scenario", "figure", "value"), tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _show(value: object) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenario", action="append", choices=list(SCENARIOS), help="run only this scenario (repeatable); default: all"
    )
    parser.add_argument("--seed", type=int, default=20240101, help="seed of the faults and of the CSV cases")
    parser.add_argument("--symbols", type=int, default=100)
    parser.add_argument("--fault-rate", type=float, default=0.2, help="share of Polygon requests faulted")
    parser.add_argument("--missing-share", type=float, default=0.05, help="share of symbols answering 404")
    parser.add_argument("--grouped-symbols", type=int, default=1200, help="universe of the grouped daily scenario")
    parser.add_argument("--csv-cases", type=int, default=1000)
    args = parser.parse_args()
    logging.getLogger("sigmasight_resources.market_data.polygon").setLevel(logging.ERROR)  # retries are counted

    figures = {name: SCENARIOS[name](args) for name in args.scenario or SCENARIOS}
    print_table(figures)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
