"""Admin endpoints against a real Dagster instance: 403 for non-admins, users, launch/duplicate/cancel, overviews."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import dagster as dg
import pytest
from dagster._core.remote_origin import InProcessCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from sqlalchemy import delete, insert, inspect, select

from sigmasight_assets.assets import DAY_ASSETS, PORTFOLIO_ASSETS
from sigmasight_resources.db.results import DataQuality
from tests.support.api import START

ADMIN_GETS = [
    "/api/v1/admin/runs",
    "/api/v1/admin/assets/summary",
    "/api/v1/admin/data-quality",
    "/api/v1/admin/freshness",
    "/api/v1/admin/runs/abc",
]
ADMIN_POSTS = [
    ("/api/v1/admin/users", {"email": "x@example.com"}),
    ("/api/v1/admin/runs", {"kind": "daily", "date": "2025-09-08"}),
    ("/api/v1/admin/runs/abc/cancel", None),
]


@pytest.mark.parametrize("path", ADMIN_GETS)
def test_admin_reads_are_403_for_users_and_401_without_token(api, path):
    for who in ("owner", "other"):
        response = api.get(path, who)
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert api.get(path, None).status_code == 401


@pytest.mark.parametrize(("path", "body"), ADMIN_POSTS)
def test_admin_writes_are_403_for_users_and_401_without_token(api, path, body):
    assert api.post(path, "owner", json=body).status_code == 403
    assert api.post(path, None, json=body).status_code == 401


def test_admin_creates_a_user_whose_token_is_shown_once_and_works(api):
    created = api.post("/api/v1/admin/users", "admin", json={"email": "New.User@Example.com"})
    assert created.status_code == 201
    body = created.json()
    assert body["email"] == "new.user@example.com" and body["token"]
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"}).json()
    assert me["id"] == body["id"] and "token" not in me
    assert api.post("/api/v1/admin/users", "admin", json={"email": "new.user@example.com"}).status_code == 409
    assert api.post("/api/v1/admin/users", "admin", json={"email": "nope"}).json()["error"]["code"] == "invalid_user"


def test_launch_is_a_backfill_a_duplicate_is_409_with_its_id_and_cancel_stops_it(api):
    request = {"kind": "daily", "date": "2025-09-08"}
    launched = api.post("/api/v1/admin/runs", "admin", json=request)
    assert launched.status_code == 202, launched.text
    backfill_id = launched.json()["backfill_id"]
    backfill = api.instance.get_backfill(backfill_id)
    assert backfill.status.value == "REQUESTED"
    assert backfill.tags["sigmasight/request"] == "daily:2025-09-08"
    # One partitions definition for every asset: the day's 10 partitions, the portfolios in the tags.
    assert launched.json()["partitions"] == len(DAY_ASSETS + PORTFOLIO_ASSETS)
    assert requested_days(backfill) == {name: ["2025-09-08"] for name in DAY_ASSETS + PORTFOLIO_ASSETS}
    assert backfill.tags["sigmasight/portfolios"] == f"{api.mixed},{api.thirty}" and "portfolio" not in backfill.tags
    assert backfill.tags["sigmasight/level"] == "portfolio"  # one run writes them: the close sensor sees it busy
    duplicate = api.post("/api/v1/admin/runs", "admin", json=request)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "already_running"
    assert duplicate.json()["error"]["details"][0]["message"] == backfill_id
    assert len(api.instance.get_backfills()) == len({b.backfill_id for b in api.instance.get_backfills()})
    detail = api.get(f"/api/v1/admin/runs/{backfill_id}", "admin").json()
    assert detail["kind"] == "backfill" and detail["status"] == "REQUESTED"
    canceled = api.post(f"/api/v1/admin/runs/{backfill_id}/cancel", "admin")
    assert canceled.status_code == 202 and canceled.json()["status"] == "CANCELING"
    assert api.instance.get_backfill(backfill_id).status.value == "CANCELING"


def requested_days(backfill) -> dict[str, list[str]]:
    """The backfill's partition keys per asset."""
    subsets = backfill.asset_backfill_data.target_subset.partitions_subsets_by_asset_key
    return {key.to_user_string(): sorted(subset.get_partition_keys()) for key, subset in subsets.items()}


