"""Schedule ticks: NYSE holidays are skipped with the holiday's name; a trading day requests its day-level run."""

import warnings
from datetime import datetime

import dagster as dg
import pytest

from sigmasight_assets.definitions import build_definitions
from sigmasight_assets.partitions import NY
from sigmasight_assets.pipeline.tags import (
    DAY_JOB,
    LEVEL_TAG,
    PORTFOLIO_JOB,
    PORTFOLIO_TAG,
    PROFILES_JOB,
)
from sigmasight_resources.settings import load_settings


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    return build_definitions(load_settings(database_url="sqlite://", partitions_start="2024-01-02"))


def tick(defs: dg.Definitions, name: str, year: int, month: int, day: int, hour: int = 18, minute: int = 30):
    with dg.instance_for_test() as instance:
        context = dg.build_schedule_context(
            scheduled_execution_time=datetime(year, month, day, hour, minute, tzinfo=NY),
            instance=instance,
            repository_def=defs.get_repository_def(),
        )
        return defs.get_repository_def().get_schedule_def(name).evaluate_tick(context)


@pytest.mark.parametrize(
    "day, holiday",
    [
        ((2024, 7, 4), "July 4th"),
        ((2025, 1, 9), "National Day of Mourning for Jimmy Carter"),
        ((2026, 11, 26), "Thanksgiving"),
    ],
)
def test_holiday_tick_is_skipped_naming_the_holiday(defs, day, holiday):
    result = tick(defs, "daily_close_schedule", *day)
    assert result.run_requests == []
    assert holiday in result.skip_message
    assert "not an NYSE trading day" in result.skip_message


def test_trading_day_tick_requests_the_day_level_assets_for_that_day(defs):
    result = tick(defs, "daily_close_schedule", 2024, 7, 3)
    [request] = result.run_requests
    assert request.partition_key == "2024-07-03"
    assert request.run_key == "close-2024-07-03"
    assert request.tags[PORTFOLIO_TAG] == "__market__" and request.tags[LEVEL_TAG] == "day"
    schedule = defs.get_repository_def().get_schedule_def("daily_close_schedule")
    assert schedule.job_name == DAY_JOB
    assert schedule.cron_schedule == "30 18 * * 1-5" and schedule.execution_timezone == "America/New_York"
    assert set(defs.resolve_job_def(DAY_JOB).asset_layer.executable_asset_keys) == {
        dg.AssetKey(n) for n in ("market_prices", "symbol_factor_exposures", "symbol_metrics", "risk_model")
    }


def test_every_run_of_a_level_job_carries_its_level_tag(defs):
    """dagster.yaml limits each level to one run; a run launched by hand without the tag is limited too.

    The level is a job tag (what the launchpad and `dagster job launch` copy, test_launchpad_tags.py),
    and with no separate `run_tags` it is also the run tag of schedule, sensor and in-process runs."""
    for job, level in ((DAY_JOB, "day"), (PORTFOLIO_JOB, "portfolio")):
        job_def = defs.resolve_job_def(job)
        assert job_def.tags == job_def.run_tags == {LEVEL_TAG: level}
        assert job_def.get_job_snapshot().tags == {LEVEL_TAG: level}


def test_tick_before_the_partitions_start_is_skipped(defs):
    result = tick(defs, "daily_close_schedule", 2023, 12, 28)
    assert "before the partitions start" in result.skip_message


def test_company_profiles_refresh_only_on_trading_days(defs):
    assert "Thanksgiving" in tick(defs, "company_profiles_schedule", 2026, 11, 26, 18, 0).skip_message
    [request] = tick(defs, "company_profiles_schedule", 2024, 7, 3, 18, 0).run_requests
    assert request.run_key == "profiles-2024-07-03"
    assert defs.get_repository_def().get_schedule_def("company_profiles_schedule").job_name == PROFILES_JOB


def test_definitions_load_with_every_schedule_and_sensor(defs):
    dg.Definitions.validate_loadable(defs)
    repository = defs.get_repository_def()
    assert {s.name for s in repository.sensor_defs} == {
        "portfolio_onboarding_sensor",
        "portfolio_close_sensor",
        "portfolio_cleanup_sensor",
        "run_summary_sensor",
        "run_failure_alert_sensor",
        "failed_partitions_sensor",
        "completion_deadline_sensor",
    }
    assert {s.name for s in repository.schedule_defs} == {"daily_close_schedule", "company_profiles_schedule"}
