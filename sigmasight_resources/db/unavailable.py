"""Symbols recorded unavailable: when each was last checked, listing them, clearing one.

`market_prices` records a symbol here when the vendor answers no closes for it, asks again once
the cool-off has passed (`sigmasight_assets.pipeline.vendor.due_for_recheck`) and forgets it as
soon as closes arrive; an operator can clear one by hand (`sigmasight symbols unavailable --clear`).
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sigmasight_resources.db.models import UnavailableSymbol


def last_checked(session: Session) -> dict[str, datetime]:
    """Symbol → when the vendor last answered it with no closes."""
    return dict(session.execute(select(UnavailableSymbol.symbol, UnavailableSymbol.checked_at)).all())


def forget(session: Session, symbols: Iterable[str]) -> int:
    """Drop the records of symbols the vendor has answered with closes again; how many were dropped."""
    symbols = sorted(set(symbols))
    if not symbols:
        return 0
    return session.execute(delete(UnavailableSymbol).where(UnavailableSymbol.symbol.in_(symbols))).rowcount


def find(session: Session, symbol: str) -> UnavailableSymbol | None:
    return session.get(UnavailableSymbol, symbol)


def page(session: Session, after: str | None, limit: int) -> list[UnavailableSymbol]:
    """Up to `limit` records by symbol, after `after` (keyset pagination)."""
    query = select(UnavailableSymbol).order_by(UnavailableSymbol.symbol).limit(limit)
    if after is not None:
        query = query.where(UnavailableSymbol.symbol > after)
    return list(session.scalars(query))


def clear(session: Session, symbol: str) -> UnavailableSymbol | None:
    """Remove one record (the next `market_prices` run asks the vendor for it); the removed row, or None."""
    row = session.get(UnavailableSymbol, symbol)
    if row is not None:
        session.delete(row)
        session.flush()
    return row
