"""The seeded API the tests/api modules share: its seeding range and portfolios, a client wrapper that
authenticates as a named user, and a CSV upload."""

from dataclasses import dataclass
from datetime import date

import dagster as dg
from fastapi.testclient import TestClient

from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.settings import Settings

START, END = date(2025, 9, 2), date(2025, 9, 5)  # the range the seeding materializes
THIRTY = [
    {
        "symbol": f"Q{chr(65 + i // 26)}{chr(65 + i % 26)}",
        "quantity": 10 + i,
        "entry_price": 50.0 + i,
        "entry_date": date(2025, 1, 2),
    }
    for i in range(30)
]
GOOD_CSV = b"symbol,quantity,entry_price,entry_date\nAAPL,10,180,2025-03-03\nMSFT,-5,400,2025-03-04\n"


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


def upload(api: Api, name: str, data: bytes, who: str = "owner"):
    """POST a positions CSV as a new portfolio."""
    return api.post("/api/v1/portfolios", who, data={"name": name}, files={"file": ("p.csv", data, "text/csv")})
