"""Sensors against a real results DB and a temporary instance: close + catch-up, onboarding, cleanup.

Materializations are recorded as runless events, per-portfolio completion as data_quality rows, and
runs are recorded with a status (no execution): the sensors read only the instance's partitions,
materializations and run tags, and the results DB.
"""

import copy
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pytest
import yaml

from benchmarks.scenarios.pipeline import STOCKS
from sigmasight_assets.automation.planning import failed_attempts
from sigmasight_assets.automation.sensors import MAX_ATTEMPTS
from sigmasight_assets.pipeline.tags import (
    AFTER_RUN_TAG,
    DAY_JOB,
    LEVEL_TAG,
    ONBOARDING_TAG,
    PORTFOLIO_JOB,
    PORTFOLIO_TAG,
    PORTFOLIOS_TAG,
    RUN_KEY_TAG,
    day_range_tags,
    portfolio_range_tags,
    run_dates,
    run_portfolios,
)
from sigmasight_resources import calendar
from sigmasight_resources.portfolio_import import delete_portfolio

REPO = Path(__file__).resolve().parents[2]
DAYS = ["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07"]
S = dg.DagsterRunStatus


def add(bench, name: str, entry: date = date(2025, 3, 3)) -> str:
    positions = [{**p, "entry_date": entry} for p in copy.deepcopy(STOCKS[:2])]
    return str(bench.add_portfolio(name, positions))


def runs(result) -> list[tuple[str, str, list[str]]]:
    """(first day, last day, portfolios) of each requested portfolio-level run."""
    out = []
    for request in result.run_requests:
        assert request.job_name == PORTFOLIO_JOB and request.tags[LEVEL_TAG] == "portfolio"
        out.append((*run_dates(request.tags), run_portfolios(request.tags)))
    return out


def spans(result) -> dict[str, list[tuple[str, str]]]:
    """Per portfolio, the (first, last) day ranges the requested runs write for it."""
    out: dict[str, list[tuple[str, str]]] = {}
    for first, last, portfolios in runs(result):
        for key in portfolios:
            out.setdefault(key, []).append((first, last))
    return {key: sorted(ranges) for key, ranges in out.items()}


def test_close_sensor_requests_the_closed_day_for_every_active_portfolio(bench):
    p1, p2 = add(bench, "one"), add(bench, "two")
    bench.instance.add_dynamic_partitions("portfolio", [p1, p2])
    bench.materialized(DAYS[:4])
    for p in (p1, p2):
        bench.completed(DAYS[:4], p)
    assert bench.sensor("portfolio_close_sensor").run_requests == []  # all current

    bench.materialized(DAYS[4:])  # the day-level run for 2025-03-07 finished
    result = bench.sensor("portfolio_close_sensor")
    [request] = result.run_requests  # one run writes the closed day for both portfolios
    assert request.tags.items() >= portfolio_range_tags(DAYS[4], DAYS[4], [p1, p2]).items()
    assert spans(result) == {p1: [(DAYS[4], DAYS[4])], p2: [(DAYS[4], DAYS[4])]}

    # the same state evaluated again asks for the same run key, which Dagster launches once
    again = bench.sensor("portfolio_close_sensor")
    assert [r.run_key for r in again.run_requests] == [request.run_key]

    # once a run writing p1 is queued or running, p1 is left to it
    p1_run = bench.record_run(portfolio_range_tags(DAYS[4], DAYS[4], [p1]), S.STARTED)
    assert runs(bench.sensor("portfolio_close_sensor")) == [(DAYS[4], DAYS[4], [p2])]

    # a run over every active portfolio (no portfolios tag, e.g. launched from the UI) covers both
    bench.instance.delete_run(p1_run.run_id)
    every = bench.record_run(portfolio_range_tags(DAYS[4], DAYS[4]), S.STARTING)
    assert bench.sensor("portfolio_close_sensor").run_requests == []

    bench.instance.delete_run(every.run_id)
    for p in (p1, p2):
        bench.completed(DAYS[4:], p)  # what the run's assets write
    assert bench.sensor("portfolio_close_sensor").run_requests == []


