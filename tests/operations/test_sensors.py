"""Sensors against a real results DB and a temporary instance: close + catch-up, onboarding, cleanup.

Materializations are recorded as runless events and runs are recorded with a status (no execution):
the sensors read only the instance's partitions, materializations and run tags, and the results DB.
"""

import copy
from datetime import UTC, date, datetime

import dagster as dg

from sigmasight_assets.levels import (
    DAY_JOB,
    LEVEL_TAG,
    ONBOARDING_TAG,
    PORTFOLIO_JOB,
    PORTFOLIO_TAG,
    RANGE_END,
    RANGE_START,
    day_range_tags,
    portfolio_range_tags,
)
from sigmasight_assets.sensors import MAX_ATTEMPTS
from sigmasight_resources import calendar
from sigmasight_resources.portfolio_import import delete_portfolio
from tests.assets.conftest import STOCKS

DAYS = ["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07"]
S = dg.DagsterRunStatus


def add(bench, name: str, entry: date = date(2025, 3, 3)) -> str:
    positions = [{**p, "entry_date": entry} for p in copy.deepcopy(STOCKS[:2])]
    return str(bench.add_portfolio(name, positions))


def spans(result) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for request in result.run_requests:
        assert request.job_name == PORTFOLIO_JOB
        out.setdefault(request.tags[PORTFOLIO_TAG], []).append(
            (request.tags[RANGE_START].split("|")[0], request.tags[RANGE_END].split("|")[0]))
    return out


def test_close_sensor_requests_the_closed_day_for_every_active_portfolio(bench):
    p1, p2 = add(bench, "one"), add(bench, "two")
    bench.instance.add_dynamic_partitions("portfolio", [p1, p2])
    bench.materialized(DAYS[:4])
    for p in (p1, p2):
        bench.materialized(DAYS[:4], p)
    assert bench.sensor("portfolio_close_sensor").run_requests == []  # all current

    bench.materialized(DAYS[4:])  # the day-level run for 2025-03-07 finished
    result = bench.sensor("portfolio_close_sensor")
    assert spans(result) == {p1: [(DAYS[4], DAYS[4])], p2: [(DAYS[4], DAYS[4])]}
    request = result.run_requests[0]
    assert request.tags[RANGE_START] == f"{DAYS[4]}|{request.tags[PORTFOLIO_TAG]}"
    assert request.tags[LEVEL_TAG] == "portfolio"

    # the same state evaluated again asks for the same run keys, which Dagster launches once
    again = bench.sensor("portfolio_close_sensor")
    assert [r.run_key for r in again.run_requests] == [r.run_key for r in result.run_requests]

    # once p1's run is queued or running, p1 is left to it
    bench.record_run(portfolio_range_tags(DAYS[4], DAYS[4], p1), S.STARTED)
    assert spans(bench.sensor("portfolio_close_sensor")) == {p2: [(DAYS[4], DAYS[4])]}


def test_catch_up_requests_only_the_missing_partitions_of_lagging_portfolios(bench):
    current, lagging, late = add(bench, "current"), add(bench, "lagging"), add(bench, "late", date(2025, 3, 5))
    bench.instance.add_dynamic_partitions("portfolio", [current, lagging, late])
    bench.materialized(DAYS)
    bench.materialized(DAYS, current)
    bench.materialized(["2025-03-03", "2025-03-04", "2025-03-06"], lagging)  # down on 03-05, behind on 03-07

    result = bench.sensor("portfolio_close_sensor")
    assert spans(result) == {
        lagging: [("2025-03-05", "2025-03-05"), ("2025-03-07", "2025-03-07")],
        late: [("2025-03-05", "2025-03-07")],  # from its first entry, not from the partitions start
    }

    # a failed run's range gets a new run key (the next evaluation redoes it), at most MAX_ATTEMPTS times
    tags = portfolio_range_tags("2025-03-05", "2025-03-07", late)
    bench.record_run(tags, S.FAILURE)
    retry = next(r for r in bench.sensor("portfolio_close_sensor").run_requests if r.tags[PORTFOLIO_TAG] == late)
    original = next(r for r in result.run_requests if r.tags[PORTFOLIO_TAG] == late)
    assert retry.run_key != original.run_key
    for _ in range(MAX_ATTEMPTS - 1):
        bench.record_run(tags, S.FAILURE)
    assert late not in spans(bench.sensor("portfolio_close_sensor"))

    # a soft-deleted portfolio drops out of the daily path
    with bench.db.transaction() as session:
        delete_portfolio(session, int(lagging))
    assert lagging not in spans(bench.sensor("portfolio_close_sensor"))


