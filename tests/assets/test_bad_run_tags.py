"""A portfolio-level run whose portfolio tag is not a list of ids, whose range ends before it starts, or
whose prerequisite run has not succeeded, fails at its first asset with one line naming the tag and the
value (not a raw `invalid literal for int()` or `IndexError`), and writes nothing."""

from datetime import date

import dagster as dg
import pytest

from sigmasight_assets.assets import PORTFOLIO_ASSETS
from sigmasight_assets.pipeline.scope import require_prerequisite
from sigmasight_assets.pipeline.tags import (
    AFTER_RUN_TAG,
    LEVEL_TAG,
    PORTFOLIO_LEVEL,
    PORTFOLIO_TAG,
    PORTFOLIOS_TAG,
    RANGE_END,
    RANGE_START,
    RUN_KEY_TAG,
    RunTagError,
    run_portfolio_ids,
)
from sigmasight_assets.runs.in_process import PlannedRun, execute
from tests.support.bench import recorded_job

START, END = date(2025, 9, 2), date(2025, 9, 5)
NOT_IDS = "is not a comma-separated list of portfolio ids"
RANGE = {RANGE_START: str(START), RANGE_END: str(END), LEVEL_TAG: PORTFOLIO_LEVEL}


def test_a_bad_portfolios_tag_fails_the_run_at_its_start_with_one_line(pipeline):
    run = PlannedRun("bad tag", PORTFOLIO_ASSETS, {**RANGE, PORTFOLIOS_TAG: "4,x"})
    outcome = execute(pipeline.defs, pipeline.instance, run)
    assert not outcome.success
    assert outcome.failures == [
        ("position_values", "run tag sigmasight/portfolios: '4,x' is not a comma-separated list of portfolio ids")
    ]
    assert all(o.partitions == 0 for o in outcome.assets.values())
    assert pipeline.rows("position_values") == []


def test_a_range_ending_before_it_starts_fails_the_run_with_one_line(pipeline):
    tags = {**RANGE, RANGE_START: str(END), RANGE_END: str(START)}
    outcome = execute(pipeline.defs, pipeline.instance, PlannedRun("reversed", PORTFOLIO_ASSETS, tags))
    assert not outcome.success
    assert outcome.failures == [
        (
            "position_values",
            "run tags dagster/asset_partition_range_start..dagster/asset_partition_range_end:"
            " '2025-09-05'..'2025-09-02' holds no trading day",
        )
    ]


def test_a_run_whose_prerequisite_failed_fails_at_its_start_and_writes_nothing(pipeline):
    """An onboarding portfolio-level run queued behind its day-level run, which failed: it must not
    compute on the closes and models that run did not write."""
    day = pipeline.instance.create_run_for_job(
        job_def=recorded_job, tags={RUN_KEY_TAG: "onboarding-4-day-1"}, status=dg.DagsterRunStatus.FAILURE
    )
    run = PlannedRun("after a failed run", PORTFOLIO_ASSETS, {**RANGE, AFTER_RUN_TAG: "onboarding-4-day-1"})
    outcome = execute(pipeline.defs, pipeline.instance, run)
    assert not outcome.success
    assert outcome.failures == [
        (
            "position_values",
            "this run needs the run with run key 'onboarding-4-day-1' (sigmasight/after_run_key) to have"
            f" succeeded first: its run {day.run_id} is FAILURE",
        )
    ]
    assert all(o.partitions == 0 for o in outcome.assets.values())
    assert pipeline.rows("position_values") == []


def test_a_prerequisite_must_exist_and_have_succeeded(pipeline):
    instance = pipeline.instance
    with pytest.raises(dg.Failure, match="'onboarding-9-day-1' .* no run has it"):
        require_prerequisite(instance, {AFTER_RUN_TAG: "onboarding-9-day-1"})
    for status in (dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.SUCCESS):
        instance.create_run_for_job(job_def=recorded_job, tags={RUN_KEY_TAG: f"k-{status.value}"}, status=status)
    with pytest.raises(dg.Failure, match="is STARTED"):
        require_prerequisite(instance, {AFTER_RUN_TAG: "k-STARTED"})
    require_prerequisite(instance, {AFTER_RUN_TAG: "k-SUCCESS"})
    require_prerequisite(instance, {})  # no prerequisite: every other launcher's runs


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({PORTFOLIOS_TAG: "4,x"}, f"run tag sigmasight/portfolios: '4,x' {NOT_IDS}"),
        ({PORTFOLIOS_TAG: "4;5"}, f"run tag sigmasight/portfolios: '4;5' {NOT_IDS}"),
        ({PORTFOLIO_TAG: "seven"}, "run tag portfolio: 'seven' is not a portfolio id"),
    ],
)
def test_a_bad_tag_names_the_tag_and_its_value(tags, message):
    with pytest.raises(RunTagError) as raised:
        run_portfolio_ids(tags)
    assert str(raised.value) == message


def test_good_tags_parse_to_ids():
    assert run_portfolio_ids({PORTFOLIOS_TAG: "4,12,"}) == [4, 12]
    assert run_portfolio_ids({PORTFOLIO_TAG: "7"}) == [7]
    assert run_portfolio_ids({PORTFOLIO_TAG: "__market__"}) is None
    assert run_portfolio_ids({}) is None
