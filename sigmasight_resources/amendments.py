"""Trades after onboarding: a CSV with the import's columns that exits, marks or adds positions.

A row whose symbol and entry date match an open position of the portfolio amends it: it sets the
exit (`exit_date`, `exit_price`) and/or, for a PRIVATE position, a mark (`mark_price`,
`mark_date`). Any other row adds a position. The rows go through the import's own validation
(`portfolio_import.position_rows`, via `amendment_rows`); on top of it an amendment refuses a date
after the latest trading day, a matching row that sets neither an exit nor a mark, a quantity or
entry price that differs from the matched position (a partial exit would need a split), an exit or
mark on a position already closed, an exit before one of the position's marks, and two rows
amending one position. Rows refer to the stored positions, not to those added by the same file (a trade opened
and closed since onboarding is one row with its entry and exit). Every problem is reported with
its line and field and nothing is written.

`apply_amendment` writes in the caller's transaction and, in the same transaction, deletes the
portfolio's stored portfolio-level results from the earliest date the amendment touches (an
added position's entry, an exit, a mark): those days then lack their `data_quality` rows, which
is how the close sensor's catch-up finds them to recompute. Nothing here runs or requests runs.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from sigmasight_resources.cash_flows import active_portfolio
from sigmasight_resources.db import purge, queries
from sigmasight_resources.db.models import ManualMark, Position
from sigmasight_resources.portfolio_import import (
    ROW,
    ImportProblem,
    PortfolioImportError,
    PositionSpec,
    position_from_spec,
    position_rows,
)
from sigmasight_resources.vocabulary import InvestmentClass

DATE_FIELDS = ("entry_date", "exit_date", "mark_date")


class PortfolioBusyError(RuntimeError):
    """A run writing the portfolio is queued or in progress; amend once it has finished."""


@dataclass(frozen=True)
class AmendedPosition:
    """What one row does: `action` is `add`, `exit`, `mark` or `exit+mark`; `position_id` the row it wrote."""

    line: int
    action: str
    position_id: int
    symbol: str
    touched: date  # the earliest day whose results the row changes


@dataclass(frozen=True)
class AmendmentResult:
    portfolio_id: int
    changes: list[AmendedPosition]
    earliest: date
    deleted: dict[str, int]  # result rows deleted per table
    # Per price symbol of an added position (a ticker, an option's underlying), its earliest new entry.
    new_price_symbols: dict[str, date] = field(default_factory=dict)

    def count(self, action: str) -> int:
        return sum(action in change.action.split("+") for change in self.changes)


def amendment_rows(data: bytes, *, today: date, latest: date) -> tuple[list[PositionSpec], list[ImportProblem]]:
    """The valid rows and the problems of the others: the import's rules plus no date after `latest` (the
    latest trading day). A file-level problem (size, emptiness) raises `PortfolioImportError` at once."""
    specs, problems = position_rows(data, today=today)
    valid = []
    for spec in specs:
        late = [
            ImportProblem(spec.line, name, f"{getattr(spec, name)} is after the latest closed trading day {latest}")
            for name in DATE_FIELDS
            if getattr(spec, name) is not None and getattr(spec, name) > latest
        ]
        problems.extend(late)
        if not late:
            valid.append(spec)
    return valid, problems


def apply_amendment(
    session: Session, portfolio_id: int, specs: Sequence[PositionSpec], problems: Sequence[ImportProblem] = ()
) -> AmendmentResult:
    """Amend an active portfolio's positions, delete its results from the earliest day touched; caller's transaction.

    `PortfolioNotFoundError` unless active; `PortfolioImportError` (nothing written) when a row
    contradicts the stored positions, listing those problems with `problems` (the rows' own, from
    `amendment_rows`), so a file's problems are all reported at once. Takes the portfolio's write lock
    first, as the assets' writers do, so no materialization of it commits between the check and the write.
    """
    portfolio = active_portfolio(session, portfolio_id)
    queries.lock_portfolios(session, [portfolio_id])
    positions = list(portfolio.positions)
    problems = list(problems)
    claimed: dict[int, int] = {}  # position id -> the line amending it
    plan: list[tuple[PositionSpec, Position | None]] = []
    reported = {p.line for p in problems}  # e.g. the import's duplicate rows: one problem per line is enough
    for spec in specs:
        if spec.line in reported:
            continue
        target = _match(spec, positions, claimed, problems)
        if target is not False:
            plan.append((spec, target))
    if problems:
        raise PortfolioImportError(problems)
    if not plan:
        raise PortfolioImportError([ImportProblem(0, "file", "no rows to amend")])

    written = [_apply(session, portfolio_id, spec, target) for spec, target in plan]
    session.flush()  # the added positions get their ids
    changes = [
        AmendedPosition(spec.line, action, position.id, position.symbol, day)
        for (spec, _), (action, position, day) in zip(plan, written, strict=True)
    ]
    earliest = min(c.touched for c in changes)
    deleted = purge.delete_results_from(session, portfolio_id, earliest)
    return AmendmentResult(portfolio_id, changes, earliest, deleted, _new_price_symbols(plan))


def _match(
    spec: PositionSpec, positions: list[Position], claimed: dict[int, int], problems: list[ImportProblem]
) -> Position | None | bool:
    """The open position the row amends, None when it adds one, False when it has a problem (recorded)."""
    same = [p for p in positions if p.symbol == spec.symbol and p.entry_date == spec.entry_date]
    open_ = [p for p in same if p.exit_date is None]
    amends = spec.exit_date is not None or spec.mark_date is not None
    if not open_:
        closed = [p for p in same if p.exit_date is not None]
        if closed and amends:
            first = closed[0]
            column = "exit_date" if spec.exit_date is not None else "mark_date"
            problems.append(
                ImportProblem(
                    spec.line,
                    column,
                    f"position {first.id} ({first.symbol} entered {first.entry_date}) was already closed on "
                    f"{first.exit_date}",
                )
            )
            return False
        return None
    label = f"open position {open_[0].id} ({spec.symbol} entered {spec.entry_date})"
    if not amends:
        problems.append(
            ImportProblem(
                spec.line,
                ROW,
                f"matches {label} but sets neither an exit (exit_date, exit_price) nor a mark (mark_price, mark_date)",
            )
        )
        return False
    found = _same_lot(spec, open_, claimed, problems, label)
    if found is None:
        return False
    if spec.exit_date is not None:
        late = [m.mark_date for m in found.marks if m.mark_date > spec.exit_date]
        if late:
            problems.append(
                ImportProblem(
                    spec.line, "exit_date", f"{spec.exit_date} is before position {found.id}'s mark of {max(late)}"
                )
            )
            return False
    claimed[found.id] = spec.line
    return found


def _same_lot(
    spec: PositionSpec, candidates: list[Position], claimed: dict[int, int], problems: list[ImportProblem], label: str
) -> Position | None:
    """Among open positions with the row's symbol and entry date, the first one not yet amended whose class,
    quantity and entry price are the row's; None after recording why there is none."""
    first = candidates[0]
    if first.investment_class is not spec.investment_class:
        problems.append(
            ImportProblem(
                spec.line,
                "investment_class",
                f"is {spec.investment_class.value} but {label} is {first.investment_class.value}",
            )
        )
        return None
    lots = [p for p in candidates if p.quantity == spec.quantity and p.entry_price == spec.entry_price]
    if not lots:
        column, theirs, ours = (
            ("quantity", first.quantity, spec.quantity)
            if all(p.quantity != spec.quantity for p in candidates)
            else ("entry_price", first.entry_price, spec.entry_price)
        )
        problems.append(
            ImportProblem(
                spec.line,
                column,
                f"is {ours:g} but {label} has {theirs:g}; an exit closes a whole position (no partial exits)",
            )
        )
        return None
    free = [p for p in lots if p.id not in claimed]
    if not free:
        earlier = claimed[lots[0].id]
        problems.append(ImportProblem(spec.line, ROW, f"line {earlier} already amends position {lots[0].id}"))
        return None
    return free[0]


