"""The code location: the twelve partitioned assets and company profiles, loadable by `dagster`."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg

from sigmasight_assets.assets import DAY_ASSETS, PORTFOLIO_ASSETS
from sigmasight_assets.definitions import build_definitions
from sigmasight_resources.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
DEPENDENCIES = {
    "market_prices": set(),
    "symbol_factor_exposures": {"market_prices"},
    "symbol_metrics": {"market_prices"},
    "position_values": {"market_prices", "symbol_metrics"},
    "portfolio_snapshots": {"position_values"},
    "position_betas": {"position_values", "symbol_factor_exposures"},
    "factor_exposures": {"position_values", "symbol_factor_exposures"},
    "portfolio_volatility": {"portfolio_snapshots", "symbol_metrics"},
    "correlations": {"position_values", "market_prices"},
    "stress_tests": {"factor_exposures", "risk_model", "market_prices"},
    "risk_model": {"market_prices"},
    "portfolio_risk": {"position_values", "risk_model"},
}


def test_the_twelve_partitioned_assets_with_their_partitions_and_dependencies(tmp_path):
    defs = build_definitions(load_settings(home=tmp_path, partitions_start=date(2024, 1, 2)))
    # Resolving loads the code location the way Dagster does, inside a live instance's context: an
    # earlier test's disposed instance may otherwise still be the process's current state storage.
    with dg.instance_for_test():
        graph = defs.resolve_asset_graph()
    assert set(DEPENDENCIES) == set(DAY_ASSETS) | set(PORTFOLIO_ASSETS)
    for key, upstream in DEPENDENCIES.items():
        node = graph.get(dg.AssetKey(key))
        assert {k.to_user_string() for k in node.parent_keys} == upstream, key
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
        # one trading-day partitions definition for both levels: a day's portfolio-level partition
        # holds every portfolio (README "Scale"), so one run can materialize every asset
        assert key in DAY_ASSETS or key in PORTFOLIO_ASSETS, key
        assert node.partitions_def == graph.get(dg.AssetKey("market_prices")).partitions_def, key
        assert isinstance(node.partitions_def, dg.TimeWindowPartitionsDefinition), key
    blocking = [spec for spec in graph.get(dg.AssetKey("factor_exposures")).check_keys]
    assert [k.name for k in blocking] == ["factor_exposures_have_all_factors"]
    assert graph.get_check_spec(blocking[0]).blocking


def test_dagster_cli_validates_the_workspace(tmp_path):
    env = {**os.environ, "SIGMASIGHT_HOME": str(tmp_path), "DAGSTER_HOME": str(tmp_path)}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("dagster")), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