def test_close_sensor_batches_the_days_portfolios_into_one_run(bench):
    keys = [add(bench, f"p{i}") for i in range(12)]  # keys past 9: the tag orders them as numbers
    bench.instance.add_dynamic_partitions("portfolio", keys)
    bench.materialized(DAYS)
    *current, lagging = keys
    for key in current:
        bench.completed(DAYS[:4], key)
    bench.completed(DAYS[:3], lagging)  # also lacks 2025-03-06

    result = bench.sensor("portfolio_close_sensor")
    assert sorted(runs(result)) == [(DAYS[3], DAYS[4], [lagging]), (DAYS[4], DAYS[4], current)]
    batch = next(r for r in result.run_requests if run_portfolios(r.tags) == current)
    assert batch.tags[PORTFOLIOS_TAG] == ",".join(sorted(current, key=int))
    assert PORTFOLIO_TAG not in batch.tags  # several portfolios: dagster.yaml's level limit serializes it

    # once the lagging portfolio has caught up on 03-06, all twelve lack the same day: one run
    bench.completed(DAYS[3:4], lagging)
    [(first, last, portfolios)] = runs(bench.sensor("portfolio_close_sensor"))
    assert (first, last, portfolios) == (DAYS[4], DAYS[4], sorted(keys, key=int))


@pytest.mark.parametrize("config", ["dagster.yaml", "deploy/dagster.yaml"])
def test_every_shipped_instance_runs_one_portfolio_level_run_at_a_time(config):
    """A batched run carries no `portfolio` tag, so only the level limit keeps two from overlapping."""
    limits = yaml.safe_load((REPO / config).read_text())["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": LEVEL_TAG, "value": "portfolio", "limit": 1} in limits
    assert {"key": LEVEL_TAG, "value": "day", "limit": 1} in limits


def test_catch_up_requests_only_the_missing_days_of_lagging_portfolios(bench):
    current, lagging, twin = add(bench, "current"), add(bench, "lagging"), add(bench, "twin")
    late = add(bench, "late", date(2025, 3, 5))
    bench.instance.add_dynamic_partitions("portfolio", [current, lagging, twin, late])
    bench.materialized(DAYS)
    bench.completed(DAYS, current)
    for p in (lagging, twin):
        bench.completed(["2025-03-03", "2025-03-04", "2025-03-06"], p)  # down on 03-05, behind on 03-07

    result = bench.sensor("portfolio_close_sensor")
    assert spans(result) == {
        lagging: [("2025-03-05", "2025-03-05"), ("2025-03-07", "2025-03-07")],
        twin: [("2025-03-05", "2025-03-05"), ("2025-03-07", "2025-03-07")],
        late: [("2025-03-05", "2025-03-07")],  # from its first entry, not from the partitions start
    }
    assert len(result.run_requests) == 3  # portfolios lacking exactly the same days share a run

    # a failed run's range gets a new run key (the next evaluation redoes it), at most MAX_ATTEMPTS times
    tags = portfolio_range_tags("2025-03-05", "2025-03-07", [late])
    bench.record_run(tags, S.FAILURE)
    retry = next(r for r in bench.sensor("portfolio_close_sensor").run_requests if run_portfolios(r.tags) == [late])
    original = next(r for r in result.run_requests if run_portfolios(r.tags) == [late])
    assert retry.run_key != original.run_key
    for _ in range(MAX_ATTEMPTS - 1):
        bench.record_run(tags, S.FAILURE)
    assert late not in spans(bench.sensor("portfolio_close_sensor"))

    # a failed run counts against every portfolio it wrote; a batch is retried as a batch, then on its
    # last attempt each portfolio runs alone (one failing portfolio cannot hold back the others)
    batch = portfolio_range_tags("2025-03-05", "2025-03-05", [lagging, twin])
    for _ in range(MAX_ATTEMPTS - 1):
        bench.record_run(batch, S.FAILURE)
    requested = runs(bench.sensor("portfolio_close_sensor"))
    assert [r for r in requested if r[0] == "2025-03-05"] == [
        ("2025-03-05", "2025-03-05", [lagging]),
        ("2025-03-05", "2025-03-05", [twin]),
    ]
    bench.record_run(batch, S.FAILURE)
    assert runs(bench.sensor("portfolio_close_sensor")) == [("2025-03-07", "2025-03-07", [lagging, twin])]

    # a soft-deleted portfolio drops out of the daily path
    with bench.db.transaction() as session:
        delete_portfolio(session, int(lagging))
    assert runs(bench.sensor("portfolio_close_sensor")) == [("2025-03-07", "2025-03-07", [twin])]


