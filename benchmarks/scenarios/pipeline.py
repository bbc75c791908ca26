"""The asset graph on a real results DB and Dagster instance, with a mixed portfolio to run it on.

Shared by the pipeline and operations tests and by the connection-kill scenario: add portfolios,
materialize a range in process (the CLI's path), read back the stored rows by column name.
"""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import dagster as dg
from sqlalchemy import select, text

from sigmasight_assets.runs.in_process import run_range
from sigmasight_resources.db.models import InvestmentClass, ManualMark, Portfolio, Position, User
from sigmasight_resources.db.session import ResultsDB

RESULT_TABLES = (
    "symbol_factor_exposures",
    "symbol_metrics",
    "position_values",
    "portfolio_snapshots",
    "position_betas",
    "portfolio_betas",
    "factor_exposures",
    "position_factor_exposures",
    "portfolio_volatility",
    "correlations",
    "stress_tests",
    "symbol_risk_models",
    "factor_covariances",
    "portfolio_risk",
    "data_quality",
)
PROVENANCE = ("run_id", "computed_at")  # differ between runs that write the same values

STOCKS = [
    {"symbol": "AAPL", "quantity": 100, "entry_price": 180.0, "entry_date": date(2025, 3, 3)},
    {"symbol": "MSFT", "quantity": 50, "entry_price": 400.0, "entry_date": date(2025, 3, 3)},
    {"symbol": "XOM", "quantity": -80, "entry_price": 110.0, "entry_date": date(2025, 4, 1)},
    {
        "symbol": "AAPL260116C00200000",
        "investment_class": InvestmentClass.OPTIONS,
        "quantity": 5,
        "entry_price": 12.5,
        "entry_date": date(2025, 3, 3),
        "underlying": "AAPL",
        "option_type": "C",
        "strike": 200.0,
        "expiry": date(2026, 1, 16),
    },
    {
        "symbol": "Private Credit Fund",
        "investment_class": InvestmentClass.PRIVATE,
        "quantity": 1000,
        "entry_price": 100.0,
        "entry_date": date(2025, 2, 3),
        "marks": [(date(2025, 6, 30), 104.0)],
    },
]


@dataclass
class Pipeline:
    db: ResultsDB
    defs: dg.Definitions
    instance: dg.DagsterInstance

    def add_portfolio(self, name: str, positions: list[dict]) -> int:
        with self.db.transaction() as session:
            owner = session.scalar(select(User).where(User.email == "owner@example.com"))
            if owner is None:
                owner = User(
                    email="owner@example.com",
                    is_admin=False,
                    token_hash=name.ljust(64, "x")[:64],
                    created_at=datetime.now(UTC),
                )
                session.add(owner)
            portfolio = Portfolio(owner=owner, name=name, created_at=datetime.now(UTC))
            for spec in positions:
                marks = spec.pop("marks", [])
                position = Position(**{"investment_class": InvestmentClass.PUBLIC, **spec})
                position.marks = [ManualMark(mark_date=d, price=p) for d, p in marks]
                portfolio.positions.append(position)
            session.add(portfolio)
            session.flush()
            return portfolio.id

    def run(self, start: date, end: date, portfolio_ids: list[int]):
        return run_range(self.defs, self.instance, start, end, portfolio_ids)

    def rows(self, table: str, where: str = "") -> list[dict[str, object]]:
        """Stored rows as {column: value} without the provenance columns, sorted, for comparisons."""
        with self.db.engine.connect() as conn:
            result = conn.execute(text(f"SELECT * FROM {table} {where}"))
            rows = [{c: _norm(v) for c, v in r._mapping.items() if c not in PROVENANCE} for r in result]
        return sorted(rows, key=lambda row: tuple(v for v in row.values() if not isinstance(v, float)))


def _norm(value):
    """SQLite hands raw-SQL dates and JSON back as text; compare on that common form."""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
