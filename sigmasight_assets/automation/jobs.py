"""One asset job per level: schedules and sensors launch runs of these by name.

Each job selects the assets tagged with its level (`sigmasight/level`), so an asset joins its
job by carrying the tag. Both levels share the trading-day partitions, but they run apart: the
day-level run for a day must finish before any portfolio-level run reads it, and dagster.yaml
limits each level to one run at a time. Every run of a level's job carries its `sigmasight/level`
tag, also when launched by hand without it, so the limit holds. The company profiles,
unpartitioned, get their own job.
"""

import dagster as dg

from sigmasight_assets.pipeline.tags import DAY_JOB, DAY_LEVEL, LEVEL_TAG, PORTFOLIO_JOB, PORTFOLIO_LEVEL, PROFILES_JOB

day_assets_job = dg.define_asset_job(
    DAY_JOB, selection=dg.AssetSelection.tag(LEVEL_TAG, DAY_LEVEL), run_tags={LEVEL_TAG: DAY_LEVEL}
)
portfolio_assets_job = dg.define_asset_job(
    PORTFOLIO_JOB, selection=dg.AssetSelection.tag(LEVEL_TAG, PORTFOLIO_LEVEL), run_tags={LEVEL_TAG: PORTFOLIO_LEVEL}
)
company_profiles_job = dg.define_asset_job(PROFILES_JOB, selection=dg.AssetSelection.assets("company_profiles"))

JOBS = [day_assets_job, portfolio_assets_job, company_profiles_job]
