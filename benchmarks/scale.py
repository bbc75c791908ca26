"""Scale benchmark: N simulated portfolios over D trading days, rebuilt and then advanced one day.

Generates N portfolios of M positions drawn from a U-symbol universe (about 10% options, some
shorts, a private position in every fifth portfolio, entry dates spread over the period) in an
empty results DB, then measures, each phase in a fresh child process through a Dagster instance
on the same backend (dagster-postgres for PostgreSQL):

- rebuild: every asset for every portfolio over the D days (one day-level run, one portfolio-level run);
- daily: the next trading day for every portfolio, as the daily path plans it (the day-level run,
  then one portfolio-level run for all portfolios that lack the day);
- status: reading the materialization status of every partition of `position_values` (the largest
  portfolio-level asset) from the instance, as the API's asset summary and the Dagster UI do.

The daily phase runs `--daily-runs` times, on consecutive sessions after the rebuilt range (each
a fresh child process); `daily_s` is the median, and `daily_portfolio_s` the median of its
portfolio-level run alone (what the history length can change), `daily_cpu_s` the median CPU
seconds of the phase process (steadier than wall time on a shared machine; the PostgreSQL
server's work is not in it). Peak RSS is reported per phase and per level (each level of a phase
runs in its own child).

Prints each N's figures as a JSON line as soon as they are measured (smallest N first), then a
table for --portfolios, the cost table over `--cost-sizes`, the history table over
`--history-sizes` (the daily path at --portfolios for each history length), and as its last line
one JSON object (rebuild_s, daily_s, peak_rss_mb, rows_per_s, status_query_s for --portfolios).

    .venv/bin/python benchmarks/scale.py                      # defaults: 200 × 30 positions, 1200 symbols, 756 days
    .venv/bin/python benchmarks/scale.py --portfolios 20 --days 120 --cost-sizes ""
    .venv/bin/python benchmarks/scale.py --portfolios 25 --cost-sizes "" --history-sizes 252,756,1512
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from sigmasight_assets.automation.sensors import split_groups
from sigmasight_assets.cli import DAGSTER_EVENT_SETTINGS

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
END = date(2025, 10, 31)  # the last rebuilt day; the daily phase adds the session after it
OPTION_SHARE, SHORT_SHARE, PRIVATE_EVERY = 0.10, 0.10, 5


@dataclass
class Figures:
    portfolios: int
    positions: int
    days: int
    rebuild_s: float
    daily_s: float
    peak_rss_mb: float
    rows_written: int
    rows_per_s: float
    status_query_s: float
    status_partitions: int
    rebuild_rss_mb: float
    daily_rss_mb: float
    daily_portfolio_s: float
    daily_samples: list[float]
    daily_cpu_s: float  # the phase processes' own CPU seconds: steadier than wall time on a shared machine
    rss_by_level: dict[str, float]  # peak RSS of each phase's day-level and portfolio-level child


def universe(size: int) -> list[str]:
    """`size` distinct four-letter tickers (deterministic)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = []
    for i in range(size):
        code, name = i + 26**3, ""
        while code:
            code, digit = divmod(code, 26)
            name = letters[digit] + name
        out.append(name[-4:])
    return out


