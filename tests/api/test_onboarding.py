"""Onboarding status: not_found → pending → completed for a real materialization; progress is the portfolio's own."""

from datetime import date

from sigmasight_assets.assets import DAY_ASSETS
from sigmasight_assets.pipeline.tags import ONBOARDING_TAG, day_range_tags
from sigmasight_assets.runs.in_process import PlannedRun, ensure_portfolio_partitions, execute, plan_runs
from tests.support.api import END, GOOD_CSV, START, upload

DAY = date(2025, 9, 8)


def test_onboarding_moves_from_pending_to_completed_as_the_runs_materialize(api):
    created = upload(api, "onboarding", GOOD_CSV).json()
    pid, status_url = created["id"], created["status_url"]
    first = api.get(status_url).json()
    assert first["status"] == "not_found" and first["runs"] == [] and first["elapsed_seconds"] is None

    ensure_portfolio_partitions(api.instance, [pid])  # what the onboarding sensor does first
    assert api.get(status_url).json()["status"] == "pending"

    for planned in plan_runs(api.instance, DAY, DAY, [pid]):
        assert execute(api.defs, api.instance, planned).success
    done = api.get(status_url).json()
    assert done["status"] == "completed", done
    assert {p["asset"]: (p["materialized"], p["total"]) for p in done["progress"]}["position_values"] == (1, 1)
    assert all(p["materialized"] == p["total"] == 1 for p in done["progress"])
    assert done["runs"][0]["status"] == "SUCCESS" and done["runs"][0]["tags"]["portfolio"] == str(pid)
    assert 0 < len(done["events"]) <= 50 and done["events"][-1]["event"] == "RUN_SUCCESS"
    assert done["elapsed_seconds"] > 0 and done["error"] is None
    assert api.get(f"/api/v1/portfolios/{pid}/report").json()["as_of"] == DAY.isoformat()
    assert api.get(status_url, "other").status_code == 404
    assert api.get(status_url, None).status_code == 401


def test_a_failed_run_makes_onboarding_failed_with_the_step_error(api, monkeypatch):
    pid = upload(api, "failing", GOOD_CSV).json()["id"]
    from sigmasight_assets.pipeline import writer as portfolio_io

    def broken(*args, **kwargs):
        raise RuntimeError("injected write failure")

    monkeypatch.setattr(portfolio_io, "insert_frame", broken)
    outcomes = [execute(api.defs, api.instance, p) for p in plan_runs(api.instance, DAY, DAY, [pid])]
    assert not outcomes[-1].success
    status = api.get(f"/api/v1/portfolios/{pid}/onboarding").json()
    assert status["status"] == "failed"
    assert status["error"]["step"] == "position_values" and "injected write failure" in status["error"]["message"]


def test_portfolio_level_progress_counts_the_portfolios_own_results_not_the_days_partitions(api):
    # The seeding materialized every partition of START..END for its two portfolios. A new portfolio
    # whose onboarding day-level run covers those days has none of its portfolio-level results yet.
    pid = upload(api, "late", GOOD_CSV).json()["id"]
    ensure_portfolio_partitions(api.instance, [pid])
    tags = {**day_range_tags(START, END, str(pid)), ONBOARDING_TAG: str(pid)}  # the onboarding sensor's day run
    assert execute(api.defs, api.instance, PlannedRun("day-level assets", DAY_ASSETS, tags)).success
    status = api.get(f"/api/v1/portfolios/{pid}/onboarding").json()
    progress = {p["asset"]: (p["materialized"], p["total"]) for p in status["progress"]}
    assert progress["market_prices"] == (4, 4) and progress["position_values"] == (0, 4)
    assert status["status"] == "pending"
