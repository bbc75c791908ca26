"""A pipeline on a real results DB (SQLite and PostgreSQL) with the simulator and a temporary Dagster instance."""

from datetime import date

import dagster as dg
import pytest

from benchmarks.scenarios.pipeline import Pipeline
from sigmasight_assets.definitions import build_definitions
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.demo import DEMO_PRICES
from sigmasight_resources.settings import load_settings


def _pipeline(db_url: str, tmp_path, market_data: str):
    settings = load_settings(database_url=db_url, partitions_start=date(2024, 1, 2), market_data=market_data)
    defs = build_definitions(settings)
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        db = ResultsDB(db_url)
        yield Pipeline(db, defs, instance)
        db.dispose()


@pytest.fixture
def pipeline(db_url, tmp_path) -> Pipeline:
    """The pipeline on simulated prices."""
    yield from _pipeline(db_url, tmp_path, "simulated")


@pytest.fixture
def real_pipeline(db_url, tmp_path) -> Pipeline:
    """The pipeline on the real closes packaged with the demo (2022-08-01..2026-07-31)."""
    yield from _pipeline(db_url, tmp_path, f"csv:{DEMO_PRICES}")
