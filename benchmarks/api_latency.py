"""API latency: GET .../report and GET .../snapshots against a live `sigmasight api` server.

Seeds 200 portfolios × 60 trading days of results (`benchmarks/scenarios/api_seed.py`) into a
fresh results DB, starts `sigmasight api` in a subprocess (its log in HOME/server.log), warms up
and prints latency per endpoint. Closed loop (default): `--clients` clients back to back, p50/p95/
p99 and throughput. Open loop (`--rate R`): R requests/s on a fixed timetable for `--duration` s,
latency from each scheduled send time. `--find-max` raises the rate until p95 passes `--target-p95`
and prints the highest rate that met it. Any dropped connection or 5xx fails the run (exit 1), with
the server's warnings and worker restarts printed.

    .venv/bin/python benchmarks/api_latency.py [--workers 2] [--requests 2000] [--clients 16]
        [--rate 100 [--duration 20] | --find-max [--target-p95 30]] [--home DIR] [--database-url URL]
"""

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the `benchmarks` package

from benchmarks.scenarios.api_load import Result, closed_loop, open_loop
from benchmarks.scenarios.api_seed import DAYS, PORTFOLIOS, POSITIONS, seed
from sigmasight_resources.db.engine import migrate

ENDPOINTS = {"report": "report", "snapshots": "snapshots?limit=60"}
OPEN_LOOP_CONNECTIONS = 64
WARM_UP = 400
# Lines of the server log worth showing: uvicorn logs a worker it killed and restarted at INFO.
LOG_MARKERS = ("died", "Traceback", "ERROR", "WARNING", "Exception")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seeded(home: Path, database_url: str | None) -> tuple[str, dict[int, str]]:
    """(results URL, {portfolio id: owner's token}); seeds HOME once, later runs with `--home` reuse it."""
    url = database_url or f"sqlite:///{home / 'results.db'}"
    marker = home / "tokens.json"
    migrate(url)  # also brings reused data to the latest schema
    if marker.exists():
        stored = json.loads(marker.read_text())
        if stored["url"] == url:
            print(f"reusing the seeded data in {home}")
            return url, {int(k): v for k, v in stored["tokens"].items()}
    began = time.perf_counter()
    tokens = seed(url)
    marker.write_text(json.dumps({"url": url, "tokens": tokens}))
    print(
        f"seeded {PORTFOLIOS} portfolios × {DAYS} days × {POSITIONS} positions in {time.perf_counter() - began:.0f} s "
        f"({url.split(':')[0]})"
    )
    return url, tokens