def test_onboarding_sensor_adds_the_partition_once_and_requests_only_that_portfolio(bench):
    old = add(bench, "old")
    bench.instance.add_dynamic_partitions("portfolio", [old])
    bench.materialized(DAYS)
    bench.completed(DAYS, old)
    new = add(bench, "new", date(2025, 3, 4))
    latest = calendar.latest_closed_session(datetime.now(UTC)).isoformat()

    first = bench.sensor("portfolio_onboarding_sensor")
    [added] = first.dynamic_partitions_requests
    assert isinstance(added, dg.AddDynamicPartitionsRequest)
    assert (added.partitions_def_name, list(added.partition_keys)) == ("portfolio", [new])
    # both runs in the same tick: the portfolio-level run waits in the queue behind the day-level run
    day_run, portfolio_run = first.run_requests
    assert day_run.job_name == DAY_JOB
    assert day_run.tags.items() >= {**day_range_tags("2025-03-04", latest, portfolio=new), ONBOARDING_TAG: new}.items()
    assert portfolio_run.job_name == PORTFOLIO_JOB
    expected = {ONBOARDING_TAG: new, AFTER_RUN_TAG: day_run.run_key}
    assert portfolio_run.tags.items() >= {**portfolio_range_tags("2025-03-04", latest, [new]), **expected}.items()
    bench.instance.add_dynamic_partitions("portfolio", [new])  # what the daemon does with the request

    # evaluated again (e.g. after a daemon restart): no second partition, the same run keys at most
    second = bench.sensor("portfolio_onboarding_sensor", first.cursor)
    assert second.dynamic_partitions_requests == []
    assert [r.run_key for r in second.run_requests] in ([], [day_run.run_key, portfolio_run.run_key])

    running = bench.record_run({**day_run.tags, RUN_KEY_TAG: day_run.run_key}, S.STARTED)
    queued = bench.record_run(portfolio_run.tags, S.NOT_STARTED)  # created, waiting for the queue
    assert bench.sensor("portfolio_onboarding_sensor", second.cursor).run_requests == []
    assert new not in spans(bench.sensor("portfolio_close_sensor"))  # onboarding owns it

    bench.instance.delete_run(running.run_id)
    bench.record_run({**day_run.tags, RUN_KEY_TAG: day_run.run_key}, S.SUCCESS)
    assert new not in spans(bench.sensor("portfolio_close_sensor"))  # its portfolio-level run is queued
    third = bench.sensor("portfolio_onboarding_sensor", second.cursor)
    assert third.run_requests == [] and third.dynamic_partitions_requests == []
    assert '"pending": []' in third.cursor  # handed over: the close sensor owns what that run leaves undone

    bench.instance.delete_run(queued.run_id)
    bench.record_run(portfolio_run.tags, S.SUCCESS)
    fourth = bench.sensor("portfolio_onboarding_sensor", third.cursor)
    assert fourth.run_requests == [] and fourth.dynamic_partitions_requests == []


def test_onboarding_retries_a_failed_day_level_run_then_hands_over(bench):
    new = add(bench, "new", date(2025, 3, 4))
    first = bench.sensor("portfolio_onboarding_sensor")
    bench.instance.add_dynamic_partitions("portfolio", [new])
    day_run, portfolio_run = first.run_requests
    cursor = first.cursor
    for attempt in range(2, MAX_ATTEMPTS + 1):
        bench.record_run(day_run.tags, S.FAILURE)
        bench.record_run(portfolio_run.tags, S.FAILURE)  # its prerequisite failed
        result = bench.sensor("portfolio_onboarding_sensor", cursor)
        day_run, portfolio_run = result.run_requests
        assert day_run.run_key == f"onboarding-{new}-day-{attempt}"
        assert portfolio_run.run_key == f"onboarding-{new}-portfolio-{attempt}"
        assert portfolio_run.tags[AFTER_RUN_TAG] == day_run.run_key
        cursor = result.cursor
    bench.record_run(day_run.tags, S.FAILURE)
    bench.record_run(portfolio_run.tags, S.FAILURE)
    given_up = bench.sensor("portfolio_onboarding_sensor", cursor)
    assert given_up.run_requests == [] and '"pending": []' in given_up.cursor
    # the catch-up takes over with all its attempts: onboarding's portfolio-level runs are not among them
    assert not failed_attempts(bench.instance, datetime(2025, 1, 1, tzinfo=UTC), [new])


def test_cleanup_sensor_removes_a_deleted_portfolios_partition(bench):
    keep, gone, busy = add(bench, "keep"), add(bench, "gone"), add(bench, "busy")
    bench.instance.add_dynamic_partitions("portfolio", [keep, gone, busy])
    assert bench.sensor("portfolio_cleanup_sensor").dynamic_partitions_requests == []
    with bench.db.transaction() as session:
        delete_portfolio(session, int(gone))
        delete_portfolio(session, int(busy))
    bench.record_run(portfolio_range_tags(DAYS[0], DAYS[0], [busy]), S.STARTED)
    [request] = bench.sensor("portfolio_cleanup_sensor").dynamic_partitions_requests
    assert isinstance(request, dg.DeleteDynamicPartitionsRequest)
    assert list(request.partition_keys) == [gone]  # not while a run still writes `busy`
