"""The partitions every asset uses: NYSE trading days; and the registry of onboarded portfolios.

Portfolios are not a partition dimension of any asset: one Dagster partition per (asset, day,
portfolio) made Dagster's per-partition event cost grow with portfolios × days (README "Scale").
The `portfolio` dynamic partition set remains the instance's record of which portfolios the
onboarding sensor has taken on, so the sensors and the API can tell new from known.
"""


from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg

from sigmasight_resources import calendar

DATE_FORMAT = "%Y-%m-%d"
CLOSE_CRON = "0 16 * * 1-5"
NY = ZoneInfo(calendar.TIMEZONE)


def trading_day_partitions(start: date) -> dg.TimeWindowPartitionsDefinition:
    """Keys are ISO dates of NYSE sessions from `start`; today's exists once the market has closed."""
    closures = calendar.weekday_closures(start, calendar.CALENDAR_END)
    return dg.TimeWindowPartitionsDefinition(
        start=datetime(start.year, start.month, start.day, 16, tzinfo=NY),
        fmt=DATE_FORMAT,
        cron_schedule=CLOSE_CRON,
        timezone=calendar.TIMEZONE,
        end_offset=1,
        exclusions=[datetime(d.year, d.month, d.day, 16, tzinfo=NY) for d in closures],
    )


portfolio_partitions = dg.DynamicPartitionsDefinition(name="portfolio")

