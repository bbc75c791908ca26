"""In-process runs of the code location's jobs, recorded as the webserver would record them.

`dg.materialize` runs an `__ephemeral_asset_job__` that no code location has, so the UI cannot
open or re-execute its runs. Here the run belongs to the job of the definitions that selects the
assets (its tags, e.g. the level, are copied onto the run as any launcher does) and records the
workspace's code location as its origin: the webserver re-executes a run by that origin's
location and repository names (`launchPipelineReexecution` with a parent run id), so without it
"Re-execute" fails. The steps still run in this process, without the daemon's queue.
"""

from collections.abc import Iterable, Mapping

import dagster as dg
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.definitions.repository_definition.valid_definitions import SINGLETON_REPOSITORY_NAME
from dagster._core.execution.api import create_execution_plan, execute_run
from dagster._core.remote_origin import InProcessCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

from sigmasight_assets.automation.jobs import JOBS

# The code location of workspace.yaml (and of the deployment's code server): same module, attribute and name.
LOCATION_NAME = "sigmasight"
DEFINITIONS_MODULE, DEFINITIONS_ATTRIBUTE = "sigmasight_assets.definitions", "defs"


def job_for(defs: dg.Definitions, selection: Iterable[str]) -> dg.JobDefinition:
    """The named job of the definitions that selects exactly these assets."""
    wanted = frozenset(dg.AssetKey(name) for name in selection)
    for job in JOBS:
        job_def = defs.resolve_job_def(job.name)
        if job_def.asset_layer.executable_asset_keys == wanted:
            return job_def
    raise ValueError(f"no job of the definitions selects exactly {sorted(k.to_user_string() for k in wanted)}")


def job_origin(job_name: str) -> RemoteJobOrigin:
    """The origin the webserver gives runs of `job_name` in the workspace's code location."""
    target = LoadableTargetOrigin(module_name=DEFINITIONS_MODULE, attribute=DEFINITIONS_ATTRIBUTE)
    location = InProcessCodeLocationOrigin(loadable_target_origin=target, location_name=LOCATION_NAME)
    return RemoteJobOrigin(RemoteRepositoryOrigin(location, SINGLETON_REPOSITORY_NAME), job_name)


def launch_in_process(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    selection: Iterable[str],
    tags: Mapping[str, str],
    run_config: Mapping[str, object],
) -> dg.JobExecutionResult:
    """Create a run of the job of exactly these assets and execute it here; never raises on step failure."""
    job_def = job_for(defs, selection)
    run_tags = {**job_def.run_tags, **tags}
    plan = create_execution_plan(
        job_def,
        run_config=run_config,
        instance_ref=instance.get_ref() if instance.is_persistent else None,
        tags=run_tags,
    )
    run = instance.create_run_for_job(
        job_def=job_def,
        execution_plan=plan,
        run_config=run_config,
        tags=run_tags,
        remote_job_origin=job_origin(job_def.name),
    )
    return execute_run(InMemoryJob(job_def), run, instance, raise_on_error=False)
