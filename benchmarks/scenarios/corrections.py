"""The corrections scenario: a vendor corrects a close and splits a symbol, and the close sensor re-materializes.

Shared by tests/operations/test_corrections.py (which asserts on it) and benchmarks/resilience.py (which
prints its figures). Three portfolios hold AAPL, MSFT and XOM, onboarded over [FIRST, ONBOARDED] from the
local fake Polygon. Then, as the daemon would, each step runs the daily day-level run of a new session
and evaluates the close sensor, executing what it requests until it requests nothing:

- correction: the vendor corrects AAPL's close of CORRECTED (3% higher), before the daily run of
  CORRECTION_DAY;
- split: MSFT splits 2-for-1, executed on SPLIT_DAY (the vendor's closes before it halve and its
  splits reference reports it), before that day's daily run.
"""

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dagster as dg
from sqlalchemy import select

from benchmarks.scenarios.fake_polygon import API_KEY, FakePolygon, bar_day, running_fake_polygon
from benchmarks.scenarios.pipeline import Pipeline
from sigmasight_assets.analytics.factors import FACTOR_ETFS
from sigmasight_assets.assets import DAY_ASSETS, PORTFOLIO_ASSETS
from sigmasight_assets.automation.corrections import REASON_TAG
from sigmasight_assets.definitions import build_definitions
from sigmasight_assets.pipeline.tags import DAY_JOB, day_range_tags, run_dates, run_portfolios
from sigmasight_assets.runs.in_process import PlannedRun, execute
from sigmasight_resources import calendar
from sigmasight_resources.db.engine import migrate
from sigmasight_resources.db.models import PriceCorrection
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.settings import load_settings

FIRST, ONBOARDED = date(2025, 3, 3), date(2025, 3, 12)
CORRECTED, CORRECTION_DAY = date(2025, 3, 11), date(2025, 3, 13)
SPLIT_DAY = date(2025, 3, 14)
SERVED = (date(2022, 6, 1), date(2025, 4, 30))
HOLDINGS = {"aapl": "AAPL", "msft": "MSFT", "xom": "XOM"}
MAX_TICKS = 6


@dataclass(frozen=True)
class Requested:
    """One run the close sensor requested: its level, days, portfolios (None: a day-level run) and reason."""

    level: str
    first: str
    last: str
    portfolios: tuple[str, ...] | None
    reason: str | None


@dataclass
class Step:
    """One vendor revision and what followed it."""

    name: str
    ticks: list[list[Requested]] = field(default_factory=list)
    records: list[tuple[str, str, str]] = field(default_factory=list)  # (symbol, reason, first date)
    seconds: float = 0.0  # from the daily run's start to the sensor requesting nothing more

    def portfolio_days(self, reason: bool) -> int:
        """Portfolio-days the requested runs (re)computed, those with a reason tag or those without."""
        return sum(
            len(r.portfolios) * _sessions(r.first, r.last)
            for tick in self.ticks
            for r in tick
            if r.portfolios is not None and (r.reason is not None) == reason
        )

    def day_level_days(self) -> int:
        return sum(_sessions(r.first, r.last) for tick in self.ticks for r in tick if r.portfolios is None)


@dataclass
class Scenario:
    pipeline: Pipeline
    server: FakePolygon
    portfolios: dict[str, int]  # name -> id

    def daily(self, day: date) -> None:
        """The schedule's day-level run of `day`."""
        planned = PlannedRun(f"close {day}", DAY_ASSETS, day_range_tags(day, day))
        assert execute(self.pipeline.defs, self.pipeline.instance, planned).success

    def settle(self, step: Step) -> Step:
        """Evaluate the close sensor and execute what it requests until it requests nothing."""
        for _ in range(MAX_TICKS):
            result = sensor_tick(self.pipeline)
            if not result.run_requests:
                return step
            step.ticks.append([requested(r) for r in result.run_requests])
            for request in result.run_requests:
                selection = DAY_ASSETS if request.job_name == DAY_JOB else PORTFOLIO_ASSETS
                planned = PlannedRun("sensor", selection, dict(request.tags))
                outcome = execute(self.pipeline.defs, self.pipeline.instance, planned)
                assert outcome.success, outcome.failures
        raise AssertionError(f"the close sensor still requests runs after {MAX_TICKS} evaluations")

    def correction(self) -> Step:
        close = next(b["c"] for b in self.server.bars["AAPL"] if _day(b) == CORRECTED)
        self.server.correct("AAPL", CORRECTED, close * 1.03)
        return self._revise("correction", CORRECTION_DAY)

    def split(self) -> Step:
        self.server.split("MSFT", SPLIT_DAY, 2)
        return self._revise("split", SPLIT_DAY)

    def _revise(self, name: str, day: date) -> Step:
        step = Step(name)
        began = time.perf_counter()
        self.daily(day)
        self.settle(step)
        step.seconds = time.perf_counter() - began
        with self.pipeline.db.transaction() as session:
            step.records = [
                (r.symbol, r.reason, r.first_date.isoformat())
                for r in session.scalars(select(PriceCorrection).order_by(PriceCorrection.id))
                if r.symbol == {"correction": "AAPL", "split": "MSFT"}[name]
            ]
        return step


