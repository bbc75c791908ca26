"""Every launch path's run belongs to a job of the code location and re-executes from the UI; each level's
limit holds for UI launches, asset-page ones included.

Driven through the webserver's own GraphQL over HTTP (the calls the UI makes) against `dagster dev`
(webserver, daemon, the workspace's code location) on a temporary SQLite instance configured by the
repository's dagster.yaml (tests/support/webserver.py). The results DB holds no portfolio, so the sensors
launch nothing and the portfolio-level runs write nothing: the runs are real, only short.
"""

from datetime import date

import dagster as dg
import pytest

from sigmasight_api.launch import Launch, submit
from sigmasight_assets.assets import DAY_ASSETS, PORTFOLIO_ASSETS
from sigmasight_assets.cli.demo import PROFILES
from sigmasight_assets.cli.run import materialize
from sigmasight_assets.definitions import build_definitions
from sigmasight_assets.pipeline.pools import DAY_POOL, PORTFOLIO_POOL
from sigmasight_assets.pipeline.tags import (
    DAY_JOB,
    LEVEL_TAG,
    PORTFOLIO_JOB,
    PORTFOLIO_LEVEL,
    PROFILES_JOB,
    RANGE_END,
    RANGE_START,
    portfolio_range_tags,
)
from sigmasight_assets.runs.in_process import PlannedRun, execute
from sigmasight_assets.runs.job_runs import LOCATION_NAME
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.settings import load_settings
from tests.support.daemon import wait_for
from tests.support.webserver import dagster_dev

pytestmark = pytest.mark.timeout(900)

START, END = date(2025, 3, 3), date(2025, 3, 7)
REPOSITORY = {"repositoryLocationName": LOCATION_NAME, "repositoryName": "__repository__"}
RANGE = [{"key": RANGE_START, "value": START.isoformat()}, {"key": RANGE_END, "value": END.isoformat()}]
S = dg.DagsterRunStatus

