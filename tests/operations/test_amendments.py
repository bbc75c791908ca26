"""Trades after onboarding (SQLite and PostgreSQL): an amendment deletes one portfolio's results from the
earliest day it touches, queues the day-level run a new symbol needs, and the close sensor then requests
exactly those days; once they run, the report has the new position and the exit. Bad amendments write
nothing and name line and field."""

import copy
from datetime import UTC, date, datetime

import dagster as dg
import pytest
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.events import DagsterEvent, DagsterEventType
from dagster._core.execution.api import execute_run
from sqlalchemy import func, select

from benchmarks.scenarios.pipeline import STOCKS
from sigmasight_api.onboarding import onboarding_status
from sigmasight_assets.amendments import AMENDMENT_TAG, amend_portfolio
from sigmasight_assets.assets import PORTFOLIO_ASSETS
from sigmasight_assets.automation.registry import register_onboarded_portfolios
from sigmasight_assets.pipeline.tags import DAY_JOB, LEVEL_TAG, PORTFOLIO_TAG, run_dates, run_portfolios
from sigmasight_assets.runs.in_process import PlannedRun, execute
from sigmasight_resources import calendar
from sigmasight_resources.amendments import PortfolioBusyError
from sigmasight_resources.audit import REQUESTED_BY_TAG, Actor, Source
from sigmasight_resources.db.models import AuditEntry, ManualMark, Position
from sigmasight_resources.db.purge import result_tables_by_day
from sigmasight_resources.db.report import build_report
from sigmasight_resources.portfolio_import import PortfolioImportError, PortfolioNotFoundError
from sigmasight_resources.settings import load_settings
from tests.support.bench import PARTITIONS_START

FIRST, LAST = date(2025, 3, 3), date(2025, 3, 14)
NOW = datetime(2025, 3, 17, 14, tzinfo=UTC)  # Monday 10:00 New York: the latest trading day is LAST (Friday)
ACTOR = Actor(None, "os:tester", Source.CLI, "tester")
# NVDA is new to the universe (entered 03-10); MSFT, held since 03-03, is sold on 03-12.
AMENDMENT = (
    b"symbol,quantity,entry_price,entry_date,exit_date,exit_price\n"
    b"NVDA,40,120,2025-03-10,,\n"
    b"MSFT,50,400,2025-03-03,2025-03-12,410\n"
)


def settings_of(bench):
    return load_settings(database_url=bench.db.url, partitions_start=PARTITIONS_START, market_data="simulated")


def stocks() -> list[dict]:
    return [{**p, "entry_date": FIRST} for p in copy.deepcopy(STOCKS[:2])]  # AAPL, MSFT


def result_days(bench, portfolio: int) -> dict[str, list[str]]:
    """Per result table, the sorted days the portfolio has rows on."""
    out = {}
    with bench.db.transaction() as session:
        for table in result_tables_by_day():
            days = session.scalars(select(table.c.date).where(table.c.portfolio_id == portfolio).distinct())
            out[table.name] = sorted(d.isoformat() for d in days)
    return out


def snapshot(bench, portfolio: int) -> tuple:
    """Everything an amendment could write for the portfolio: positions, marks, results, audit rows, runs."""
    with bench.db.transaction() as session:
        positions = sorted(
            (p.id, p.symbol, p.quantity, p.entry_date, p.exit_date, p.exit_price)
            for p in session.scalars(select(Position).where(Position.portfolio_id == portfolio))
        )
        marks = session.scalar(select(func.count()).select_from(ManualMark))
        audits = session.scalar(select(func.count()).select_from(AuditEntry))
    return positions, marks, result_days(bench, portfolio), audits, len(bench.instance.get_runs())


def sessions(first: date, last: date) -> list[str]:
    return [d.isoformat() for d in calendar.sessions(first, last)]


