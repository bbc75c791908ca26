"""One asset job per level: schedules and sensors launch runs of these by name.

Each job selects the assets tagged with its level (`sigmasight/level`), so an asset joins its
job by carrying the tag. Both levels share the trading-day partitions, but they run apart: the
day-level run for a day must finish before any portfolio-level run reads it, and dagster.yaml
limits each level to one run at a time. The level tag is a job tag (`tags=`, no `run_tags=`):
Dagster copies a job's tags onto every run of the job, whoever launches it (schedules, sensors,
the launchpad and GraphQL, `dagster job launch`, `execute_in_process`), so the limit holds also
for a run launched by hand without the tag. (A job's separate `run_tags` reach only the runs of
schedules, sensors and in-process execution, not the launchpad or `dagster job launch`.) The
company profiles, unpartitioned, get their own job.
"""

import dagster as dg

from sigmasight_assets.pipeline.tags import DAY_JOB, DAY_LEVEL, LEVEL_TAG, PORTFOLIO_JOB, PORTFOLIO_LEVEL, PROFILES_JOB

day_assets_job = dg.define_asset_job(
    DAY_JOB,
    selection=dg.AssetSelection.tag(LEVEL_TAG, DAY_LEVEL),
    tags={LEVEL_TAG: DAY_LEVEL},
    description=(
        "Day-level assets (market_prices, symbol_factor_exposures, symbol_metrics, risk_model): market data"
        " for every symbol of the universe, per trading day. One run at a time (sigmasight/level=day)."
    ),
)
portfolio_assets_job = dg.define_asset_job(
    PORTFOLIO_JOB,
    selection=dg.AssetSelection.tag(LEVEL_TAG, PORTFOLIO_LEVEL),
    tags={LEVEL_TAG: PORTFOLIO_LEVEL},
    description=(
        "Portfolio-level assets: each day's results for every active portfolio, or for the ids of the run's"
        " sigmasight/portfolios tag. Reads the day-level results; one run at a time"
        " (sigmasight/level=portfolio)."
    ),
)
company_profiles_job = dg.define_asset_job(
    PROFILES_JOB,
    selection=dg.AssetSelection.assets("company_profiles"),
    description="Sector, industry and market cap of every symbol of the universe (unpartitioned).",
)

JOBS = [day_assets_job, portfolio_assets_job, company_profiles_job]
