"""A partitions end in the past: the schedules skip naming it, onboarding stops at it, and `sigmasight run`
refuses a range outside the partitions up front with one line."""

from datetime import UTC, date, datetime

import dagster as dg
import pytest

from sigmasight_assets.automation.bounds import last_partition, outside
from sigmasight_assets.automation.schedules import skip_reason
from sigmasight_assets.automation.sensors import onboarding_range
from sigmasight_assets.definitions import build_definitions
from sigmasight_assets.partitions import NY
from sigmasight_resources.settings import load_settings
from tests.support.cli import cli

START, END = date(2025, 3, 3), date(2025, 3, 9)  # a Sunday: the last session is Friday 03-07
NOW = datetime(2026, 12, 1, 15, tzinfo=UTC)


def test_a_tick_after_the_partitions_end_is_skipped_naming_the_end():
    defs = build_definitions(load_settings(database_url="sqlite://", partitions_start=START, partitions_end=END))
    repository = defs.get_repository_def()
    for name, minute in (("daily_close_schedule", 30), ("company_profiles_schedule", 0)):
        with dg.instance_for_test() as instance:
            context = dg.build_schedule_context(
                scheduled_execution_time=datetime(2025, 3, 10, 18, minute, tzinfo=NY),
                instance=instance,
                repository_def=repository,
            )
            result = repository.get_schedule_def(name).evaluate_tick(context)
        assert result.run_requests == []
        assert result.skip_message == "2025-03-10 is after the partitions end 2025-03-09"
    assert skip_reason(date(2025, 3, 7), START, END) is None  # the end's own week still runs


def test_onboarding_stops_at_the_last_session_before_the_end():
    assert onboarding_range(date(2025, 3, 4), START, NOW, END) == (date(2025, 3, 4), date(2025, 3, 7))
    assert onboarding_range(date(2025, 3, 10), START, NOW, END) is None  # entered after the end
    assert onboarding_range(date(2025, 3, 4), START, NOW)[1] == date(2026, 11, 30)  # no end: the latest close


def test_a_range_outside_the_partitions_names_the_option_and_the_partitions():
    assert last_partition(END, NOW) == date(2025, 3, 7)
    assert outside(START, date(2025, 3, 7), START, date(2025, 3, 7), ("--start", "--end")) is None
    assert outside(START, date(2025, 3, 10), START, date(2025, 3, 7), ("--start", "--end")) == (
        "--end",
        "--end 2025-03-10 is after the partitions end (the partitions run 2025-03-03..2025-03-07)",
    )
    assert outside(date(2025, 2, 28), END, START, date(2025, 3, 7), ("start", "end"))[0] == "start"


@pytest.mark.parametrize(
    "args, line",
    [
        (("--start", "2025-03-03", "--end", "2025-03-10"), "--end 2025-03-10 is after the partitions end"),
        (("--start", "2025-02-28", "--end", "2025-03-05"), "--start 2025-02-28 is before the partitions start"),
    ],
)
def test_sigmasight_run_outside_the_partitions_fails_up_front(tmp_path, monkeypatch, args, line):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("SIGMASIGHT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SIGMASIGHT_DATABASE_URL", f"sqlite:///{tmp_path / 'results.db'}")
    monkeypatch.setenv("SIGMASIGHT_PARTITIONS_START", START.isoformat())
    monkeypatch.setenv("SIGMASIGHT_PARTITIONS_END", END.isoformat())
    result = cli("run", *args, code=2)
    [message] = [text for text in result.output.splitlines() if text.strip()]
    assert line in message and "2025-03-03..2025-03-07" in message
    assert not (tmp_path / "results.db").exists()  # nothing opened, nothing run