def generate(url: str, portfolios: int, positions: int, symbols: list[str], days: list[date]) -> int:
    """Insert the portfolios; returns the number of positions."""
    from sigmasight_resources.db.models import InvestmentClass, ManualMark, Portfolio, Position, User
    from sigmasight_resources.market_data.simulator import SimulatedMarketData
    from sigmasight_resources.occ import format_occ

    rng = np.random.default_rng(7)
    closes = SimulatedMarketData().daily_closes(symbols, days[0], days[-1]).closes
    closes = closes.pivot(index="date", columns="symbol", values="close")
    closes.index = [d if isinstance(d, date) else d.date() for d in closes.index]
    engine = create_engine(url)
    now = datetime.now(UTC)
    rows: list[dict] = []
    marks: list[dict] = []
    with engine.begin() as conn:
        owner = conn.execute(
            insert(User).returning(User.id),
            [
                {
                    "email": "scale@example.com",
                    "is_admin": False,
                    "token_hash": uuid.uuid4().hex * 2,
                    "created_at": now,
                }
            ],
        ).scalar_one()
        ids = (
            conn.execute(
                insert(Portfolio).returning(Portfolio.id),
                [{"owner_id": owner, "name": f"scale-{i:04d}", "created_at": now} for i in range(portfolios)],
            )
            .scalars()
            .all()
        )
        for pid in ids:
            for j in range(positions):
                entry = days[int(rng.integers(0, len(days) - 1))]
                symbol = symbols[int(rng.integers(0, len(symbols)))]
                price = float(closes.at[entry, symbol]) if symbol in closes.columns else 50.0
                if j == 0 and pid % PRIVATE_EVERY == 0:
                    rows.append(
                        dict(
                            portfolio_id=pid,
                            symbol=f"PRIVATE-FUND-{pid}",
                            investment_class=InvestmentClass.PRIVATE,
                            quantity=1.0,
                            entry_price=250_000.0,
                            entry_date=entry,
                        )
                    )
                    marks.append({"portfolio_id": pid, "mark_date": entry + timedelta(days=90), "price": 262_500.0})
                elif rng.random() < OPTION_SHARE:
                    expiry = entry + timedelta(days=int(rng.integers(120, 540)))
                    kind = "C" if rng.random() < 0.5 else "P"
                    strike = max(1.0, round(price))
                    rows.append(
                        dict(
                            portfolio_id=pid,
                            symbol=format_occ(symbol, expiry, kind, strike),
                            investment_class=InvestmentClass.OPTIONS,
                            quantity=float(rng.integers(1, 20)),
                            entry_price=round(price * 0.08, 2),
                            entry_date=entry,
                            underlying=symbol,
                            option_type=kind,
                            strike=strike,
                            expiry=expiry,
                        )
                    )
                else:
                    sign = -1.0 if rng.random() < SHORT_SHARE else 1.0
                    rows.append(
                        dict(
                            portfolio_id=pid,
                            symbol=symbol,
                            investment_class=InvestmentClass.PUBLIC,
                            quantity=sign * float(rng.integers(10, 500)),
                            entry_price=round(price, 2),
                            entry_date=entry,
                        )
                    )
        conn.execute(insert(Position), rows)
        private = dict(
            conn.execute(
                select(Position.portfolio_id, Position.id).where(Position.investment_class == InvestmentClass.PRIVATE)
            ).all()
        )
        marks = [
            {"position_id": private[m["portfolio_id"]], "mark_date": m["mark_date"], "price": m["price"]}
            for m in marks
            if m["mark_date"] <= days[-1]
        ]
        if marks:
            conn.execute(insert(ManualMark), marks)
    engine.dispose()
    return len(rows)


@contextmanager
def databases(base_url: str):
    """A fresh results DB URL and Dagster home (dagster-postgres storage on PostgreSQL), dropped afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        if make_url(base_url).get_backend_name() == "sqlite":
            home = Path(tmp) / "dagster"
            home.mkdir()
            yield f"sqlite:///{tmp}/results.db", home
            return
        admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
        names = [f"sigmasight_scale_{uuid.uuid4().hex[:10]}" for _ in range(2)]
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(base_url)
            results = url.set(database=names[0]).render_as_string(hide_password=False)
            storage = url.set(drivername="postgresql+psycopg2", database=names[1]).render_as_string(hide_password=False)
            home = Path(tmp) / "dagster"
            home.mkdir()
            (home / "dagster.yaml").write_text(
                f"storage:\n  postgres:\n    postgres_url: {storage}\ntelemetry:\n  enabled: false\n"
            )
            yield results, home
        finally:
            with admin.connect() as conn:
                for name in names:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def phase(results_url: str, home: Path, first: date, start: date, end: date, force: bool, groups: int = 1) -> dict:
    """Run one phase, each level in its own child (its own peak RSS); returns its figures. `first`: the
    partitions start. The day-level run first, then the portfolios in `groups` disjoint portfolio-level
    runs in as many children at once, as the close sensor does with SIGMASIGHT_PORTFOLIO_GROUPS.
    Seconds: with one group, the two runs' own (start-up excluded); with several, the wall time."""
    began = time.perf_counter()
    day = _child(results_url, home, first, start, end, force, ["--level", "day"])
    ids = _portfolio_ids(results_url)
    parts = [
        _spawn(results_url, home, first, start, end, force, ["--level", "portfolio", "--ids", ",".join(g)])
        for g in split_groups([ids], groups)
    ]
    portfolio = [_collect(p) for p in parts]
    children = [day, *portfolio]
    return {
        "seconds": day["seconds"] + portfolio[0]["seconds"] if groups == 1 else time.perf_counter() - began,
        "cpu_s": sum(c["cpu_s"] for c in children),
        "runs": {f"{label} #{i}": sec for i, c in enumerate(children) for label, sec in c["runs"].items()},
        "rss_mb": max(c["rss_mb"] for c in children),
        "rss_by_level": {"day": day["rss_mb"], "portfolio": max(c["rss_mb"] for c in portfolio)},
    }


