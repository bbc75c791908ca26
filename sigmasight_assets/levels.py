"""The graph's two partition levels and the run tags that say what a run writes.

A Dagster run targets one partitions definition (DAGSTER_NOTES §2c), so every run is either
day-level (trading days) or portfolio-level (trading day × portfolio). Its tags name the level
and the portfolio it writes; `dagster.yaml` limits concurrency on exactly these tags, and the
sensors read them back from the instance to find work in flight.
"""

from __future__ import annotations

from datetime import date

DAY_ASSETS = ("market_prices", "symbol_factor_exposures", "symbol_metrics")
PORTFOLIO_ASSETS = (
    "position_values", "portfolio_snapshots", "position_betas", "factor_exposures",
    "portfolio_volatility", "correlations", "stress_tests",
)

DAY_JOB = "day_assets_job"
PORTFOLIO_JOB = "portfolio_assets_job"
PROFILES_JOB = "company_profiles_job"

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
PORTFOLIO_TAG = "portfolio"  # limit 1 per unique value: two runs never write one portfolio at once
LEVEL_TAG = "sigmasight/level"  # value "day" limited to 1: market_prices never runs twice at once
ONBOARDING_TAG = "sigmasight/onboarding"
MARKET_SCOPE = "__market__"  # the portfolio tag of day-level runs that serve every portfolio
DAY_LEVEL, PORTFOLIO_LEVEL = "day", "portfolio"


def day_range_tags(start: date | str, end: date | str, portfolio: str = MARKET_SCOPE) -> dict[str, str]:
    """Tags of a day-level run over [start, end]; `portfolio` names the portfolio it serves, if one."""
    return {RANGE_START: str(start), RANGE_END: str(end), PORTFOLIO_TAG: portfolio, LEVEL_TAG: DAY_LEVEL}


def portfolio_range_tags(start: date | str, end: date | str, portfolio: str) -> dict[str, str]:
    """Tags of a portfolio-level run over [start, end] for one portfolio."""
    return {
        RANGE_START: f"{start}|{portfolio}", RANGE_END: f"{end}|{portfolio}",
        PORTFOLIO_TAG: portfolio, LEVEL_TAG: PORTFOLIO_LEVEL,
    }


def run_dates(tags: dict[str, str]) -> tuple[str, str] | None:
    """The (first, last) trading day of a ranged run's tags, without the portfolio part."""
    if RANGE_START not in tags or RANGE_END not in tags:
        return None
    return tags[RANGE_START].split("|")[0], tags[RANGE_END].split("|")[0]
