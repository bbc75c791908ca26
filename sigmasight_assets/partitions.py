"""The partitions every partitioned asset uses: NYSE trading days, keyed by ISO date.

Portfolios are not a partition dimension (see `sigmasight_assets.automation.registry`).
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
