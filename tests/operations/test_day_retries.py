"""Days without silent holes (SQLite and PostgreSQL): the close sensor retries a failed or missing day-level day
under new run keys and the portfolio-days follow once it lands; exhausted retries and a missed completion
deadline each alert once through the webhook; K portfolio groups split a day into K disjoint runs."""

import copy
from datetime import UTC, date, datetime, time

import dagster as dg

from benchmarks.scenarios.pipeline import STOCKS
from sigmasight_assets.automation.deadline import due_day, lacking_on
from sigmasight_assets.automation.sensors import MAX_ATTEMPTS, split_groups
from sigmasight_assets.definitions import build_definitions
from sigmasight_assets.pipeline.tags import DAY_JOB, LEVEL_TAG, PORTFOLIO_JOB, run_dates, run_portfolios
from sigmasight_resources.settings import load_settings
from tests.operations.test_alerts import webhook_url  # noqa: F401 - the fixture
from tests.support.bench import PARTITIONS_START, Bench

DAYS = ["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07"]
S = dg.DagsterRunStatus


def add(bench, name: str) -> str:
    key = str(bench.add_portfolio(name, [{**p, "entry_date": date(2025, 3, 3)} for p in copy.deepcopy(STOCKS[:2])]))
    bench.instance.add_dynamic_partitions("portfolio", [key])
    return key


def variant(bench, **settings) -> Bench:
    """The same results DB and instance, with the code location built on other settings."""
    loaded = load_settings(
        database_url=bench.db.url, partitions_start=PARTITIONS_START, market_data="simulated", **settings
    )
    return Bench(bench.db, build_definitions(loaded), bench.instance)


def requested(result) -> list[tuple[str, str, str, list[str] | None]]:
    out = []
    for r in result.run_requests:
        level = "day" if r.job_name == DAY_JOB else "portfolio"
        assert r.tags[LEVEL_TAG] == level and r.job_name in (DAY_JOB, PORTFOLIO_JOB)
        out.append((level, *run_dates(r.tags), run_portfolios(r.tags) if level == "portfolio" else None))
    return out


def schedule_run_tags(day: str) -> dict[str, str]:
    return {"dagster/partition": day, LEVEL_TAG: "day", "portfolio": "__market__"}


def test_a_failed_day_level_day_is_retried_then_its_portfolio_days_follow(bench, webhook_url):  # noqa: F811
    url, received = webhook_url
    bench = variant(bench, alert_webhook_url=url)
    p1, p2 = add(bench, "one"), add(bench, "two")
    bench.materialized(DAYS[:4])
    for p in (p1, p2):
        bench.completed(DAYS[:4], p)
    bench.record_run(schedule_run_tags(DAYS[4]), S.FAILURE)  # the 18:30 run of 03-07 failed

    first = bench.sensor("portfolio_close_sensor")
    assert requested(first) == [("day", DAYS[4], DAYS[4], None)]  # no portfolio-day of 03-07 before it lands
    [retry] = first.run_requests
    assert retry.run_key == f"day-{DAYS[4]}-{DAYS[4]}-1"
    bench.record_run(retry.tags, S.FAILURE)
    [again] = bench.sensor("portfolio_close_sensor", first.cursor).run_requests
    assert again.run_key == f"day-{DAYS[4]}-{DAYS[4]}-2"  # a new key: Dagster launches it
    assert received == []

    bench.materialized(DAYS[4:])  # the retry succeeded
    landed = bench.sensor("portfolio_close_sensor", first.cursor)
    assert requested(landed) == [("portfolio", DAYS[4], DAYS[4], [p1, p2])]


def test_exhausted_day_level_retries_alert_once(bench, webhook_url):  # noqa: F811
    url, received = webhook_url
    bench = variant(bench, alert_webhook_url=url)
    p1 = add(bench, "one")
    bench.materialized(DAYS[:4])
    bench.completed(DAYS[:4], p1)
    for _ in range(MAX_ATTEMPTS):
        bench.record_run(schedule_run_tags(DAYS[4]), S.FAILURE)

    given_up = bench.sensor("portfolio_close_sensor")
    assert given_up.run_requests == [] and "1 given up" in given_up.skip_message
    [(_, payload)] = received
    assert payload["given_up"] == [f"day level {DAYS[4]}..{DAYS[4]}"]
    assert f"failed {MAX_ATTEMPTS} times" in payload["text"]
    later = bench.sensor("portfolio_close_sensor", given_up.cursor)
    assert later.run_requests == [] and len(received) == 1  # once, not on every evaluation