def sensor_tick(pipeline: Pipeline):
    repository = pipeline.defs.get_repository_def()
    with dg.build_sensor_context(
        instance=pipeline.instance, resources=pipeline.defs.resources, repository_def=repository
    ) as context:
        return repository.get_sensor_def("portfolio_close_sensor").evaluate_tick(context)


def requested(request: dg.RunRequest) -> Requested:
    first, last = run_dates(request.tags)
    named = run_portfolios(request.tags) if request.job_name != DAY_JOB else None
    level = "day" if request.job_name == DAY_JOB else "portfolio"
    return Requested(level, first, last, None if named is None else tuple(named), request.tags.get(REASON_TAG))


@contextmanager
def corrections_scenario(db_url: str, dagster_dir: Path) -> Iterator[Scenario]:
    """The three portfolios onboarded over [FIRST, ONBOARDED] from a fake Polygon on a migrated `db_url`."""
    with running_fake_polygon() as server:
        server.serve_simulated(sorted({*HOLDINGS.values(), *FACTOR_ETFS}), *SERVED)
        settings = load_settings(
            database_url=db_url,
            partitions_start=FIRST,
            market_data="polygon",
            polygon_api_key=API_KEY,
            polygon_base_url=server.url,
            polygon_requests_per_minute=1_000_000,
        )
        with dg.instance_for_test(temp_dir=str(dagster_dir)) as instance:
            db = ResultsDB(db_url)
            try:
                pipeline = Pipeline(db, build_definitions(settings), instance)
                ids = {
                    name: pipeline.add_portfolio(
                        name, [{"symbol": symbol, "quantity": 100, "entry_price": 100.0, "entry_date": FIRST}]
                    )
                    for name, symbol in HOLDINGS.items()
                }
                assert all(o.success for o in pipeline.run(FIRST, ONBOARDED, list(ids.values())))
                yield Scenario(pipeline, server, ids)
            finally:
                db.dispose()


def run_corrections_scenario(db_url: str | None = None) -> dict[str, object]:
    """The benchmark's figures: per step, the days re-materialized and the seconds taken."""
    with tempfile.TemporaryDirectory() as home:
        url = db_url or f"sqlite:///{home}/results.db"
        migrate(url)
        (Path(home) / "dagster").mkdir()
        with corrections_scenario(url, Path(home) / "dagster") as scenario:
            steps = [scenario.correction(), scenario.split()]
    figures: dict[str, object] = {}
    for step in steps:
        figures[f"{step.name}_records"] = ", ".join(f"{r}:{s} from {d}" for s, r, d in step.records)
        figures[f"{step.name}_day_level_days_rematerialized"] = step.day_level_days()
        figures[f"{step.name}_portfolio_days_rematerialized"] = step.portfolio_days(reason=True)
        figures[f"{step.name}_portfolio_days_daily_close"] = step.portfolio_days(reason=False)
        figures[f"{step.name}_sensor_ticks"] = len(step.ticks)
        figures[f"{step.name}_seconds"] = round(step.seconds, 1)
    return figures


def _sessions(first: str, last: str) -> int:
    return len(calendar.sessions(date.fromisoformat(first), date.fromisoformat(last)))


def _day(bar: dict) -> date:
    return date.fromisoformat(bar_day(bar))
