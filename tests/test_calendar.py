from datetime import date, datetime

import dagster as dg
import pandas_market_calendars as mcal

from sigmasight_assets.partitions import NY, trading_day_partitions
from sigmasight_resources import calendar


def _keys(start: date, end: date) -> list[str]:
    days = trading_day_partitions(start)
    with dg.partition_loading_context(effective_dt=datetime(2027, 1, 5, 12, tzinfo=NY)):
        return [k for k in days.get_partition_keys() if k <= end.isoformat()]


def test_2024_has_252_trading_days():
    keys = _keys(date(2024, 1, 1), date(2024, 12, 31))
    assert len(keys) == 252
    assert "2024-07-04" not in keys
    assert "2024-11-29" in keys


def test_national_day_of_mourning_is_excluded():
    assert "2025-01-09" not in _keys(date(2025, 1, 1), date(2025, 1, 31))


def test_keys_equal_nyse_sessions_2020_to_2026():
    schedule = mcal.get_calendar("NYSE").schedule(start_date="2020-01-01", end_date="2026-12-31")
    expected = [ts.strftime("%Y-%m-%d") for ts in schedule.index]
    assert _keys(date(2020, 1, 1), date(2026, 12, 31)) == expected


def test_closure_names():
    assert calendar.closure_name(date(2024, 7, 4)) is not None
    assert calendar.closure_name(date(2025, 1, 9)) is not None
    assert calendar.closure_name(date(2026, 11, 26)) is not None
    assert calendar.closure_name(date(2024, 11, 29)) is None
