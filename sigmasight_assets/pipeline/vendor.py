"""How assets that call the market-data vendor retry, fail when it refuses, and re-ask unavailable symbols."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import dagster as dg

from sigmasight_resources import calendar
from sigmasight_resources.market_data.base import PermanentMarketDataError

# Transient vendor trouble (timeouts, 5xx, rate limits the client gave up on): the step is retried.
VENDOR_RETRY = dg.RetryPolicy(max_retries=3, delay=10, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


def refused(exc: PermanentMarketDataError, what: str) -> dg.Failure:
    """A permanent refusal (bad key, forbidden): fail the step without retries, saying what was refused."""
    return dg.Failure(f"market data vendor refused the {what}: {exc}", allow_retries=False)


def sessions_since(checked_at: datetime, now: datetime) -> int:
    """NYSE sessions that closed after `checked_at` and by `now` (naive times are UTC, as stored)."""
    then = calendar.latest_closed_session(_utc(checked_at))
    latest = calendar.latest_closed_session(_utc(now))
    return len(calendar.sessions(then + timedelta(days=1), latest)) if latest > then else 0


def due_for_recheck(last_checked: Mapping[str, datetime], now: datetime, cooloff_sessions: int) -> set[str]:
    """The unavailable symbols to ask the vendor again: `cooloff_sessions` sessions have closed since their last
    empty answer. An empty answer is often temporary (a new listing, a vendor outage, a renamed ticker's gap)."""
    return {s for s, at in last_checked.items() if sessions_since(at, now) >= cooloff_sessions}


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
