"""The level tag reaches every run of a level's job, whoever launches it.

dagster.yaml limits each `sigmasight/level` to one run at a time, so a run launched by hand must
carry the tag without the launcher passing it. The launchpad launches through GraphQL's
`launchPipelineExecution`, which copies the job's tags (not a job's separate `run_tags`) onto
the run; `dagster job launch` does the same (`remote_job.tags`). Here the run is launched exactly
that way, through a code server loading the workspace's module, onto a queued run coordinator with
no daemon, so the run is created and queued but never executed.
"""

import dagster as dg
import pytest
from dagster_graphql.test.utils import define_out_of_process_context, execute_dagster_graphql, infer_job_selector

from sigmasight_assets.pipeline.tags import (
    DAY_JOB,
    DAY_LEVEL,
    LEVEL_TAG,
    PORTFOLIO_JOB,
    PORTFOLIO_LEVEL,
    RANGE_END,
    RANGE_START,
)
from sigmasight_resources.settings import load_settings

pytestmark = pytest.mark.timeout(300)

LAUNCH = """
mutation($executionParams: ExecutionParams!) {
  launchPipelineExecution(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""


@pytest.fixture(scope="module")
def graphql_context(tmp_path_factory):
    root = tmp_path_factory.mktemp("launchpad")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SIGMASIGHT_HOME", str(root))  # the code server subprocess builds its settings from here
        env.setenv("SIGMASIGHT_DATABASE_URL", f"sqlite:///{root / 'results.db'}")
        overrides = {"run_coordinator": {"module": "dagster._core.run_coordinator", "class": "QueuedRunCoordinator"}}
        (root / "dagster").mkdir()
        with (
            dg.instance_for_test(temp_dir=str(root / "dagster"), overrides=overrides) as instance,
            define_out_of_process_context("sigmasight_assets/definitions.py", "defs", instance) as context,
        ):
            yield context


@pytest.mark.parametrize(("job", "level"), [(PORTFOLIO_JOB, PORTFOLIO_LEVEL), (DAY_JOB, DAY_LEVEL)])
def test_a_launchpad_run_carries_the_level_tag_not_given_at_launch(graphql_context, job, level):
    day = load_settings().partitions_start.isoformat()
    tags = {RANGE_START: day, RANGE_END: day}  # what the launchpad's partition picker adds; no level tag
    params = {
        "selector": infer_job_selector(graphql_context, job),
        "runConfigData": {},
        "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in tags.items()]},
    }
    result = execute_dagster_graphql(graphql_context, LAUNCH, variables={"executionParams": params})
    launched = result.data["launchPipelineExecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run = graphql_context.instance.get_run_by_id(launched["run"]["runId"])
    assert run.job_name == job
    assert run.tags[LEVEL_TAG] == level
    assert run.status == dg.DagsterRunStatus.QUEUED