def execute_queued(bench, run_id: str) -> None:
    """What the daemon does with the queued run: start it and run the day-level job over its tags."""
    run = bench.instance.get_run_by_id(run_id)
    starting = DagsterEvent(DagsterEventType.RUN_STARTING.value, job_name=run.job_name)
    bench.instance.report_dagster_event(starting, run_id=run_id)
    job = InMemoryJob(bench.defs.resolve_job_def(DAY_JOB))
    result = execute_run(job, bench.instance.get_run_by_id(run_id), bench.instance)
    assert result.success


def status(bench, portfolio: int) -> str:
    """What GET /portfolios/{id}/onboarding answers as its status."""
    with bench.db.transaction() as session:
        return onboarding_status(bench.instance, session, portfolio).status


def close_requests(bench) -> list[tuple[str, str, list[str]]]:
    result = bench.sensor("portfolio_close_sensor")
    return [(*run_dates(r.tags), run_portfolios(r.tags)) for r in result.run_requests], result


def test_an_amendment_is_recomputed_from_its_earliest_day_by_the_close_sensor(bench):
    p1, p2 = bench.add_portfolio("amended", stocks()), bench.add_portfolio("other", stocks())
    outcomes = bench.run(FIRST, LAST, [p1, p2])  # onboarded: both have every day, registered
    assert all(o.success for o in outcomes)
    every = sessions(FIRST, LAST)
    assert set(result_days(bench, p1)["data_quality"]) == set(every)
    other_before = bench.rows("position_values", f"WHERE portfolio_id = {p2}")
    assert bench.sensor("portfolio_close_sensor").run_requests == []

    amended = amend_portfolio(bench.db, bench.instance, settings_of(bench), p1, AMENDMENT, ACTOR, now=NOW)

    # p1 lost exactly the days from 03-10 (NVDA's entry, before the exit on 03-12), in every result table
    assert amended.result.earliest == date(2025, 3, 10)
    kept = sessions(FIRST, date(2025, 3, 7))
    days = result_days(bench, p1)
    assert days["data_quality"] == kept and days["position_values"] == kept and days["portfolio_risk"] == kept
    assert all(d <= "2025-03-07" for table in days.values() for d in table)
    assert bench.rows("position_values", f"WHERE portfolio_id = {p2}") == other_before  # p2 untouched
    assert set(result_days(bench, p2)["data_quality"]) == set(every)

    # NVDA was in nobody's universe: one day-level run for p1 is queued over [03-10, latest]
    run = bench.instance.get_run_by_id(amended.day_run.run_id)
    assert run.status is dg.DagsterRunStatus.QUEUED and run.job_name == DAY_JOB
    assert run_dates(run.tags) == ("2025-03-10", "2025-03-14")
    assert run.tags[PORTFOLIO_TAG] == str(p1) and run.tags[LEVEL_TAG] == "day"
    assert run.tags[AMENDMENT_TAG] == str(p1) and run.tags[REQUESTED_BY_TAG] == "os:tester"
    assert run.remote_job_origin.location_name == "sigmasight" and run.job_code_origin is not None

    # while it is queued the close sensor leaves p1 alone: nothing is computed without NVDA's closes
    requested, _ = close_requests(bench)
    assert requested == []
    assert status(bench, p1) == "pending"  # the status endpoint follows the queued run, then the catch-up

    execute_queued(bench, run.run_id)
    requested, result = close_requests(bench)
    assert requested == [("2025-03-10", "2025-03-14", [str(p1)])]  # exactly the deleted days, p1 alone
    assert status(bench, p1) == "pending"  # the day level is back, p1's days are not

    [request] = result.run_requests
    assert execute(bench.defs, bench.instance, PlannedRun("catch-up", PORTFOLIO_ASSETS, dict(request.tags))).success
    assert set(result_days(bench, p1)["data_quality"]) == set(every)
    assert close_requests(bench)[0] == []
    assert status(bench, p1) == "completed"

    with bench.db.transaction() as session:
        report = build_report(session, p1, LAST)
        before_exit = build_report(session, p1, date(2025, 3, 11))
    held = {p["symbol"]: p for p in report["positions"]}
    assert set(held) == {"AAPL", "NVDA"}  # MSFT exited on 03-12
    assert held["NVDA"]["quantity"] == 40 and held["NVDA"]["price"] is not None
    assert {p["symbol"] for p in before_exit["positions"]} == {"AAPL", "MSFT", "NVDA"}
    with bench.db.transaction() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "portfolio.amend")).all()
        assert (entry.actor, entry.source, entry.target) == ("os:tester", "cli", f"portfolio:{p1}")
        assert entry.details["from"] == "2025-03-10" and entry.details["day_run"] == run.run_id
        assert (entry.details["added"], entry.details["exits"], entry.details["os_user"]) == (1, 1, "tester")


