"""The partitions every partitioned asset uses: NYSE trading days, keyed by ISO date.

Portfolios are not a partition dimension (see `sigmasight_assets.automation.registry`).
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from sigmasight_resources import calendar

DATE_FORMAT = "%Y-%m-%d"
CLOSE_CRON = "0 16 * * 1-5"
NY = ZoneInfo(calendar.TIMEZONE)


def _close(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 16, tzinfo=NY)


def _window_end(day: date) -> datetime:
    """The close of the weekday after `day`: where the window of `day`'s partition ends."""
    following = day + timedelta(days=1)
    while following.weekday() >= 5:
        following += timedelta(days=1)
    return _close(following)


def trading_day_partitions(start: date, end: date | None = None) -> dg.TimeWindowPartitionsDefinition:
    """Keys are ISO dates of NYSE sessions from `start` to `end` (the last session on or before it).

    Without `end`, today's key exists once the market has closed. Dagster keeps a partition only
    if its whole window (to the next weekday's close) is before its `end`, so `end` is passed as
    the close after the end day.
    """
    closures = calendar.weekday_closures(start, end or calendar.CALENDAR_END)
    return dg.TimeWindowPartitionsDefinition(
        start=_close(start),
        end=_window_end(end) if end is not None else None,
        fmt=DATE_FORMAT,
        cron_schedule=CLOSE_CRON,
        timezone=calendar.TIMEZONE,
        end_offset=1,
        exclusions=[_close(d) for d in closures],
    )
