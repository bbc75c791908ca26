"""API latency: GET .../report and GET .../snapshots at 16 concurrent clients against a live uvicorn server.

Seeds 200 portfolios × 60 trading days of results (10 positions each) straight into a fresh
results DB — materializing 200 portfolios through the asset graph would take far longer than
the measurement and is not what is being measured — with realistic shapes and values: every
table the report reads, 12 factors, 18 stress scenarios, a 10 × 10 correlation matrix and the
data_quality rows. Then starts `uvicorn sigmasight_api.main:app_from_environment` in a
subprocess, warms up, and prints p50/p95/p99 latency and throughput per endpoint.

    .venv/bin/python benchmarks/api_latency.py [--workers 2] [--requests 4000] [--database-url URL]
"""

import argparse
import asyncio
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
from sqlalchemy import insert

from sigmasight_resources import calendar
from sigmasight_resources.db.engine import migrate
from sigmasight_resources.db.models import InvestmentClass, Portfolio, Position, User
from sigmasight_resources.db.results import (
    DataQuality,
    FactorExposure,
    PortfolioBeta,
    PortfolioCorrelation,
    PortfolioSnapshot,
    PortfolioVolatility,
    PositionBeta,
    PositionFactorExposure,
    PositionValue,
    StressResult,
)
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.users import hash_token
from sigmasight_resources.vocabulary import FACTORS

PORTFOLIOS, DAYS, POSITIONS, OWNERS = 200, 60, 10, 20
CONCURRENCY = 16
SCENARIOS = 18
ASSETS = (
    "position_values",
    "portfolio_snapshots",
    "position_betas",
    "factor_exposures",
    "portfolio_volatility",
    "correlations",
    "stress_tests",
)