def start_server(home: Path, url: str, workers: int) -> tuple[subprocess.Popen, str, Path]:
    """`sigmasight api` on a free port, healthy; (process, base URL, log path)."""
    port = free_port()
    env = {
        **os.environ,
        "SIGMASIGHT_HOME": str(home),
        "SIGMASIGHT_DATABASE_URL": url,
        "DAGSTER_HOME": str(home / "dagster"),
        "SIGMASIGHT_PARTITIONS_START": "2025-01-02",
    }
    command = [str(Path(sys.executable).with_name("sigmasight")), "api", "--port", str(port)]
    log = home / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [*command, "--workers", str(workers), "--no-access-log"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return server, base, log
        except httpx.TransportError:
            pass
        if time.time() > deadline or server.poll() is not None:
            server.kill()
            raise SystemExit(f"the server did not become healthy; see {log}")
        time.sleep(0.5)


def row(label: str, result: Result, rate: float | None = None) -> str:
    lag = f"{result.pct(0.99, result.send_lag):>9.1f}" if rate else f"{'':>9}"
    offered = f"{rate:>8.0f}" if rate else f"{'':>8}"
    errors = sum(result.transport_errors.values())
    return (
        f"{label:<12}{offered}{result.throughput:>8.0f}{result.pct(0.5):>8.1f}{result.pct(0.95):>8.1f}"
        f"{result.pct(0.99):>8.1f}{max(result.latencies, default=float('nan')):>8.0f}{lag}"
        f"{result.non_200:>8}{errors:>8}"
    )


HEADER = (
    f"{'endpoint':<12}{'rate':>8}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'max ms':>8}"
    f"{'lag p99':>9}{'non-200':>8}{'dropped':>8}"
)


def passes(result: Result, target: float) -> bool:
    return result.pct(0.95) <= target and not result.non_200 and not result.transport_errors


def find_max(base: str, name: str, paths: list, args: argparse.Namespace) -> tuple[float, list[Result]]:
    """Multiply the rate by 1.5 until p95 misses the target, then bisect twice; (highest passing rate, trials)."""
    passed, failed, rate, trials = 0.0, None, float(args.rate or 50), []
    while failed is None or (failed - passed > max(10.0, passed * 0.1) and len(trials) < 12):
        result = asyncio.run(open_loop(base, paths, rate, int(rate * args.duration), OPEN_LOOP_CONNECTIONS))
        trials.append(result)
        print(row(name, result, rate), flush=True)
        if passes(result, args.target_p95):
            passed = rate
        else:
            failed = rate
        rate = rate * 1.5 if failed is None else round((passed + failed) / 2 / 5) * 5
        if rate > args.max_rate:
            break
    return passed, trials


def measure(base: str, tokens: dict[int, str], args: argparse.Namespace) -> list[Result]:
    ids = sorted(tokens)
    rng = random.Random(11)
    mode = (
        f"open loop, {args.duration:.0f} s per rate"
        if args.rate or args.find_max
        else f"closed loop, {args.clients} concurrent clients, {args.requests} requests"
    )
    print(f"server: sigmasight api, {args.workers} worker(s); {mode}; per endpoint after a {WARM_UP}-request warm-up")
    print(HEADER)
    results = []
    for name in args.endpoints.split(","):
        paths = [(f"/api/v1/portfolios/{pid}/{ENDPOINTS[name]}", tokens[pid]) for pid in rng.choices(ids, k=1000)]
        asyncio.run(closed_loop(base, paths, WARM_UP, args.clients))  # connections, caches, worker imports
        if args.find_max:
            best, trials = find_max(base, name, paths, args)
            results += trials
            print(f"{name}: highest rate with p95 ≤ {args.target_p95:g} ms: {best:.0f} requests/s")
        elif args.rate:
            total = int(args.rate * args.duration)
            results.append(asyncio.run(open_loop(base, paths, args.rate, total, OPEN_LOOP_CONNECTIONS)))
            print(row(name, results[-1], args.rate), flush=True)
        else:
            results.append(asyncio.run(closed_loop(base, paths, args.requests, args.clients)))
            print(row(name, results[-1]), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2: one per core)")
    parser.add_argument("--requests", type=int, default=4000, help="closed loop: measured requests per endpoint")
    parser.add_argument("--clients", type=int, default=16, help="closed loop: concurrent clients")
    parser.add_argument("--rate", type=float, help="open loop: requests per second (with --find-max: the first rate)")
    parser.add_argument("--duration", type=float, default=20, help="open loop: seconds per rate")
    parser.add_argument("--find-max", action="store_true", help="open loop: highest rate meeting --target-p95")
    parser.add_argument("--target-p95", type=float, default=30, help="ms (default 30)")
    parser.add_argument("--max-rate", type=float, default=3000, help="--find-max stops above this rate")
    parser.add_argument("--endpoints", default="report,snapshots", help="comma-separated: report, snapshots")
    parser.add_argument("--home", type=Path, help="data directory, seeded once and reused (default: a temp dir)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite in HOME)")
    args = parser.parse_args()

    home = args.home or Path(tempfile.mkdtemp(prefix="sigmasight-bench-"))
    home.mkdir(parents=True, exist_ok=True)
    url, tokens = seeded(home, args.database_url)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` stops the server
    server, base, log = start_server(home, url, args.workers)
    print("load average at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    try:
        results = measure(base, tokens, args)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("load average at end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    notes = [line.rstrip() for line in log.read_text().splitlines() if any(m in line for m in LOG_MARKERS)]
    dropped = sum((r.transport_errors for r in results), start=Counter())
    for line in notes:
        print(f"server log: {line}")
    if dropped:
        print(f"dropped connections: {dict(dropped)}")
    if dropped or notes or any(r.non_200 for r in results if not args.find_max):
        sys.exit(1)


if __name__ == "__main__":
    main()