def _apply(
    session: Session, portfolio_id: int, spec: PositionSpec, target: Position | None
) -> tuple[str, Position, date]:
    """Write one row: (what it did, the position written, the earliest day it changes)."""
    if target is None:
        position = position_from_spec(spec)
        position.portfolio_id = portfolio_id
        if spec.mark_date is not None:
            position.marks.append(ManualMark(mark_date=spec.mark_date, price=spec.mark_price))
        session.add(position)
        return "add", position, spec.entry_date
    actions, touched = [], []
    if spec.exit_date is not None:
        target.exit_date, target.exit_price = spec.exit_date, spec.exit_price
        actions.append("exit")
        touched.append(spec.exit_date)
    if spec.mark_date is not None:
        existing = next((m for m in target.marks if m.mark_date == spec.mark_date), None)
        if existing is not None:
            existing.price = spec.mark_price
        else:
            target.marks.append(ManualMark(mark_date=spec.mark_date, price=spec.mark_price))
        actions.append("mark")
        touched.append(spec.mark_date)
    return "+".join(actions), target, min(touched)


def _new_price_symbols(plan: list[tuple[PositionSpec, Position | None]]) -> dict[str, date]:
    symbols: dict[str, date] = {}
    for spec, target in plan:
        if target is not None or spec.investment_class is InvestmentClass.PRIVATE:
            continue
        symbol = spec.underlying if spec.investment_class is InvestmentClass.OPTIONS else spec.symbol
        symbols[symbol] = min(spec.entry_date, symbols.get(symbol, spec.entry_date))
    return symbols
