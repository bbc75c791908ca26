"""The NYSE trading calendar, from pandas-market-calendars, as plain dates."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import pandas as pd
import pandas_market_calendars as mcal

EXCHANGE = "NYSE"
TIMEZONE = "America/New_York"
# The convention for annualizing daily figures (about 252 NYSE sessions a year).
TRADING_DAYS_PER_YEAR = 252
# The exclusions list is fixed at load; it covers every year a partition can fall in.
CALENDAR_END = date(2035, 12, 31)
# Names of ad-hoc closures, which pandas-market-calendars lists as bare dates.
SPECIAL_CLOSURES = {
    date(2012, 10, 29): "Hurricane Sandy",
    date(2012, 10, 30): "Hurricane Sandy",
    date(2018, 12, 5): "National Day of Mourning for George H. W. Bush",
    date(2025, 1, 9): "National Day of Mourning for Jimmy Carter",
}


@lru_cache(maxsize=1)
def _sessions_index() -> pd.DatetimeIndex:
    schedule = mcal.get_calendar(EXCHANGE).schedule(start_date="2000-01-01", end_date=CALENDAR_END)
    return pd.DatetimeIndex(schedule.index).normalize()


def sessions(start: date, end: date) -> list[date]:
    """NYSE trading days in [start, end], inclusive."""
    index = _sessions_index()
    picked = index[(index >= pd.Timestamp(start)) & (index <= pd.Timestamp(end))]
    return [ts.date() for ts in picked]


def weekday_closures(start: date, end: date) -> list[date]:
    """Weekdays in [start, end] when NYSE is closed (holidays and special closures)."""
    open_days = set(sessions(start, end))
    weekdays = pd.bdate_range(start, end)
    return [ts.date() for ts in weekdays if ts.date() not in open_days]


@lru_cache(maxsize=1)
def _holiday_names() -> dict[date, str]:
    calendar = mcal.get_calendar(EXCHANGE)
    names: dict[date, str] = {}
    for rule in calendar.regular_holidays.rules:
        for day in rule.dates(date(2000, 1, 1), CALENDAR_END):
            names[day.date()] = rule.name
    names.update(SPECIAL_CLOSURES)
    return names


def closure_name(day: date) -> str | None:
    """Why NYSE is closed on a weekday (e.g. 'USIndependenceDay'), or None if it trades."""
    if day.weekday() >= 5:
        return "weekend"
    if sessions(day, day):
        return None
    return _holiday_names().get(day, "unscheduled NYSE closure")


def previous_sessions(day: date, count: int) -> date:
    """The trading day `count` sessions before `day` (or before the first session after it)."""
    index = _sessions_index()
    position = int(index.searchsorted(pd.Timestamp(day)))
    return index[max(position - count, 0)].date()


def latest_session(on_or_before: date) -> date:
    """The last trading day on or before a date."""
    index = _sessions_index()
    position = int(index.searchsorted(pd.Timestamp(on_or_before), side="right")) - 1
    return index[position].date()


def latest_closed_session(now: datetime) -> date:
    """The last trading day whose 16:00 New York close is at or before `now` (timezone-aware)."""
    local = now.astimezone(ZoneInfo(TIMEZONE))
    today = local.date()
    if sessions(today, today) and local.time() >= time(16, 0):
        return today
    return latest_session(today - timedelta(days=1))
