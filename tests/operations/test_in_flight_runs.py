"""The close sensor counts every in-flight run that writes the portfolio level, however it was launched:
an asset page's Materialize or a backfill runs `__ASSET_JOB` with no level tag, and the launchpad may omit
the portfolio tags. Runs are recorded with a status, not executed, as in test_sensors.py."""

import copy
from datetime import date

import dagster as dg

from benchmarks.scenarios.pipeline import STOCKS
from sigmasight_assets.assets import DAY_ASSETS, PORTFOLIO_ASSETS
from sigmasight_assets.automation.planning import busy_portfolios, writes_portfolio_level
from sigmasight_assets.pipeline.tags import LEVEL_TAG, PORTFOLIOS_TAG, RANGE_END, RANGE_START
from sigmasight_assets.runs.job_runs import job_origin

DAYS = ["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07"]
RANGE = {RANGE_START: DAYS[4], RANGE_END: DAYS[4]}
S = dg.DagsterRunStatus


def add(bench, name: str) -> str:
    positions = [{**p, "entry_date": date(2025, 3, 3)} for p in copy.deepcopy(STOCKS[:2])]
    return str(bench.add_portfolio(name, positions))


def asset_run(bench, names, tags=RANGE, status=S.STARTED) -> dg.DagsterRun:
    """A run of `__ASSET_JOB` as an asset page or a backfill creates it: the selected assets, no level tag."""
    job = bench.defs.resolve_implicit_global_asset_job_def()
    selection = None if names is None else {dg.AssetKey(n) for n in names}
    return bench.instance.create_run_for_job(
        job_def=job, asset_selection=selection, tags=tags, status=status, remote_job_origin=job_origin(job.name)
    )


def test_asset_job_runs_of_the_portfolio_level_are_in_flight_without_the_level_tag(bench):
    day_run = asset_run(bench, DAY_ASSETS)
    portfolio_run = asset_run(bench, PORTFOLIO_ASSETS[:1])
    every_asset = asset_run(bench, None)
    job = bench.defs.resolve_job_def("portfolio_assets_job")
    tagged = bench.instance.create_run_for_job(
        job_def=job, tags={**job.run_tags, **RANGE}, status=S.QUEUED, remote_job_origin=job_origin(job.name)
    )
    assert LEVEL_TAG not in portfolio_run.tags and LEVEL_TAG not in every_asset.tags
    assert LEVEL_TAG in tagged.tags  # the job's tag, as every launcher copies it
    assert [writes_portfolio_level(r) for r in (day_run, portfolio_run, every_asset, tagged)] == [
        False,
        True,
        True,
        True,
    ]


def test_the_close_sensor_skips_portfolios_an_asset_page_run_writes(bench):
    p1, p2 = add(bench, "one"), add(bench, "two")
    bench.instance.add_dynamic_partitions("portfolio", [p1, p2])
    bench.materialized(DAYS)
    for p in (p1, p2):
        bench.completed(DAYS[:4], p)
    assert busy_portfolios(bench.instance, [p1, p2]) == set()

    narrowed = asset_run(bench, PORTFOLIO_ASSETS, {**RANGE, PORTFOLIOS_TAG: p1})
    [request] = bench.sensor("portfolio_close_sensor").run_requests
    assert request.tags[PORTFOLIOS_TAG] == p2  # p1 is left to the asset-page run

    bench.instance.report_run_canceled(narrowed)
    everyone = asset_run(bench, PORTFOLIO_ASSETS)  # no portfolio tag: it writes every active portfolio
    assert busy_portfolios(bench.instance, [p1, p2]) == {p1, p2}
    skipped = bench.sensor("portfolio_close_sensor")
    assert skipped.run_requests == [] and "2 in flight" in skipped.skip_message
    bench.instance.report_run_canceled(everyone)
    assert len(bench.sensor("portfolio_close_sensor").run_requests) == 1
