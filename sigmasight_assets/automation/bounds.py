"""The trading-day partitions' first and last session, and a range checked against them.

A range outside the partitions fails Dagster's run with `Could not find a partition with key` only
after the run is recorded; the CLI and the admin API check it up front with these instead.
"""

from datetime import date, datetime

from sigmasight_resources import calendar


def last_partition(partitions_end: date | None, now: datetime) -> date:
    """The latest closed session, not after `partitions_end` (the last session on or before it)."""
    latest = calendar.latest_closed_session(now)
    return latest if partitions_end is None else min(latest, calendar.latest_session(partitions_end))


def outside(first: date, last: date, start: date, end: date, names: tuple[str, str]) -> tuple[str, str] | None:
    """(the field, one line naming it and the partitions range) when [first, last] leaves [start, end]."""
    span = f"the partitions run {start}..{end}"
    if first < start:
        return names[0], f"{names[0]} {first} is before the partitions start ({span})"
    if last > end:
        return names[1], f"{names[1]} {last} is after the partitions end ({span})"
    return None
