"""Reruns and deletion: `sigmasight run` with and without --force, `portfolios purge`, and sector exposure."""

import copy
from datetime import date

import dagster as dg
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from benchmarks.scenarios.pipeline import STOCKS
from sigmasight_assets.assets import PORTFOLIO_ASSETS
from sigmasight_assets.automation.planning import completed_portfolio_days
from sigmasight_assets.cli import app
from sigmasight_assets.pipeline.tags import run_dates, run_portfolios
from sigmasight_assets.runs.in_process import plan_runs, skipped_days
from sigmasight_resources.db.models import Portfolio, Position
from sigmasight_resources.db.profiles import CompanyProfile
from sigmasight_resources.db.report import build_report
from sigmasight_resources.db.results import PortfolioSnapshot
from sigmasight_resources.portfolio_import import delete_portfolio

START, END = date(2025, 3, 3), date(2025, 3, 7)
runner = CliRunner()


def cli(*args: str, code: int = 0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


@pytest.fixture
def home(bench, tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("SIGMASIGHT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SIGMASIGHT_DATABASE_URL", bench.db.url)
    monkeypatch.setenv("SIGMASIGHT_PARTITIONS_START", "2025-03-03")
    return tmp_path / "home"


def test_without_force_only_missing_portfolio_days_are_planned(bench):
    p, twin, done = (str(bench.add_portfolio(name, copy.deepcopy(STOCKS[:2]))) for name in ("p", "twin", "done"))
    for key in (p, twin):
        bench.completed(["2025-03-03", "2025-03-04", "2025-03-06"], key)
    bench.completed(["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07"], done)
    ids = [int(p), int(twin), int(done)]
    with bench.db.transaction() as session:
        completed = completed_portfolio_days(session)
    day, *rest = plan_runs(bench.instance, START, END, ids, done=completed)
    assert day.tags["dagster/asset_partition_range_start"] == "2025-03-03"  # the day level always fills in
    assert day.tags["dagster/asset_partition_range_end"] == "2025-03-07"
    # one run per block of missing days, for the portfolios lacking it; `done` lacks none
    assert [(*run_dates(r.tags), run_portfolios(r.tags)) for r in rest] == [
        ("2025-03-05", "2025-03-05", [p, twin]),
        ("2025-03-07", "2025-03-07", [p, twin]),
    ]
    assert skipped_days(completed, START, END, ids) == 3 + 3 + 5
    forced = plan_runs(bench.instance, START, END, ids)
    assert [(*run_dates(r.tags), run_portfolios(r.tags)) for r in forced[1:]] == [
        ("2025-03-03", "2025-03-07", [p, twin, done]),
    ]


def test_cli_run_skips_completed_portfolio_days_unless_forced(bench, home):
    pid = bench.add_portfolio("p", copy.deepcopy(STOCKS))
    window = ("--start", START.isoformat(), "--end", END.isoformat(), "--portfolio", str(pid))
    assert "portfolios with holes in their history: none" in cli("run", *window).stdout
    with bench.db.transaction() as session:
        first_run = set(session.scalars(select(PortfolioSnapshot.run_id).where(PortfolioSnapshot.portfolio_id == pid)))
    assert "skipped 5 portfolio-days already materialized" in cli("run", *window).stdout
    cli("run", *window, "--force")
    with bench.db.transaction() as session:
        rows = session.execute(
            select(PortfolioSnapshot.date, PortfolioSnapshot.run_id).where(PortfolioSnapshot.portfolio_id == pid)
        ).all()
    assert len(rows) == 5 and {r.run_id for r in rows}.isdisjoint(first_run)  # replaced, never duplicated


def test_purge_removes_a_deleted_portfolio_and_its_results(bench, home):
    pid = bench.add_portfolio("p", copy.deepcopy(STOCKS[:2]))
    keep = bench.add_portfolio("keep", copy.deepcopy(STOCKS[:2]))
    cli("run", "--start", START.isoformat(), "--end", END.isoformat())
    assert "is active; delete it first" in cli("portfolios", "purge", str(pid), "--yes", code=2).stderr
    with bench.db.transaction() as session:
        delete_portfolio(session, pid)
    with bench.db.transaction() as session:  # soft-deleted: results stay readable
        assert build_report(session, pid)["snapshot"]["nav"] is not None
    assert "purged portfolio" in cli("portfolios", "purge", str(pid), "--yes").stdout
    with bench.db.transaction() as session:
        assert session.get(Portfolio, pid) is None
        assert session.scalar(select(func.count()).select_from(Position).where(Position.portfolio_id == pid)) == 0
        counts = {
            pid_: session.scalar(
                select(func.count()).select_from(PortfolioSnapshot).where(PortfolioSnapshot.portfolio_id == pid_)
            )
            for pid_ in (pid, keep)
        }
    assert counts == {pid: 0, keep: 5}
    cli("portfolios", "purge", str(pid), "--yes", code=2)  # gone


def test_sector_exposure_joins_the_report_once_profiles_exist(bench):
    pid = bench.add_portfolio("mixed", copy.deepcopy(STOCKS))
    bench.instance.add_dynamic_partitions("portfolio", [str(pid)])
    assert all(o.success for o in bench.run(START, END, [pid]))
    with bench.db.transaction() as session:
        report = build_report(session, pid)
    assert "sector_exposure" not in report and "sector_exposure" not in report["snapshot"]  # issue 4's exact keys

    result = dg.materialize(
        list(bench.defs.assets), selection=["company_profiles"], instance=bench.instance, resources=bench.defs.resources
    )
    assert result.success
    with bench.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CompanyProfile)) >= 3  # AAPL, MSFT, XOM
        report = build_report(session, pid)
    sectors = {s["sector"]: s for s in report["sector_exposure"]}
    assert "Private" in sectors and "Unclassified" not in sectors  # the option counts in AAPL's sector
    weights = sum(p["weight"] for p in report["positions"] if p["weight"] is not None)
    assert sum(s["weight"] for s in sectors.values()) == pytest.approx(weights)
    assert report["snapshot"]["sector_exposure"] == report["sector_exposure"]


def test_company_profiles_is_upstream_of_no_analytics_asset(bench):
    graph = bench.defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey("company_profiles")).child_keys == set()
    assert all(dg.AssetKey("company_profiles") not in graph.get(dg.AssetKey(a)).parent_keys for a in PORTFOLIO_ASSETS)