def test_a_hole_in_the_middle_of_the_day_level_is_requested(bench):
    p1 = add(bench, "one")
    bench.materialized([d for d in DAYS if d != DAYS[2]])  # 03-05 never ran (daemon down that evening)
    bench.completed([d for d in DAYS if d != DAYS[2]], p1)
    first = bench.sensor("portfolio_close_sensor")
    assert requested(first) == [("day", DAYS[2], DAYS[2], None)]
    assert first.run_requests[0].run_key == f"day-{DAYS[2]}-{DAYS[2]}-0"
    bench.record_run(first.run_requests[0].tags, S.STARTED)
    assert bench.sensor("portfolio_close_sensor").run_requests == []  # in flight: not asked twice
    bench.materialized([DAYS[2]])
    assert requested(bench.sensor("portfolio_close_sensor")) == [("portfolio", DAYS[2], DAYS[2], [p1])]


def test_a_portfolio_hole_in_the_middle_of_its_history_is_requested(bench):
    p1, p2 = add(bench, "one"), add(bench, "two")
    bench.materialized(DAYS)
    bench.completed(DAYS, p1)
    bench.completed([d for d in DAYS if d != DAYS[1]], p2)
    assert requested(bench.sensor("portfolio_close_sensor")) == [("portfolio", DAYS[1], DAYS[1], [p2])]


def test_a_missed_close_alerts_once_after_the_deadline(bench, webhook_url):  # noqa: F811
    url, received = webhook_url
    bench = variant(bench, alert_webhook_url=url, partitions_end=date(2025, 3, 7))
    p1, p2 = add(bench, "one"), add(bench, "two")
    bench.materialized(DAYS[:4])
    bench.completed(DAYS[:4], p1)
    bench.completed(DAYS[:4], p2)  # 03-07 never closed for either

    missed = bench.sensor("completion_deadline_sensor")
    assert "2025-03-07 not complete by 20:00" in missed.skip_message
    [(_, payload)] = received
    assert payload["day"] == "2025-03-07" and f"({p1}, {p2})" in payload["text"]
    again = bench.sensor("completion_deadline_sensor", missed.cursor)
    assert again.run_requests == [] and len(received) == 1

    bench.completed(DAYS[4:], p1)
    bench.completed(DAYS[4:], p2)
    complete = bench.sensor("completion_deadline_sensor")  # a fresh cursor: judged again, now complete
    assert "complete for every active portfolio" in complete.skip_message and len(received) == 1


def test_the_deadline_day_is_the_latest_session_past_its_deadline():
    ny_1930 = datetime(2025, 3, 7, 0, 30, tzinfo=UTC)  # Thursday 19:30 New York
    assert due_day(ny_1930, time(20, 0), PARTITIONS_START, None) == date(2025, 3, 5)
    assert due_day(ny_1930, time(19, 0), PARTITIONS_START, None) == date(2025, 3, 6)
    assert due_day(ny_1930, time(20, 0), date(2025, 3, 6), None) is None
    done = {"1": {"2025-03-06"}}
    assert lacking_on(
        date(2025, 3, 6), {"1": date(2025, 3, 3), "2": date(2025, 3, 3), "3": date(2025, 3, 9)}, done
    ) == ["2"]


def test_k_groups_split_the_days_portfolios_into_k_disjoint_runs(bench):
    bench = variant(bench, portfolio_groups=2)
    keys = [add(bench, f"p{i}") for i in range(5)]
    bench.materialized(DAYS)
    for key in keys:
        bench.completed(DAYS[:4], key)
    result = bench.sensor("portfolio_close_sensor")
    groups = [r[3] for r in requested(result)]
    assert len(groups) == 2 and all(r[:3] == ("portfolio", DAYS[4], DAYS[4]) for r in requested(result))
    assert sorted(k for g in groups for k in g) == sorted(keys) and not set(groups[0]) & set(groups[1])
    assert len({r.run_key for r in result.run_requests}) == 2
    assert all(r.tags["sigmasight/portfolios"] == ",".join(g) for r, g in zip(result.run_requests, groups, strict=True))
    assert split_groups([["1", "2", "3"], ["9"]], 2) == [["1", "2"], ["3"], ["9"]]
