"""Cash flows: deposits into and withdrawals from a portfolio's cash, imported from a CSV.

The same all-or-nothing rules as the positions import (`portfolio_import`), through its CSV
reader: `parse_cash_flows(data, today=...)` returns `CashFlowSpec`s or raises
`PortfolioImportError` listing every problem with its line (the header is line 1) and field;
`add_cash_flows(session, portfolio_id, flows)` writes them in the caller's transaction, and
`record_cash_flows(db, portfolio_id, data, today)` does both in one transaction.

CSV format (UTF-8, optional BOM, header row; column names case- and whitespace-insensitive):

    date,amount
    2025-03-03,250000      a deposit (> 0)
    2025-06-30,-50000      a withdrawal (< 0)

`date` is `YYYY-MM-DD` and not in the future; `amount` is a finite, non-zero number. A flow
changes the portfolio's cash (and so NAV, returns and leverage) from its date on, once the
portfolio-level assets are recomputed for those days
(`sigmasight run --start <flow date> --end <latest> --portfolio ID --force`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigmasight_resources.db.models import CashFlow, Portfolio
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.portfolio_import import (
    MAX_AMOUNT,
    CsvLayout,
    PortfolioImportError,
    PortfolioNotFoundError,
    read_rows,
)

DATE, AMOUNT = "date", "amount"
CASH_FLOWS = CsvLayout((DATE, AMOUNT), (DATE, AMOUNT), "cash flows", "split it into several files")


@dataclass(frozen=True)
class CashFlowSpec:
    """A validated flow, ready to be written. `line` is where it came from."""

    line: int
    flow_date: date
    amount: float


def parse_cash_flows(data: bytes, *, today: date) -> list[CashFlowSpec]:
    """Validate a cash-flow CSV (see the module docstring); all problems raised at once."""
    rows, problems = read_rows(data, CASH_FLOWS)
    flows = []
    for row in rows:
        day = row.day(DATE, today, required=True)
        amount = row.number(AMOUNT, required=True)
        if amount is not None:
            if amount == 0:
                row.problem(AMOUNT, "must not be zero (a deposit is positive, a withdrawal negative)")
            elif abs(amount) > MAX_AMOUNT:
                row.problem(AMOUNT, f"{amount:g} is implausibly large (limit {MAX_AMOUNT:g})")
        problems.extend(row.problems)
        if not row.problems and day is not None and amount is not None:
            flows.append(CashFlowSpec(row.line, day, amount))
    if problems:
        raise PortfolioImportError(problems)
    return flows


def active_portfolio(session: Session, portfolio_id: int) -> Portfolio:
    """The portfolio unless missing or deleted (`PortfolioNotFoundError`)."""
    portfolio = session.get(Portfolio, portfolio_id)
    if portfolio is None or portfolio.deleted_at is not None:
        raise PortfolioNotFoundError(f"no active portfolio with id {portfolio_id}")
    return portfolio


def add_cash_flows(session: Session, portfolio_id: int, flows: Sequence[CashFlowSpec]) -> list[CashFlow]:
    """Add the flows to an active portfolio in the caller's transaction; the new rows, in file order."""
    portfolio = active_portfolio(session, portfolio_id)
    now = datetime.now(UTC)
    rows = [CashFlow(portfolio_id=portfolio.id, flow_date=f.flow_date, amount=f.amount, created_at=now) for f in flows]
    session.add_all(rows)
    session.flush()
    return rows


def record_cash_flows(db: ResultsDB, portfolio_id: int, data: bytes, today: date) -> list[CashFlowSpec]:
    """Validate `data` fully, then add every flow in one transaction (or nothing); the flows."""
    flows = parse_cash_flows(data, today=today)
    with db.transaction() as session:
        add_cash_flows(session, portfolio_id, flows)
    return flows


def list_cash_flows(session: Session, portfolio_id: int, after: int | None, limit: int) -> list[CashFlow]:
    """The portfolio's flows in the order they were recorded (by id), after id `after`, at most `limit`."""
    query = select(CashFlow).where(CashFlow.portfolio_id == portfolio_id).order_by(CashFlow.id).limit(limit)
    if after is not None:
        query = query.where(CashFlow.id > after)
    return list(session.scalars(query))
