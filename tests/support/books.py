"""Small synthetic books: positions and closes in memory, valued by the product's own book assembly."""

from datetime import date

import numpy as np
import pandas as pd

from sigmasight_assets.pipeline.book import Book, assemble_book
from sigmasight_assets.pipeline.scope import RunScope
from sigmasight_resources import calendar
from sigmasight_resources.db.queries import POSITION_FIELDS
from sigmasight_resources.vocabulary import InvestmentClass

FIRST_CLOSE = date(2024, 1, 2)
LAST_CLOSE = date(2025, 3, 31)


def random_closes(symbols: list[str], seed: int = 7, start: date = FIRST_CLOSE, end: date = LAST_CLOSE) -> pd.DataFrame:
    """(NYSE sessions, symbols): geometric random walks from 100 with a common market component."""
    days = pd.DatetimeIndex([pd.Timestamp(d) for d in calendar.sessions(start, end)])
    rng = np.random.default_rng(seed)
    market = rng.normal(0.0004, 0.01, len(days))
    loadings = np.linspace(0.5, 1.5, len(symbols))
    noise = rng.normal(0.0, 0.012, (len(days), len(symbols)))
    returns = market[:, None] * loadings + noise
    return pd.DataFrame(100.0 * np.cumprod(1.0 + returns, axis=0), index=days, columns=symbols)


def positions_frame(specs: list[dict]) -> pd.DataFrame:
    """Rows shaped as `queries.positions_frame` returns them; ids numbered from 1 unless given."""
    rows = []
    for number, spec in enumerate(specs, start=1):
        row = dict.fromkeys(POSITION_FIELDS)
        row.update({"position_id": number, "investment_class": InvestmentClass.PUBLIC.value, **spec})
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(POSITION_FIELDS))
    options = frame["investment_class"] == InvestmentClass.OPTIONS.value
    frame["price_symbol"] = (
        frame["underlying"]
        .where(options, frame["symbol"])
        .where(frame["investment_class"] != InvestmentClass.PRIVATE.value)
    )
    return frame


def synthetic_book(
    specs: list[dict],
    closes: pd.DataFrame,
    marks: pd.DataFrame | None = None,
    unavailable: dict[str, str] | None = None,
    rate: float = 0.04,
    equity: dict[int, float] | None = None,
    flows: pd.DataFrame | None = None,
) -> Book:
    """A Book of `specs` priced on `closes` (every symbol a position prices must be a column)."""
    no_marks = pd.DataFrame(columns=["position_id", "mark_date", "price"])
    marks = no_marks if marks is None else marks
    return assemble_book(positions_frame(specs), marks, closes, unavailable or {}, rate, equity, flows)


def scope_of(book: Book, start: date, end: date) -> RunScope:
    """The scope of every portfolio of `book` over the NYSE sessions of [start, end]."""
    return RunScope(calendar.sessions(start, end), sorted(set(book.positions["portfolio_id"])))
