"""A live API over real results: one seeded results DB (SQLite and PostgreSQL) and Dagster instance per module.

Seeding materializes two portfolios through `sigmasight_assets.runs.in_process` (the CLI's path), so every
read is served from rows the asset graph wrote, with real run ids in the instance.
"""

import copy
from collections.abc import Iterator
from datetime import date

import dagster as dg
import pytest
from fastapi.testclient import TestClient

from benchmarks.scenarios.pipeline import STOCKS, Pipeline
from sigmasight_api.app import create_app
from sigmasight_assets.definitions import build_definitions
from sigmasight_assets.runs.in_process import run_range
from sigmasight_resources.db.engine import migrate
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.settings import load_settings
from sigmasight_resources.users import create_user, get_user_by_email, rotate_token
from tests.support.api import END, START, THIRTY, Api
from tests.support.postgres import create_postgres_database


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(request, tmp_path_factory) -> Iterator[Api]:
    root = tmp_path_factory.mktemp("api")
    drop = None
    if request.param == "sqlite":
        url = f"sqlite:///{root / 'results.db'}"
    else:
        url, drop = create_postgres_database()
    try:
        migrate(url)
        settings = load_settings(
            database_url=url, partitions_start=date(2024, 1, 2), market_data="simulated", home=root
        )
        defs = build_definitions(settings)
        db = ResultsDB(url)
        (root / "dagster").mkdir()
        with dg.instance_for_test(temp_dir=str(root / "dagster")) as instance:
            pipeline = Pipeline(db, defs, instance)
            mixed = pipeline.add_portfolio("mixed", copy.deepcopy(STOCKS))
            thirty = pipeline.add_portfolio("thirty", copy.deepcopy(THIRTY))
            outcomes = run_range(defs, instance, START, END, [mixed, thirty])
            assert all(o.success for o in outcomes), [o.failures for o in outcomes]
            with db.transaction() as session:
                tokens = {}
                for who, email, admin in (("other", "other@example.com", False), ("admin", "admin@example.com", True)):
                    tokens[who] = create_user(session, email, is_admin=admin)[1]
                tokens["owner"] = rotate_token(session, get_user_by_email(session, "owner@example.com"))
            with TestClient(create_app(settings, instance)) as client:
                yield Api(client, settings, instance, db, defs, tokens, mixed, thirty)
        db.dispose()
    finally:
        if drop:
            drop()