def _portfolio_ids(url: str) -> list[str]:
    from sigmasight_resources.db import queries
    from sigmasight_resources.db.session import ResultsDB

    db = ResultsDB(url)
    try:
        with db.transaction() as session:
            return [str(i) for i in sorted(queries.active_portfolio_ids(session))]
    finally:
        db.dispose()


def _child(results_url, home, first, start, end, force, extra=()) -> dict:
    return _collect(_spawn(results_url, home, first, start, end, force, extra))


def _spawn(results_url: str, home: Path, first: date, start: date, end: date, force: bool, extra=()):
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SIGMASIGHT_DATABASE_URL": results_url,
        "SIGMASIGHT_PARTITIONS_START": first.isoformat(),
        "SIGMASIGHT_MARKET_DATA": "simulated",
        **{name: os.environ.get(name, value) for name, value in DAGSTER_EVENT_SETTINGS.items()},
    }
    args = [sys.executable, __file__, "--phase", start.isoformat(), end.isoformat(), *(["--force"] if force else [])]
    child = subprocess.Popen([*args, *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    child.label = f"{start}..{end} {' '.join(extra)}"
    return child


def _collect(child) -> dict:
    stdout, stderr = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"phase {child.label} failed:\n{stdout[-3000:]}\n{stderr[-3000:]}")
    return json.loads(stdout.strip().splitlines()[-1])


def run_phase(start: date, end: date, force: bool, level: str | None = None, only: list[int] | None = None) -> None:
    """Child process: materialize [start, end] for every active portfolio (or one level's runs, for
    `only` those portfolios); print seconds and peak RSS."""
    import dagster as dg

    from sigmasight_assets.definitions import build_definitions
    from sigmasight_assets.runs.in_process import completed_days, execute, plan_runs, run_range
    from sigmasight_resources.db import queries
    from sigmasight_resources.db.session import ResultsDB
    from sigmasight_resources.settings import load_settings

    settings = load_settings()
    db = ResultsDB(settings.results_url)
    with db.transaction() as session:
        ids = queries.active_portfolio_ids(session)
    db.dispose()
    instance = dg.DagsterInstance.from_config(os.environ["DAGSTER_HOME"])
    began, cpu = time.perf_counter(), time.process_time()
    defs = build_definitions(settings)
    if level is None:
        outcomes = run_range(defs, instance, start, end, ids, force=force)
    else:
        plan = plan_runs(instance, start, end, only or ids, None if force else completed_days(defs, start, end))
        outcomes = [execute(defs, instance, run) for run in (plan[:1] if level == "day" else plan[1:])]
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    failed = [f"{asset}: {message}" for o in outcomes for asset, message in o.failures]
    if failed or not all(o.success for o in outcomes):
        raise SystemExit("run failed: " + "; ".join(failed))
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_s": cpu,
                "runs": {o.plan.label: round(o.seconds, 1) for o in outcomes},
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def count_rows(url: str) -> int:
    from sigmasight_resources.db.models import Base

    engine = create_engine(url)
    skip = {"users", "portfolios", "positions", "manual_marks", "alembic_version"}
    with engine.connect() as conn:
        total = sum(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for name, t in Base.metadata.tables.items()
            if name not in skip
        )
    engine.dispose()
    return total


def status_query(home: Path) -> tuple[float, int]:
    """Seconds to read every partition's status of position_values, as the API's asset summary does."""
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(home))
    key = dg.AssetKey("position_values")
    began = time.perf_counter()
    materialized = instance.get_materialized_partitions(key)
    instance.event_log_storage.get_latest_asset_partition_materialization_attempts_without_materializations(key)
    seconds = time.perf_counter() - began
    instance.dispose()
    return seconds, len(materialized)