@contextmanager
def without_result(api, portfolio_id: int, day: date, asset: str) -> Iterator[None]:
    """The portfolio's data_quality row of `asset` on `day` deleted (the day incomplete), restored after."""
    key = (DataQuality.portfolio_id == portfolio_id, DataQuality.date == day, DataQuality.asset == asset)
    with api.db.transaction() as session:
        row = session.scalars(select(DataQuality).where(*key)).one()
        values = {attr.key: getattr(row, attr.key) for attr in inspect(DataQuality).column_attrs}
        session.execute(delete(DataQuality).where(*key))
    try:
        yield
    finally:
        with api.db.transaction() as session:
            session.execute(insert(DataQuality).values(**values))


def test_a_portfolio_rerun_requests_only_missing_partitions_unless_forced(api):
    body = {"kind": "portfolio", "portfolio_id": api.mixed, "start": START.isoformat(), "end": "2025-09-05"}
    up_to_date = api.post("/api/v1/admin/runs", "admin", json=body)
    assert up_to_date.status_code == 200 and up_to_date.json()["status"] == "up_to_date"
    forced = api.post("/api/v1/admin/runs", "admin", json={**body, "force": True})
    assert forced.status_code == 202
    assert forced.json()["partitions"] == 4 * 8  # 4 days × the 8 portfolio-level assets; market data is kept
    backfill = api.instance.get_backfill(forced.json()["backfill_id"])
    assert backfill.tags["sigmasight/portfolios"] == backfill.tags["portfolio"] == str(api.mixed)
    assert backfill.tags["sigmasight/level"] == "portfolio"
    assert api.post("/api/v1/admin/runs", "admin", json={**body, "force": True}).status_code == 409
    bad = api.post("/api/v1/admin/runs", "admin", json={**body, "end": "2025-08-01"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_range"
    gone = api.post("/api/v1/admin/runs", "admin", json={**body, "portfolio_id": 999999})
    assert gone.status_code == 404


def test_a_rerun_without_force_requests_the_days_the_portfolio_lacks_in_the_results_db(api):
    # Dagster has every day materialized (a day's partition spans all portfolios); the results DB
    # says the portfolio lacks one asset on 2025-09-04, so that day is requested for all 7 assets.
    body = {"kind": "portfolio", "portfolio_id": api.thirty, "start": "2025-09-03", "end": "2025-09-05"}
    with without_result(api, api.thirty, date(2025, 9, 4), "stress_tests"):
        launched = api.post("/api/v1/admin/runs", "admin", json=body)
    assert launched.status_code == 202, launched.text
    assert launched.json()["partitions"] == 8
    backfill = api.instance.get_backfill(launched.json()["backfill_id"])
    assert requested_days(backfill) == {name: ["2025-09-04"] for name in PORTFOLIO_ASSETS}
    assert backfill.tags["sigmasight/portfolios"] == str(api.thirty)


def queued_run(api, portfolio_id: int) -> dg.DagsterRun:
    """A queued run as the sensor leaves it for the daemon: origin in the `sigmasight` code location."""
    job = api.defs.resolve_implicit_global_asset_job_def()
    target = LoadableTargetOrigin(module_name="sigmasight_assets.definitions", attribute="defs")
    location = InProcessCodeLocationOrigin(loadable_target_origin=target, location_name="sigmasight")
    origin = RemoteJobOrigin(repository_origin=RemoteRepositoryOrigin(location, "__repository__"), job_name=job.name)
    return api.instance.create_run_for_job(
        job_def=job, status=dg.DagsterRunStatus.QUEUED, remote_job_origin=origin, tags={"portfolio": str(portfolio_id)}
    )


def test_cancel_a_queued_run_through_the_run_coordinator(api):
    run = queued_run(api, api.mixed)
    canceled = api.post(f"/api/v1/admin/runs/{run.run_id}/cancel", "admin")
    assert canceled.status_code == 202 and canceled.json() == {"id": run.run_id, "kind": "run", "status": "CANCELED"}
    assert api.instance.get_run_by_id(run.run_id).status is dg.DagsterRunStatus.CANCELED
    again = api.post(f"/api/v1/admin/runs/{run.run_id}/cancel", "admin")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_finished"
    assert api.post("/api/v1/admin/runs/nope/cancel", "admin").status_code == 404


def test_runs_list_filters_and_detail_shows_partitions_per_asset(api):
    queued = queued_run(api, api.thirty)
    mine = api.get("/api/v1/admin/runs", "admin", params={"portfolio": api.thirty, "status": "QUEUED"}).json()
    assert [r["run_id"] for r in mine["items"]] == [queued.run_id]
    by_asset = api.get("/api/v1/admin/runs", "admin", params={"asset": "market_prices", "status": "SUCCESS"}).json()
    assert by_asset["items"] and all(r["tags"]["portfolio"] == "__market__" for r in by_asset["items"])
    box = api.get("/api/v1/admin/runs", "admin", params={"asset": "position_values", "status": "SUCCESS"}).json()
    assert all(r["tags"].get("portfolio") != "__market__" for r in box["items"])
    paged = api.get("/api/v1/admin/runs", "admin", params={"limit": 1}).json()
    following = api.get("/api/v1/admin/runs", "admin", params={"limit": 1, "cursor": paged["next_cursor"]}).json()
    assert paged["items"][0]["run_id"] != following["items"][0]["run_id"]
    detail = api.get(f"/api/v1/admin/runs/{box['items'][-1]['run_id']}", "admin").json()
    assets = {a["asset"]: a for a in detail["assets"]}
    assert assets["position_values"]["status"] == "succeeded"
    assert assets["position_values"]["materialized"] == ["2025-09-02", "2025-09-03", "2025-09-04", "2025-09-05"]
    assert detail["tags"]["sigmasight/portfolios"] == f"{api.mixed},{api.thirty}"  # one run, both portfolios
    assert assets["position_values"]["checks"][0]["passed"] is True
    assert api.get("/api/v1/admin/runs/unknown", "admin").status_code == 404


def test_assets_summary_data_quality_and_freshness(api):
    summary = {a["asset"]: a for a in api.get("/api/v1/admin/assets/summary", "admin").json()}
    assert summary["market_prices"]["materialized"] >= 4 and summary["market_prices"]["last_materialization"]
    assert summary["factor_exposures"]["checks"][0]["check"] == "factor_exposures_have_all_factors"
    quality = api.get("/api/v1/admin/data-quality", "admin").json()
    assert quality["as_of"] == "2025-09-05" and sum(f["count"] for f in quality["flags"]) >= 7 * 2
    assert any(s["portfolio_id"] == api.mixed and "private" in s["positions_skipped"] for s in quality["skipped"])
    stale = {p["portfolio_id"]: p for p in api.get("/api/v1/admin/freshness", "admin").json()["items"]}
    assert stale[api.mixed]["latest_result"] == "2025-09-05" and stale[api.mixed]["trading_days_behind"] > 0


def test_a_launch_outside_the_partitions_is_refused_naming_the_field(api):
    body = {"kind": "portfolio", "portfolio_id": api.mixed, "start": "2023-12-01", "end": "2024-01-05"}
    early = api.post("/api/v1/admin/runs", "admin", json=body)
    assert early.status_code == 422 and early.json()["error"]["code"] == "invalid_range"
    assert early.json()["error"]["details"][0]["field"] == "start"
    assert "start 2023-12-01 is before the partitions start" in early.json()["error"]["message"]
    late = api.post("/api/v1/admin/runs", "admin", json={**body, "start": "2025-09-02", "end": "2027-01-05"})
    assert late.status_code == 422 and late.json()["error"]["details"][0]["field"] == "end"
    assert "is after the partitions end (the partitions run 2024-01-02.." in late.json()["error"]["message"]
    daily = api.post("/api/v1/admin/runs", "admin", json={"kind": "daily", "date": "2023-12-01"})
    assert daily.status_code == 422 and daily.json()["error"]["details"][0]["field"] == "date"


def test_freshness_lists_a_hole_in_the_middle_of_a_history(api):
    def holes(portfolio: int) -> list[dict]:
        items = {p["portfolio_id"]: p for p in api.get("/api/v1/admin/freshness", "admin").json()["items"]}
        return items[portfolio]["holes"]

    before = holes(api.thirty)
    assert {"first": "2025-09-03", "last": "2025-09-03", "days": 1} not in before
    with without_result(api, api.thirty, date(2025, 9, 3), "portfolio_risk"):  # the latest day is still there
        during = holes(api.thirty)
        assert {"first": "2025-09-03", "last": "2025-09-03", "days": 1} in during
        assert len(during) == len(before) + 1
    assert holes(api.thirty) == before
