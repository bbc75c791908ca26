"""The concurrency pools of the two levels: the run queue's limit on each level, whoever launches.

Every asset of a level names its level's pool (`pool=`), and dagster.yaml sets pools to run
granularity with a limit of one: the queue holds a run while another in-progress run holds a pool
it needs. Unlike a job's tags, the pool comes from the assets a run executes, so it holds also for
runs of `__ASSET_JOB` (an asset page's Materialize, a backfill), which carry no level tag.
"""

DAY_POOL = "sigmasight_day"
PORTFOLIO_POOL = "sigmasight_portfolio"
LEVEL_POOLS = (DAY_POOL, PORTFOLIO_POOL)