def test_an_exit_of_held_symbols_queues_no_run_and_the_close_sensor_requests_from_the_exit(bench):
    p1, p2 = bench.add_portfolio("one", stocks()), bench.add_portfolio("two", stocks())
    register_onboarded_portfolios(bench.instance, [p1, p2])
    every = sessions(FIRST, LAST)
    bench.materialized(every)
    for p in (p1, p2):
        bench.completed(every, str(p))
    exit_only = b"symbol,quantity,entry_price,entry_date,exit_date,exit_price\nAAPL,100,180,2025-03-03,2025-03-12,190\n"

    amended = amend_portfolio(bench.db, bench.instance, settings_of(bench), p1, exit_only, ACTOR, now=NOW)

    assert amended.day_run is None and bench.instance.get_runs() == []
    assert close_requests(bench)[0] == [("2025-03-12", "2025-03-14", [str(p1)])]


BAD = [
    pytest.param(b"AAPL,100,180,2025-03-03,2025-02-28,190\n", 2, "exit_date", "before entry_date", id="exit<entry"),
    pytest.param(b"MSFT,50,400,2025-03-03,2025-03-05,401\n", 2, "exit_date", "closed on 2025-03-04", id="closed"),
    pytest.param(b"AAPL,100,180,2025-03-03,,,,190,2025-03-10\n", 2, "mark_price", "only for PRIVATE", id="public-mark"),
    pytest.param(b"AAPL,100,180,2025-03-03,2025-03-17,190\n", 2, "exit_date", "after the latest closed", id="late"),
    pytest.param(b"NVDA,40,120,2025-03-17,,\n", 2, "entry_date", "after the latest closed trading day", id="late-add"),
    pytest.param(b"AAPL,60,180,2025-03-03,2025-03-12,190\n", 2, "quantity", "no partial exits", id="partial"),
    pytest.param(b"AAPL,100,180,2025-03-03,,\n", 2, "row", "sets neither an exit", id="no-change"),
    pytest.param(
        b"AAPL,100,180,2025-03-03,2025-03-12,190\nAAPL,100,180,2025-03-03,2025-03-13,191\n",
        3,
        "row",
        "line 3 already amends",
        id="twice",
    ),
    pytest.param(b"NVDA,zero,120,2025-03-10,,\n", 2, "quantity", "not a number", id="import-rule"),
]


@pytest.mark.parametrize(("rows", "line", "column", "message"), BAD)
def test_a_bad_amendment_names_line_and_field_and_writes_nothing(bench, rows, line, column, message):
    positions = stocks()
    positions[1].update(exit_date=date(2025, 3, 4), exit_price=401.0)  # MSFT closed on 03-04
    p1 = bench.add_portfolio("one", positions)
    register_onboarded_portfolios(bench.instance, [p1])
    bench.materialized(sessions(FIRST, LAST))
    bench.completed(sessions(FIRST, LAST), str(p1))
    header = b"symbol,quantity,entry_price,entry_date,exit_date,exit_price,investment_class,mark_price,mark_date\n"
    before = snapshot(bench, p1)
    data = header + b"NVDA,40,120,2025-03-10,,\n" + rows  # a good row first: it is not written either
    with pytest.raises(PortfolioImportError) as caught:
        amend_portfolio(bench.db, bench.instance, settings_of(bench), p1, data, ACTOR, now=NOW)
    problem = next(p for p in caught.value.problems if p.line == line + 1)
    assert problem.field == column and message in problem.message, caught.value.problems
    assert snapshot(bench, p1) == before


