"""How assets that call the market-data vendor retry, and how they fail when it refuses."""

import dagster as dg

from sigmasight_resources.market_data.base import PermanentMarketDataError

# Transient vendor trouble (timeouts, 5xx, rate limits the client gave up on): the step is retried.
VENDOR_RETRY = dg.RetryPolicy(max_retries=3, delay=10, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


def refused(exc: PermanentMarketDataError, what: str) -> dg.Failure:
    """A permanent refusal (bad key, forbidden): fail the step without retries, saying what was refused."""
    return dg.Failure(f"market data vendor refused the {what}: {exc}", allow_retries=False)