def test_onboarding_sensor_adds_the_partition_once_and_requests_only_that_portfolio(bench):
    old = add(bench, "old")
    bench.instance.add_dynamic_partitions("portfolio", [old])
    bench.materialized(DAYS)
    bench.materialized(DAYS, old)
    new = add(bench, "new", date(2025, 3, 4))
    latest = calendar.latest_closed_session(datetime.now(UTC)).isoformat()

    first = bench.sensor("portfolio_onboarding_sensor")
    [added] = first.dynamic_partitions_requests
    assert isinstance(added, dg.AddDynamicPartitionsRequest)
    assert (added.partitions_def_name, list(added.partition_keys)) == ("portfolio", [new])
    [day_run] = first.run_requests
    assert day_run.job_name == DAY_JOB
    assert day_run.tags.items() >= {**day_range_tags("2025-03-04", latest, portfolio=new), ONBOARDING_TAG: new}.items()
    bench.instance.add_dynamic_partitions("portfolio", [new])  # what the daemon does with the request

    # evaluated again (e.g. after a daemon restart): no second partition, the same run key at most
    second = bench.sensor("portfolio_onboarding_sensor", first.cursor)
    assert second.dynamic_partitions_requests == []
    assert [r.run_key for r in second.run_requests] in ([], [day_run.run_key])

    running = bench.record_run(day_run.tags, S.STARTED)
    assert bench.sensor("portfolio_onboarding_sensor", second.cursor).run_requests == []
    assert new not in spans(bench.sensor("portfolio_close_sensor"))  # onboarding owns it

    bench.instance.delete_run(running.run_id)
    bench.record_run(day_run.tags, S.SUCCESS)
    assert new not in spans(bench.sensor("portfolio_close_sensor"))  # still onboarding's until launched
    third = bench.sensor("portfolio_onboarding_sensor", second.cursor)
    [portfolio_run] = third.run_requests
    assert portfolio_run.job_name == PORTFOLIO_JOB
    assert portfolio_run.tags.items() >= {**portfolio_range_tags("2025-03-04", latest, new), ONBOARDING_TAG: new}.items()
    assert third.dynamic_partitions_requests == []

    bench.record_run(portfolio_run.tags, S.SUCCESS)
    fourth = bench.sensor("portfolio_onboarding_sensor", third.cursor)
    assert fourth.run_requests == [] and fourth.dynamic_partitions_requests == []


def test_onboarding_retries_a_failed_day_level_run_then_hands_over(bench):
    new = add(bench, "new", date(2025, 3, 4))
    first = bench.sensor("portfolio_onboarding_sensor")
    bench.instance.add_dynamic_partitions("portfolio", [new])
    [day_run] = first.run_requests
    cursor = first.cursor
    for attempt in range(2, MAX_ATTEMPTS + 1):
        bench.record_run(day_run.tags, S.FAILURE)
        result = bench.sensor("portfolio_onboarding_sensor", cursor)
        [retry] = result.run_requests
        assert retry.run_key == f"onboarding-{new}-day-{attempt}"
        cursor = result.cursor
    bench.record_run(day_run.tags, S.FAILURE)
    given_up = bench.sensor("portfolio_onboarding_sensor", cursor)
    assert given_up.run_requests == [] and '"pending": []' in given_up.cursor


def test_cleanup_sensor_removes_a_deleted_portfolios_partition(bench):
    keep, gone, busy = add(bench, "keep"), add(bench, "gone"), add(bench, "busy")
    bench.instance.add_dynamic_partitions("portfolio", [keep, gone, busy])
    assert bench.sensor("portfolio_cleanup_sensor").dynamic_partitions_requests == []
    with bench.db.transaction() as session:
        delete_portfolio(session, int(gone))
        delete_portfolio(session, int(busy))
    bench.record_run(portfolio_range_tags(DAYS[0], DAYS[0], busy), S.STARTED)
    [request] = bench.sensor("portfolio_cleanup_sensor").dynamic_partitions_requests
    assert isinstance(request, dg.DeleteDynamicPartitionsRequest)
    assert list(request.partition_keys) == [gone]  # not while a run still writes `busy`