def test_an_unknown_portfolio_or_a_busy_one_is_refused_and_nothing_is_written(bench):
    p1 = bench.add_portfolio("one", stocks())
    register_onboarded_portfolios(bench.instance, [p1])
    bench.completed(sessions(FIRST, LAST), str(p1))
    settings = settings_of(bench)
    with pytest.raises(PortfolioNotFoundError):
        amend_portfolio(bench.db, bench.instance, settings, p1 + 1, AMENDMENT, ACTOR, now=NOW)

    bench.record_run({PORTFOLIO_TAG: str(p1), LEVEL_TAG: "portfolio"}, dg.DagsterRunStatus.STARTED)
    before = snapshot(bench, p1)
    with pytest.raises(PortfolioBusyError, match=f"portfolio {p1} is queued or in progress"):
        amend_portfolio(bench.db, bench.instance, settings, p1, AMENDMENT, ACTOR, now=NOW)
    assert snapshot(bench, p1) == before


def test_a_mark_on_a_private_position_is_stored_and_recomputed_from_its_date(bench):
    fund = {
        "symbol": "Credit Fund",
        "investment_class": "PRIVATE",
        "quantity": 1000,
        "entry_price": 100.0,
        "entry_date": FIRST,
        "marks": [(date(2025, 3, 7), 101.0)],
    }
    p1 = bench.add_portfolio("private", [*stocks(), fund])
    register_onboarded_portfolios(bench.instance, [p1])
    bench.materialized(sessions(FIRST, LAST))
    bench.completed(sessions(FIRST, LAST), str(p1))
    header = b"symbol,quantity,entry_price,entry_date,investment_class,mark_price,mark_date,exit_date,exit_price\n"
    settings = settings_of(bench)

    # an exit before the fund's stored mark of 03-07 contradicts it: refused, nothing written
    before = snapshot(bench, p1)
    early_exit = header + b"Credit Fund,1000,100,2025-03-03,PRIVATE,,,2025-03-06,100\n"
    with pytest.raises(PortfolioImportError) as caught:
        amend_portfolio(bench.db, bench.instance, settings, p1, early_exit, ACTOR, now=NOW)
    [problem] = caught.value.problems
    assert (problem.line, problem.field) == (2, "exit_date") and "mark of 2025-03-07" in problem.message
    assert snapshot(bench, p1) == before

    twice = b"Credit Fund,1000,100,2025-03-03,PRIVATE,103,2025-03-12,,\n" * 2
    with pytest.raises(PortfolioImportError) as caught:  # two rows amending one position: the import's duplicate
        amend_portfolio(bench.db, bench.instance, settings, p1, header + twice, ACTOR, now=NOW)
    [problem] = caught.value.problems
    assert (problem.line, problem.field) == (3, "row") and "duplicate of line 2" in problem.message

    remark = header + b"Credit Fund,1000,100,2025-03-03,PRIVATE,102,2025-03-07,,\n"  # replaces the 03-07 mark
    amended = amend_portfolio(bench.db, bench.instance, settings, p1, remark, ACTOR, now=NOW)
    assert amended.day_run is None and amended.result.earliest == date(2025, 3, 7)
    assert [(c.line, c.action) for c in amended.result.changes] == [(2, "mark")]
    with bench.db.transaction() as session:
        stored = sorted((m.mark_date, m.price) for m in session.scalars(select(ManualMark)))
    assert stored == [(date(2025, 3, 7), 102.0)]
    assert close_requests(bench)[0] == [("2025-03-07", "2025-03-14", [str(p1)])]