def portfolio_run_seconds(figures: dict) -> float:
    """Seconds of the phase's portfolio-level run(s) alone."""
    return sum(seconds for label, seconds in figures["runs"].items() if label.startswith("portfolio-level"))


def measure(
    base_url: str,
    portfolios: int,
    positions: int,
    universe_size: int,
    days: int,
    daily_runs: int = 1,
    groups: int = 1,
) -> Figures:
    from sigmasight_resources import calendar
    from sigmasight_resources.db.engine import migrate

    sessions = calendar.previous_sessions(END, days - 1)
    period = calendar.sessions(sessions, END)
    next_days = calendar.sessions(END + timedelta(days=1), END + timedelta(days=10 + 2 * daily_runs))[:daily_runs]
    with databases(base_url) as (url, home):
        migrate(url)
        count = generate(url, portfolios, positions, universe(universe_size), period)
        rebuild = phase(url, home, period[0], period[0], END, force=True, groups=groups)
        rows = count_rows(url)
        dailies = [phase(url, home, period[0], day, day, force=False, groups=groups) for day in next_days]
        status_s, partitions = status_query(home)
    return Figures(
        portfolios=portfolios,
        positions=count,
        days=days,
        rebuild_s=round(rebuild["seconds"], 1),
        daily_s=round(statistics.median(d["seconds"] for d in dailies), 1),
        peak_rss_mb=round(max(rebuild["rss_mb"], *(d["rss_mb"] for d in dailies)), 0),
        rows_written=rows,
        rows_per_s=round(rows / rebuild["seconds"], 0),
        status_query_s=round(status_s, 3),
        status_partitions=partitions,
        rebuild_rss_mb=round(rebuild["rss_mb"], 0),
        daily_rss_mb=round(max(d["rss_mb"] for d in dailies), 0),
        daily_portfolio_s=round(statistics.median(portfolio_run_seconds(d) for d in dailies), 1),
        daily_samples=[round(d["seconds"], 1) for d in dailies],
        daily_cpu_s=round(statistics.median(d["cpu_s"] for d in dailies), 1),
        rss_by_level={
            f"{name} {level}": round(max(p["rss_by_level"][level] for p in phases), 0)
            for name, phases in (("rebuild", [rebuild]), ("daily", dailies))
            for level in ("day", "portfolio")
        },
    )


def default_url() -> str:
    try:
        engine = create_engine(DEFAULT_POSTGRES)
        with engine.connect():
            pass
        engine.dispose()
        return DEFAULT_POSTGRES
    except OperationalError:
        return "sqlite://"


def print_table(title: str, rows: list[Figures]) -> None:
    columns = (
        "portfolios",
        "positions",
        "days",
        "rebuild_s",
        "daily_s",
        "daily_portfolio_s",
        "rebuild_rss_mb",
        "daily_rss_mb",
        "rows_written",
        "rows_per_s",
        "status_query_s",
    )
    print(f"\n{title}")
    print("  ".join(f"{c:>14}" for c in columns))
    for row in rows:
        values = asdict(row)
        print("  ".join(f"{values[c]:>14}" for c in columns))
    if len(rows) > 1:
        slope_r = np.polyfit([r.positions for r in rows], [r.rebuild_s for r in rows], 1)
        slope_d = np.polyfit([r.positions for r in rows], [r.daily_s for r in rows], 1)
        print(
            f"linear fit: rebuild_s = {slope_r[1]:.1f} + {slope_r[0] * 1000:.2f} per 1000 positions; "
            f"daily_s = {slope_d[1]:.1f} + {slope_d[0] * 1000:.2f} per 1000 positions"
        )