REEXECUTE = """
mutation($params: ReexecutionParams) {
  launchPipelineReexecution(reexecutionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on PipelineNotFoundError { message }
  }
}
"""
LAUNCH = """
mutation($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with pytest.MonkeyPatch.context() as env, dagster_dev(tmp_path_factory.mktemp("ui"), env, START) as server:
        yield server


@pytest.fixture(scope="module")
def defs(server) -> dg.Definitions:
    return build_definitions(load_settings())  # the settings the code location reads from the environment


def job_names(defs: dg.Definitions) -> set[str]:
    """The jobs of the code location, `__ASSET_JOB` (asset pages, backfills) among them."""
    return {job.name for job in defs.get_repository_def().get_all_jobs()}


def finished(server, run_id: str, timeout: float = 240) -> dg.DagsterRun:
    return wait_for(f"run {run_id}", lambda: (r := server.instance.get_run_by_id(run_id)).is_finished and r, timeout, 1)


def reexecute(server, run_id: str) -> dg.DagsterRun:
    """The UI's "Re-execute all": launchPipelineReexecution from the parent run id; the child, finished."""
    data = server.graphql(REEXECUTE, params={"parentRunId": run_id, "strategy": "ALL_STEPS"})
    launched = data["launchPipelineReexecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return finished(server, launched["run"]["runId"])


def launch(server, job: str, **selector) -> str:
    params = {"selector": {**REPOSITORY, "pipelineName": job, **selector}, "executionMetadata": {"tags": RANGE}}
    launched = server.graphql(LAUNCH, params=params)["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


def test_cli_and_demo_runs_are_runs_of_the_level_jobs_and_reexecute_from_the_ui(server, defs):
    outcomes = materialize(START, END, [])  # `sigmasight run` with no portfolio: the day-level run
    outcomes.append(execute(defs, server.instance, PlannedRun("p", PORTFOLIO_ASSETS, portfolio_range_tags(START, END))))
    outcomes.append(execute(defs, server.instance, PROFILES))  # the demo's company profiles
    assert all(o.success for o in outcomes), [o.failures for o in outcomes]
    assert outcomes[0].assets["market_prices"].rows_written > 0  # the outcome is still read from the run's events
    runs = [server.instance.get_run_by_id(o.run_id) for o in outcomes]
    assert [r.job_name for r in runs] == [DAY_JOB, PORTFOLIO_JOB, PROFILES_JOB]
    assert {r.job_name for r in runs} <= job_names(defs)
    assert all(r.remote_job_origin.location_name == LOCATION_NAME for r in runs)
    assert runs[1].tags[LEVEL_TAG] == PORTFOLIO_LEVEL and runs[1].run_op_concurrency.all_pools == {PORTFOLIO_POOL}
    for run in runs:
        child = reexecute(server, run.run_id)
        assert child.status == S.SUCCESS and child.job_name == run.job_name
        assert child.parent_run_id == run.run_id
        assert span(child) == span(run)


def test_a_launchpad_run_and_an_asset_page_run_of_the_portfolio_level_queue_one_after_the_other(server, defs):
    from_launchpad = launch(server, PORTFOLIO_JOB)
    # An asset page's Materialize: __ASSET_JOB with an asset selection, no level tag.
    from_asset_page = launch(server, "__ASSET_JOB", assetSelection=[{"path": [name]} for name in PORTFOLIO_ASSETS])
    runs = [finished(server, run_id) for run_id in (from_launchpad, from_asset_page)]
    assert [r.status for r in runs] == [S.SUCCESS, S.SUCCESS]
    assert runs[0].tags[LEVEL_TAG] == PORTFOLIO_LEVEL and LEVEL_TAG not in runs[1].tags
    assert all(r.run_op_concurrency.all_pools == {PORTFOLIO_POOL} for r in runs)  # what holds the second one
    records = sorted(server.instance.get_run_records(dg.RunsFilter(run_ids=[r.run_id for r in runs])), key=start)
    assert records[1].start_time >= records[0].end_time, [(r.start_time, r.end_time) for r in records]
    assert {r.job_name for r in runs} <= job_names(defs)


def start(record: dg.RunRecord) -> float:
    return record.start_time


def span(run: dg.DagsterRun) -> tuple[str | None, str | None]:
    return run.tags.get(RANGE_START), run.tags.get(RANGE_END)


def test_an_api_launch_is_a_backfill_whose_runs_hold_the_level_pool_and_reexecute(server, defs):
    db = ResultsDB(load_settings().database_url)
    try:
        with db.transaction() as session:
            launched = submit(
                server.instance,
                defs.resolve_asset_graph(),
                session,
                Launch("daily:test", [date(2025, 3, 10)], [], recompute_market=True, recompute_portfolios=False),
            )
    finally:
        db.dispose()
    tags = {"dagster/backfill": launched.backfill_id}
    [run] = wait_for("the backfill's run", lambda: server.instance.get_runs(dg.RunsFilter(tags=tags)), 120, 1)
    run = finished(server, run.run_id)
    assert run.status == S.SUCCESS and run.job_name in job_names(defs)  # __ASSET_JOB: the code location's
    assert {key.to_user_string() for key in run.asset_selection} == set(DAY_ASSETS)
    assert run.run_op_concurrency.all_pools == {DAY_POOL}
    assert reexecute(server, run.run_id).status == S.SUCCESS


def test_sensor_and_schedule_run_requests_name_jobs_of_the_definitions(bench):
    portfolio = bench.add_portfolio(
        "new", [{"symbol": "AAPL", "quantity": 10, "entry_price": 180.0, "entry_date": START}]
    )
    requests = bench.sensor("portfolio_onboarding_sensor").run_requests
    assert [r.job_name for r in requests] == [DAY_JOB, PORTFOLIO_JOB]
    assert all(r.tags["portfolio"] == str(portfolio) for r in requests)
    repository = bench.defs.get_repository_def()
    for schedule in repository.schedule_defs:
        assert schedule.job_name in job_names(bench.defs)  # a schedule's requests run its job
    targets = {name for sensor in repository.sensor_defs for target in sensor.targets for name in [target.job_name]}
    assert {DAY_JOB, PORTFOLIO_JOB} <= targets <= job_names(bench.defs)
