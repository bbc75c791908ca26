"""Every job, schedule, sensor and asset check says what it does in the UI (no "No description provided").

Dagster shows `description=`; a sensor's or schedule's docstring is not taken as its description.
"""

import dagster as dg
import pytest

from sigmasight_assets.definitions import build_definitions
from sigmasight_resources.settings import load_settings

IMPLICIT_JOB = "__ASSET_JOB"  # Dagster's own job of all assets; the UI does not list it as a job


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    # Under an instance of its own: an earlier test's instance, gone, may still be the current
    # definitions-state storage, which loading the repository reads.
    with dg.instance_for_test(temp_dir=str(home)):
        return build_definitions(load_settings(home=home)).get_repository_def()


def test_every_job_has_a_description(repository):
    jobs = {job.name: job.description for job in repository.get_all_jobs() if job.name != IMPLICIT_JOB}
    assert set(jobs) == {"day_assets_job", "portfolio_assets_job", "company_profiles_job"}
    assert all(d and d.strip() for d in jobs.values()), jobs


def test_every_schedule_and_sensor_has_a_description(repository):
    instigators = {d.name: d.description for d in (*repository.schedule_defs, *repository.sensor_defs)}
    assert len(instigators) == 9, instigators  # with failed_partitions_sensor and completion_deadline_sensor
    assert all(d and d.strip() for d in instigators.values()), instigators


def test_every_asset_check_has_a_description(repository):
    graph = repository.asset_graph
    checks = {key.name: graph.get_check_spec(key).description for key in graph.asset_check_keys}
    assert checks
    assert all(d and d.strip() for d in checks.values()), checks
