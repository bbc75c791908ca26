"""The graph's two levels of assets and the run tags that say what a run writes.

Every asset is partitioned by trading day. Day-level assets hold market data for all symbols;
a portfolio-level partition holds that day's results for every active portfolio. A run's
`sigmasight/portfolios` tag narrows a portfolio-level run to some portfolios (onboarding and
catch-up); without it the run covers all active portfolios (the daily close). `dagster.yaml`
limits concurrency on these tags, and the sensors read them back from the instance to find
work in flight.
"""

from collections.abc import Mapping, Sequence
from datetime import date

DAY_JOB = "day_assets_job"
PORTFOLIO_JOB = "portfolio_assets_job"
PROFILES_JOB = "company_profiles_job"

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
PORTFOLIO_TAG = "portfolio"  # limit 1 per unique value: runs for one portfolio one at a time
LEVEL_TAG = "sigmasight/level"  # "day" and "portfolio" each limited to 1 run at a time (dagster.yaml)
ONBOARDING_TAG = "sigmasight/onboarding"
# the run key of a run that must have succeeded before this one computes (an onboarding portfolio-level
# run, queued with its day-level run and held behind it by the `portfolio` limit, checks it on start)
AFTER_RUN_TAG = "sigmasight/after_run_key"
RUN_KEY_TAG = "dagster/run_key"  # Dagster's tag of a sensor-launched run's run key
PORTFOLIOS_TAG = "sigmasight/portfolios"  # comma-separated ids; absent: every active portfolio
MARKET_SCOPE = "__market__"  # the portfolio tag of day-level runs that serve every portfolio
DAY_LEVEL, PORTFOLIO_LEVEL = "day", "portfolio"


def day_range_tags(start: date | str, end: date | str, portfolio: str = MARKET_SCOPE) -> dict[str, str]:
    """Tags of a day-level run over [start, end]; `portfolio` names the portfolio it serves, if one."""
    return {RANGE_START: str(start), RANGE_END: str(end), PORTFOLIO_TAG: portfolio, LEVEL_TAG: DAY_LEVEL}


def portfolio_range_tags(
    start: date | str, end: date | str, portfolios: Sequence[str | int] | None = None
) -> dict[str, str]:
    """Tags of a portfolio-level run over [start, end] for some portfolios (None: every active one).

    A run for one portfolio also carries its `portfolio` tag, so the per-portfolio limit applies.
    """
    tags = {RANGE_START: str(start), RANGE_END: str(end), LEVEL_TAG: PORTFOLIO_LEVEL}
    if portfolios is not None:
        keys = sorted({str(p) for p in portfolios}, key=int)
        tags[PORTFOLIOS_TAG] = ",".join(keys)
        if len(keys) == 1:
            tags[PORTFOLIO_TAG] = keys[0]
    return tags


def run_portfolios(tags: Mapping[str, str]) -> list[str] | None:
    """The portfolio keys a portfolio-level run writes; None when it writes every active portfolio."""
    if PORTFOLIOS_TAG in tags:
        return [key for key in tags[PORTFOLIOS_TAG].split(",") if key]
    if tags.get(PORTFOLIO_TAG, MARKET_SCOPE) != MARKET_SCOPE:
        return [tags[PORTFOLIO_TAG]]
    return None


class RunTagError(ValueError):
    """A run tag whose value does not parse; the message is one line naming the tag and the value."""


def run_portfolio_ids(tags: Mapping[str, str]) -> list[int] | None:
    """`run_portfolios` as ids, for the assets; raises RunTagError when a key is not a portfolio id.

    The sensors and alerts read other runs' tags with the lenient `run_portfolios`, so one run with a
    bad tag fails itself (at its first portfolio-level asset) and never the daemon's evaluations.
    """
    keys = run_portfolios(tags)
    if keys is None:
        return None
    if not all(key.strip().isdecimal() for key in keys):
        if PORTFOLIOS_TAG in tags:
            raise RunTagError(
                f"run tag {PORTFOLIOS_TAG}: {tags[PORTFOLIOS_TAG]!r} is not a comma-separated list of portfolio ids"
            )
        raise RunTagError(f"run tag {PORTFOLIO_TAG}: {tags[PORTFOLIO_TAG]!r} is not a portfolio id")
    return [int(key) for key in keys]


def run_dates(tags: Mapping[str, str]) -> tuple[str, str] | None:
    """The (first, last) trading day of a ranged run's tags."""
    if RANGE_START not in tags or RANGE_END not in tags:
        return None
    return tags[RANGE_START], tags[RANGE_END]
