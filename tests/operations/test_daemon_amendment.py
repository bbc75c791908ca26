"""A real `dagster-daemon` (PostgreSQL instance and results DB) recomputes an amendment by itself.

After onboarding, an amendment adding a symbol nobody held and exiting a position queues one day-level
run; the daemon must launch it through the code server (the run's origins name the workspace's code
location), and only after it succeeds may the close sensor's catch-up write the deleted days, so the
new position is priced on every day and the exit shows from its day on.
"""

from datetime import UTC, date, datetime

import dagster as dg
import pytest

from sigmasight_assets.amendments import amend_portfolio
from sigmasight_assets.automation.planning import completed_portfolio_days
from sigmasight_assets.pipeline.tags import LEVEL_TAG, ONBOARDING_TAG, PORTFOLIO_TAG
from sigmasight_resources import calendar
from sigmasight_resources.audit import Actor, Source
from sigmasight_resources.db.report import build_report
from sigmasight_resources.portfolio_import import import_portfolio
from sigmasight_resources.settings import load_settings
from sigmasight_resources.users import ensure_user
from tests.support.daemon import HISTORY_SESSIONS, finished, portfolio_csv, wait_for

pytestmark = pytest.mark.timeout(420)
S = dg.DagsterRunStatus


def test_the_daemon_recomputes_an_amendment_after_its_queued_day_level_run(stack):
    instance, db, _ = stack
    latest = calendar.latest_closed_session(datetime.now(UTC))
    entry = calendar.previous_sessions(latest, HISTORY_SESSIONS - 1)
    days = [d.isoformat() for d in calendar.sessions(entry, latest)]
    with db.transaction() as session:
        ensure_user(session, "ops@example.com")
    portfolio_id = import_portfolio(db, portfolio_csv(entry.isoformat()), "ops", "ops@example.com", today=latest)
    key = str(portfolio_id)

    def complete() -> bool:
        with db.transaction() as session:
            return set(days) <= completed_portfolio_days(session).get(key, set())

    wait_for("onboarding", lambda: finished(instance, {ONBOARDING_TAG: key}, 2) and complete(), 180)

    bought, sold = days[10], days[20]
    data = (
        "symbol,quantity,entry_price,entry_date,exit_date,exit_price\n"
        f"ORCL,25,150,{bought},,\n"
        f"MSFT,60,414.93,{entry},{sold},420\n"
    ).encode()
    amended = amend_portfolio(db, instance, load_settings(), portfolio_id, data, Actor(None, "os:ops", Source.CLI))
    assert amended.result.earliest.isoformat() == bought and amended.day_run.start.isoformat() == bought
    assert not complete()

    run_id = amended.day_run.run_id
    wait_for("the amendment's day-level run", lambda: instance.get_run_by_id(run_id).is_finished, 120)
    day_run = instance.get_run_record_by_id(run_id)
    assert day_run.dagster_run.status == S.SUCCESS, run_id

    def catch_up() -> list[dg.RunRecord]:
        records = instance.get_run_records(dg.RunsFilter(tags={PORTFOLIO_TAG: key}))
        return [
            r
            for r in records
            if r.dagster_run.tags.get(LEVEL_TAG) == "portfolio" and ONBOARDING_TAG not in r.dagster_run.tags
        ]

    def caught_up() -> bool:
        runs = catch_up()
        return complete() and bool(runs) and all(r.dagster_run.is_finished for r in runs)

    wait_for("the catch-up of the deleted days", caught_up, 150)
    assert all(r.dagster_run.status == S.SUCCESS for r in catch_up())
    assert min(r.start_time for r in catch_up()) >= day_run.end_time  # never computed without ORCL's closes

    def held(day: str) -> dict[str, dict]:
        with db.transaction() as session:
            report = build_report(session, portfolio_id, date.fromisoformat(day))
        return {p["symbol"]: p for p in report["positions"]}

    last, before_sale, first_day = held(days[-1]), held(days[19]), held(bought)
    assert "MSFT" not in last and "MSFT" in before_sale
    assert last["ORCL"]["price"] is not None and first_day["ORCL"]["price"] is not None
