"""One asset job per level: every run of the product's own launch paths is a run of one of these.

Each job selects the assets tagged with its level (`sigmasight/level`), so an asset joins its job
by carrying the tag. Both levels share the trading-day partitions, but they run apart: the
day-level run for a day must finish before any portfolio-level run reads it. Schedules and sensors
launch these jobs by name, and `sigmasight run` and the demo execute them in process with the code
location's origin (`runs.job_runs`), so the UI opens and re-executes every such run.

One run per level at a time is held by the level's pool, named by every asset of the level and
limited to one run at run granularity in dagster.yaml: it holds for any run executing the assets,
also asset-page materializations and backfills, which run `__ASSET_JOB` without these jobs' tags.
The level is also a job tag (`tags=`, not `run_tags=`, which the launchpad and `dagster job launch`
do not copy), with its own limit in dagster.yaml for job runs. The company profiles, unpartitioned,
get their own job.
"""

import dagster as dg

from sigmasight_assets.pipeline.tags import DAY_JOB, DAY_LEVEL, LEVEL_TAG, PORTFOLIO_JOB, PORTFOLIO_LEVEL, PROFILES_JOB

day_assets_job = dg.define_asset_job(
    DAY_JOB,
    selection=dg.AssetSelection.tag(LEVEL_TAG, DAY_LEVEL),
    tags={LEVEL_TAG: DAY_LEVEL},
    description=(
        "Day-level assets (market_prices, symbol_factor_exposures, symbol_metrics, risk_model): market data"
        " for every symbol of the universe, per trading day. One run at a time (pool sigmasight_day)."
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