def seed(url: str) -> dict[int, str]:
    """Write users, portfolios, positions and 60 days of every result table; {portfolio id: owner's token}."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    days = calendar.sessions(date(2025, 6, 1), date(2025, 9, 30))[-DAYS:]
    db = ResultsDB(url)
    tokens = {}
    with db.transaction() as session:
        users = []
        for u in range(OWNERS):
            token = f"bench-token-{u:02d}-" + "x" * 24
            users.append(
                (
                    User(email=f"owner{u}@bench.example", is_admin=False, token_hash=hash_token(token), created_at=now),
                    token,
                )
            )
        session.add_all(u for u, _ in users)
        session.flush()
        for p in range(PORTFOLIOS):
            owner, token = users[p % OWNERS]
            portfolio = Portfolio(owner_id=owner.id, name=f"bench {p}", created_at=now)
            portfolio.positions = [
                Position(
                    symbol=f"B{p % 26:02d}{i}",
                    investment_class=InvestmentClass.PUBLIC,
                    quantity=rng.randint(-200, 500) or 1,
                    entry_price=rng.uniform(20, 400),
                    entry_date=date(2025, 1, 2),
                )
                for i in range(POSITIONS)
            ]
            session.add(portfolio)
            session.flush()
            tokens[portfolio.id] = token
    ids = sorted(tokens)
    with db.transaction() as session:
        positions = {
            pid: list(range((pid - ids[0]) * POSITIONS + 1, (pid - ids[0] + 1) * POSITIONS + 1)) for pid in ids
        }
        for pid in ids:
            rows = _rows(rng, pid, positions[pid], days, now)
            for table, records in rows.items():
                session.execute(insert(table), records)
    db.dispose()
    return tokens


def _rows(rng: random.Random, pid: int, position_ids: list[int], days: list[date], now: datetime) -> dict:
    run = f"bench-{pid:04d}-{'0' * 20}"
    prov = {"run_id": run, "computed_at": now}
    out = {
        t: []
        for t in (
            PositionValue,
            PositionBeta,
            PortfolioSnapshot,
            PortfolioBeta,
            FactorExposure,
            PositionFactorExposure,
            PortfolioVolatility,
            PortfolioCorrelation,
            StressResult,
            DataQuality,
        )
    }
    nav, cumulative = 1_000_000.0, 0.0
    symbols = [f"S{pid}{i}" for i in range(len(position_ids))]
    for day in days:
        pnl = rng.gauss(0, 8_000)
        nav += pnl
        cumulative += pnl
        key = {"date": day, "portfolio_id": pid, **prov}
        for position_id, symbol in zip(position_ids, symbols, strict=True):
            value = rng.uniform(-80_000, 200_000)
            out[PositionValue].append(
                {
                    **key,
                    "position_id": position_id,
                    "symbol": symbol,
                    "investment_class": "PUBLIC",
                    "quantity": 100.0,
                    "price": abs(value) / 100,
                    "market_value": value,
                    "exposure": value,
                    "weight": value / nav,
                    "daily_pnl": rng.gauss(0, 900),
                    "underlying_price": None,
                    "delta": None,
                    "gamma": None,
                    "vega": None,
                    "theta": None,
                    "flag": None,
                }
            )
            out[PositionBeta].append(
                {
                    **key,
                    "position_id": position_id,
                    "symbol": symbol,
                    "market_beta": rng.uniform(0.5, 1.6),
                    "ir_beta": rng.uniform(-0.3, 0.3),
                    "n_obs": 90,
                }
            )
            out[PositionFactorExposure].append(
                {
                    **key,
                    "position_id": position_id,
                    "symbol": symbol,
                    "exposure": value,
                    **{
                        f: rng.gauss(0, 0.5)
                        for f in (
                            "market_beta",
                            "ir_beta",
                            "value",
                            "growth",
                            "momentum",
                            "quality",
                            "size",
                            "low_volatility",
                            "growth_value_spread",
                            "momentum_spread",
                            "size_spread",
                            "quality_spread",
                        )
                    },
                }
            )
        out[PortfolioSnapshot].append(
            {
                **key,
                "nav": nav,
                "long_exposure": nav * 1.2,
                "short_exposure": -nav * 0.2,
                "gross_exposure": nav * 1.4,
                "net_exposure": nav,
                "daily_pnl": pnl,
                "daily_return": pnl / nav,
                "cumulative_pnl": cumulative,
                "positions_count": len(position_ids),
            }
        )
        out[PortfolioBeta].append({**key, "market_beta": rng.uniform(0.7, 1.3), "ir_beta": rng.uniform(-0.2, 0.2)})
        out[FactorExposure].extend(
            {**key, "factor": f, "beta": rng.gauss(0, 0.6), "dollar_exposure": rng.gauss(0, 5e5)} for f in FACTORS
        )
        out[PortfolioVolatility].append(
            {
                **key,
                **{
                    f: abs(rng.gauss(0.2, 0.05))
                    for f in ("realized_21d", "realized_63d", "realized_252d", "har_forecast_1d", "har_forecast_21d")
                },
                **{f: -abs(rng.gauss(0.02, 0.005)) * nav for f in ("var_95", "var_99", "es_95", "es_99")},
            }
        )
        matrix = [
            [1.0 if i == j else round(rng.uniform(-0.2, 0.9), 6) for j in range(len(symbols))]
            for i in range(len(symbols))
        ]
        out[PortfolioCorrelation].append(
            {
                **key,
                "average": 0.35,
                "weighted": 0.4,
                "symbols": symbols,
                "matrix": matrix,
                "clusters": [symbols[:4], symbols[4:]],
                "excluded_positions": 0,
                "factor_matrix": {},
            }
        )
        out[StressResult].extend(
            {
                **key,
                "scenario_id": f"scenario_{s:02d}",
                "name": f"Scenario {s}",
                "category": "market",
                "direct_pnl": rng.gauss(-5e4, 2e4),
                "direct_pct": rng.gauss(-0.05, 0.02),
                "correlated_pnl": rng.gauss(-6e4, 2e4),
                "correlated_pct": rng.gauss(-0.06, 0.02),
            }
            for s in range(SCENARIOS)
        )
        out[DataQuality].extend(
            {
                **key,
                "asset": a,
                "flag": "full_history",
                "message": "all positions analyzed",
                "positions_total": len(position_ids),
                "positions_analyzed": len(position_ids),
                "positions_skipped": {},
                "data_days": 252,
            }
            for a in ASSETS
        )
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


async def load(base: str, paths: list[tuple[str, str]], total: int) -> tuple[list[float], float, int]:
    """`total` requests over CONCURRENCY clients; (latencies in ms, wall seconds, non-200 count)."""
    queue: asyncio.Queue = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(paths[i % len(paths)])
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            path, token = queue.get_nowait()
            began = time.perf_counter()
            response = await http.get(path, headers={"Authorization": f"Bearer {token}"})
            latencies.append((time.perf_counter() - began) * 1000)
            errors += response.status_code != 200

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        began = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(CONCURRENCY)))
        return latencies, time.perf_counter() - began, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2: one per core)")
    parser.add_argument("--requests", type=int, default=4000, help="measured requests per endpoint")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite in a temp dir)")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="sigmasight-bench-"))
    url = args.database_url or f"sqlite:///{home / 'results.db'}"
    migrate(url)
    began = time.perf_counter()
    tokens = seed(url)
    print(
        f"seeded {PORTFOLIOS} portfolios × {DAYS} days × {POSITIONS} positions in {time.perf_counter() - began:.0f} s "
        f"({url.split(':')[0]})"
    )

    port = free_port()
    env = {
        **os.environ,
        "SIGMASIGHT_HOME": str(home),
        "SIGMASIGHT_DATABASE_URL": url,
        "DAGSTER_HOME": str(home / "dagster"),
        "SIGMASIGHT_PARTITIONS_START": "2025-01-02",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "sigmasight_api.main:app_from_environment",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.time() > deadline or server.poll() is not None:
                raise SystemExit("the server did not become healthy")
            time.sleep(0.5)
        ids = sorted(tokens)
        rng = random.Random(11)
        print(
            f"server: uvicorn, {args.workers} worker(s); {CONCURRENCY} concurrent clients (httpx async); "
            f"{args.requests} requests per endpoint after a warm-up"
        )
        print(f"{'endpoint':<34}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'req/s':>9}{'non-200':>9}")
        for label, suffix in (
            ("GET /portfolios/{id}/report", "report"),
            ("GET /portfolios/{id}/snapshots", "snapshots?limit=60"),
        ):
            paths = [(f"/api/v1/portfolios/{pid}/{suffix}", tokens[pid]) for pid in rng.choices(ids, k=1000)]
            asyncio.run(load(base, paths, 400))  # warm-up: connections, caches, worker imports
            latencies, seconds, errors = asyncio.run(load(base, paths, args.requests))
            print(
                f"{label:<34}{percentile(latencies, 0.5):>8.1f}{percentile(latencies, 0.95):>8.1f}"
                f"{percentile(latencies, 0.99):>8.1f}{len(latencies) / seconds:>9.0f}{errors:>9}"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
