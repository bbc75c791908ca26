"""Schedules: the day-level assets after the NYSE close, and the company profiles, on trading days only.

The portfolio-level assets are not scheduled: `portfolio_close_sensor` launches them once the
day-level run has materialized the day, in one run for every portfolio that lacks just that day.
"""

from datetime import date

import dagster as dg

from sigmasight_assets.automation.jobs import company_profiles_job, day_assets_job
from sigmasight_assets.partitions import NY
from sigmasight_assets.pipeline.tags import DAY_LEVEL, LEVEL_TAG, MARKET_SCOPE, PORTFOLIO_TAG
from sigmasight_resources import calendar

CLOSE_CRON = "30 18 * * 1-5"
PROFILES_CRON = "0 18 * * 1-5"


def skip_reason(day: date, partitions_start: date, partitions_end: date | None = None) -> dg.SkipReason | None:
    """Why a weekday tick has nothing to do: an NYSE closure (named) or a day outside the partitions."""
    closure = calendar.closure_name(day)
    if closure:
        return dg.SkipReason(f"{day} is not an NYSE trading day: {closure}")
    if day < partitions_start:
        return dg.SkipReason(f"{day} is before the partitions start {partitions_start}")
    if partitions_end is not None and day > partitions_end:
        return dg.SkipReason(f"{day} is after the partitions end {partitions_end}")
    return None


def build_schedules(partitions_start: date, partitions_end: date | None = None) -> list[dg.ScheduleDefinition]:
    @dg.schedule(
        name="daily_close_schedule",
        description=(
            "The day-level assets for today's NYSE session, 2½ hours after the close (trading days only);"
            " portfolio_close_sensor then runs the portfolio-level assets."
        ),
        cron_schedule=CLOSE_CRON,
        execution_timezone=calendar.TIMEZONE,
        job=day_assets_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def daily_close_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        day = context.scheduled_execution_time.astimezone(NY).date()
        skip = skip_reason(day, partitions_start, partitions_end)
        if skip:
            return skip
        return dg.RunRequest(
            run_key=f"close-{day}",
            partition_key=day.isoformat(),
            tags={PORTFOLIO_TAG: MARKET_SCOPE, LEVEL_TAG: DAY_LEVEL},
        )

    @dg.schedule(
        name="company_profiles_schedule",
        description="Refreshes sector, industry and market cap of the universe on each trading day.",
        cron_schedule=PROFILES_CRON,
        execution_timezone=calendar.TIMEZONE,
        job=company_profiles_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def company_profiles_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        day = context.scheduled_execution_time.astimezone(NY).date()
        return skip_reason(day, partitions_start, partitions_end) or dg.RunRequest(run_key=f"profiles-{day}")

    return [daily_close_schedule, company_profiles_schedule]