def print_history(portfolios: int, rows: list[Figures]) -> None:
    """The daily path over history lengths: its median, its portfolio-level run, and each against the shortest."""
    print(f"\ndaily path for N = {portfolios} by history length (load average {os.getloadavg()[0]:.1f})")
    columns = ("days", "daily_s", "daily_portfolio_s", "vs_shortest", "daily_rss_mb", "daily_cpu_s")
    print("  ".join(f"{c:>18}" for c in columns))
    base = rows[0]
    for row in rows:
        ratio = row.daily_s / base.daily_s if base.daily_s else float("nan")
        values = (row.days, row.daily_s, row.daily_portfolio_s, f"{ratio:.2f}", row.daily_rss_mb, row.daily_cpu_s)
        print("  ".join(f"{v:>18}" for v in values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portfolios", type=int, default=200)
    parser.add_argument("--positions", type=int, default=30)
    parser.add_argument("--universe", type=int, default=1200)
    parser.add_argument("--days", type=int, default=756)
    parser.add_argument(
        "--database-url",
        default=None,
        help="server to create the results DB (and Dagster storage) on; default: the PostgreSQL "
        "test server when reachable, else SQLite files",
    )
    parser.add_argument(
        "--cost-sizes",
        default="25,50,100,200",
        help="comma-separated N for the cost table ('' to skip); --portfolios reuses its run",
    )
    parser.add_argument(
        "--history-sizes",
        default="",
        help="comma-separated history lengths D (days) for the daily-path table at --portfolios ('' to skip)",
    )
    parser.add_argument("--daily-runs", type=int, default=3, help="daily phases per size (consecutive sessions)")
    parser.add_argument(
        "--groups",
        type=int,
        default=1,
        help="K: after the day-level run, the portfolios in K disjoint portfolio-level runs at once",
    )
    parser.add_argument("--phase", nargs=2, metavar=("START", "END"), help=argparse.SUPPRESS)
    parser.add_argument("--force", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--level", choices=("day", "portfolio"), help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        only = [int(i) for i in args.ids.split(",")] if args.ids else None
        run_phase(date.fromisoformat(args.phase[0]), date.fromisoformat(args.phase[1]), args.force, args.level, only)
        return
    url = args.database_url or default_url()
    backend = make_url(url).get_backend_name()
    print(f"results DB and Dagster instance on {backend}; {args.universe} symbols; {args.days} days to {END}")
    sizes = sorted({args.portfolios, *(int(n) for n in args.cost_sizes.split(",") if n.strip())})
    measured = {}
    for n in sizes:  # smallest first: each row is printed as soon as it is measured
        measured[n] = measure(url, n, args.positions, args.universe, args.days, args.daily_runs, args.groups)
        print(json.dumps({"measured": asdict(measured[n])}), flush=True)
    histories = {args.days: measured[args.portfolios]}
    for d in sorted({int(n) for n in args.history_sizes.split(",") if n.strip()} - {args.days}):
        histories[d] = measure(url, args.portfolios, args.positions, args.universe, d, args.daily_runs, args.groups)
        print(json.dumps({"measured": asdict(histories[d])}), flush=True)
    main_figures = measured[args.portfolios]
    print_table(f"N = {args.portfolios}", [main_figures])
    if len(sizes) > 1:
        print_table("cost per unit of work", [measured[n] for n in sizes])
    if len(histories) > 1:
        print_history(args.portfolios, [histories[d] for d in sorted(histories)])
    print(
        json.dumps(
            {
                "rebuild_s": main_figures.rebuild_s,
                "daily_s": main_figures.daily_s,
                "peak_rss_mb": main_figures.peak_rss_mb,
                "rows_per_s": main_figures.rows_per_s,
                "status_query_s": main_figures.status_query_s,
                "rss_by_level_mb": main_figures.rss_by_level,
            }
        )
    )


if __name__ == "__main__":
    main()
