"""A live API over real results: one seeded results DB (SQLite and PostgreSQL) and Dagster instance per module.

Seeding materializes two portfolios through `sigmasight_assets.runs.in_process` (the CLI's path), so every
read is served from rows the asset graph wrote, with real run ids in the instance.
"""


import copy
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import dagster as dg
import pytest
from fastapi.testclient import TestClient

from sigmasight_api.app import create_app
from sigmasight_assets.definitions import build_definitions
from sigmasight_assets.runs.in_process import run_range
from sigmasight_resources.db.engine import migrate
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.settings import Settings, load_settings
from sigmasight_resources.users import create_user, get_user_by_email, rotate_token
from tests.assets.conftest import STOCKS, Pipeline
from tests.conftest import create_postgres_database

START, END = date(2025, 9, 2), date(2025, 9, 5)
THIRTY = [{"symbol": f"Q{chr(65 + i // 26)}{chr(65 + i % 26)}", "quantity": 10 + i, "entry_price": 50.0 + i,
           "entry_date": date(2025, 1, 2)} for i in range(30)]


@dataclass
class Api:
    client: TestClient
    settings: Settings
    instance: dg.DagsterInstance
    db: ResultsDB
    defs: dg.Definitions
    tokens: dict[str, str]  # owner, other, admin
    mixed: int  # the owner's 5-position portfolio (stocks, an option, a private fund)
    thirty: int  # the owner's 30-stock portfolio

    def headers(self, who: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}

    def get(self, path: str, who: str | None = "owner", **kwargs):
        return self.client.get(path, headers=self.headers(who), **kwargs)

    def post(self, path: str, who: str | None = "owner", **kwargs):
        return self.client.post(path, headers=self.headers(who), **kwargs)


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
        settings = load_settings(database_url=url, partitions_start=date(2024, 1, 2), market_data="simulated",
                                 home=root)
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
