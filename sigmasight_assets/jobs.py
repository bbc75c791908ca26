"""One asset job per partitions definition: schedules and sensors launch runs of these by name.

A schedule or run can target only one partitions definition (DAGSTER_NOTES §6), so the day-level
and portfolio-level assets get a job each; the company profiles, unpartitioned, get their own.
"""

from __future__ import annotations

import dagster as dg

from sigmasight_assets.levels import DAY_ASSETS, DAY_JOB, PORTFOLIO_ASSETS, PORTFOLIO_JOB, PROFILES_JOB

day_assets_job = dg.define_asset_job(DAY_JOB, selection=dg.AssetSelection.assets(*DAY_ASSETS))
portfolio_assets_job = dg.define_asset_job(PORTFOLIO_JOB, selection=dg.AssetSelection.assets(*PORTFOLIO_ASSETS))
company_profiles_job = dg.define_asset_job(PROFILES_JOB, selection=dg.AssetSelection.assets("company_profiles"))

JOBS = [day_assets_job, portfolio_assets_job, company_profiles_job]
