"""Reads and writes of the results database that the assets, CLI and API share."""

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from itertools import islice

import numpy as np
import pandas as pd
import psycopg
from sqlalchemy import JSON, Date, Enum, Float, Integer, and_, delete, func, insert, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sigmasight_resources.db.models import (
    ManualMark,
    MarketPrice,
    Portfolio,
    Position,
    PriceCorrection,
    UnavailableSymbol,
)
from sigmasight_resources.db.results import DataQuality, SymbolMetric
from sigmasight_resources.vocabulary import InvestmentClass

INSERT_CHUNK = 5000
# The columns of `positions_frame` before its derived `price_symbol`.
POSITION_FIELDS = (
    "position_id",
    "portfolio_id",
    "symbol",
    "investment_class",
    "quantity",
    "entry_price",
    "entry_date",
    "exit_price",
    "exit_date",
    "underlying",
    "option_type",
    "strike",
    "expiry",
)
FETCH_ROWS = 50_000
FETCH_SYMBOLS = 100


def active_portfolio_ids(session: Session) -> list[int]:
    rows = session.scalars(select(Portfolio.id).where(Portfolio.deleted_at.is_(None)).order_by(Portfolio.id))
    return list(rows)


def active_portfolios_page(session: Session, owner_id: int | None, after: int | None, limit: int) -> list[Portfolio]:
    """Active portfolios (of `owner_id`, or everyone's), by id after `after`."""
    query = select(Portfolio).where(Portfolio.deleted_at.is_(None)).order_by(Portfolio.id).limit(limit)
    if owner_id is not None:
        query = query.where(Portfolio.owner_id == owner_id)
    if after is not None:
        query = query.where(Portfolio.id > after)
    return list(session.scalars(query))


def position_counts(session: Session, portfolio_ids: Sequence[int], entered_by: date | None = None) -> dict[int, int]:
    """Positions per portfolio of `portfolio_ids` (only those entered on or before `entered_by`, if
    given); portfolios without any are absent."""
    if not portfolio_ids:
        return {}
    query = select(Position.portfolio_id, func.count()).where(Position.portfolio_id.in_(list(portfolio_ids)))
    if entered_by is not None:
        query = query.where(Position.entry_date <= entered_by)
    return dict(session.execute(query.group_by(Position.portfolio_id)).all())


def first_entry_dates(session: Session) -> dict[str, date]:
    """Active portfolios (by id as text, the key runs and sensors use) and their earliest position entry date."""
    query = (
        select(Position.portfolio_id, func.min(Position.entry_date))
        .join(Portfolio)
        .where(Portfolio.deleted_at.is_(None))
        .group_by(Position.portfolio_id)
    )
    return {str(pid): first for pid, first in session.execute(query).all()}


def days_with_all_assets(
    session: Session, assets: Sequence[str], start: date | None = None, end: date | None = None
) -> dict[str, set[str]]:
    """Per portfolio (id as text), the ISO days (within [start, end] if given) on which every one of
    `assets` wrote its data_quality row."""
    query = select(DataQuality.portfolio_id, DataQuality.date).where(DataQuality.asset.in_(list(assets)))
    if start is not None:
        query = query.where(DataQuality.date >= start)
    if end is not None:
        query = query.where(DataQuality.date <= end)
    query = query.group_by(DataQuality.portfolio_id, DataQuality.date).having(
        func.count(DataQuality.asset.distinct()) == len(set(assets))
    )
    done: dict[str, set[str]] = {}
    for portfolio, day in session.execute(query).all():
        done.setdefault(str(portfolio), set()).add(day.isoformat())
    return done


def positions_frame(session: Session, portfolio_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """Positions of active portfolios (or the given ones) with `price_symbol`: the symbol whose close prices it."""
    columns = [getattr(Position, "id" if name == "position_id" else name) for name in POSITION_FIELDS]
    query = select(*columns).join(Portfolio).where(Portfolio.deleted_at.is_(None)).order_by(Position.id)
    if portfolio_ids is not None:
        query = query.where(Position.portfolio_id.in_(list(portfolio_ids)))
    frame = pd.DataFrame(session.execute(query).all(), columns=list(POSITION_FIELDS))  # rows, not ORM objects
    frame["investment_class"] = frame["investment_class"].map(lambda c: c.value)
    frame["price_symbol"] = (
        frame["underlying"]
        .where(frame["investment_class"] == InvestmentClass.OPTIONS.value, frame["symbol"])
        .where(frame["investment_class"] != InvestmentClass.PRIVATE.value)
    )
    return frame


def last_open_day(positions: pd.DataFrame) -> pd.Series:
    """The last day each position is open: its exit date, an option's expiry, or none (open-ended)."""
    ends = pd.to_datetime(positions["exit_date"])
    expiries = pd.to_datetime(positions["expiry"])
    return ends.where(ends.notna() & ((ends <= expiries) | expiries.isna()), expiries)


def positions_overlapping(positions: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """Positions open on at least one day of [start, end]."""
    entered = pd.to_datetime(positions["entry_date"]) <= pd.Timestamp(end)
    last = last_open_day(positions)
    still_open = last.isna() | (last >= pd.Timestamp(start))
    return positions[entered & still_open]


def manual_marks(session: Session, position_ids: Iterable[int]) -> pd.DataFrame:
    ids = list(position_ids)
    query = select(ManualMark.position_id, ManualMark.mark_date, ManualMark.price).where(
        ManualMark.position_id.in_(ids)
    )
    return pd.DataFrame(session.execute(query).all(), columns=["position_id", "mark_date", "price"])


def unavailable_symbols(session: Session) -> dict[str, str]:
    return dict(session.execute(select(UnavailableSymbol.symbol, UnavailableSymbol.reason)).all())


def stored_price_dates(session: Session, symbols: Iterable[str], start: date, end: date) -> pd.DataFrame:
    """The (symbol, date) pairs already stored within [start, end] (`date` as datetime64)."""
    symbols = sorted(set(symbols))
    query = select(MarketPrice.symbol, MarketPrice.date).where(
        MarketPrice.symbol.in_(symbols), MarketPrice.date.between(start, end)
    )
    return read_frame(session, query, ["symbol", "date"], symbols)


def read_frame(session: Session, query, columns: list[str], symbols: Sequence[str] | None = None) -> pd.DataFrame:
    """The rows of `query` as a frame with `date` as datetime64 (and `symbol` categorical over
    `symbols`), without SQLAlchemy row objects (their per-row cost dominated reading closes): on
    PostgreSQL through psycopg's cursor (a row per symbol when `symbols` is given), elsewhere
    converted FETCH_ROWS rows at a time."""
    driver = session.connection().connection.driver_connection
    if isinstance(driver, psycopg.Connection):
        if symbols is not None:
            return _symbol_arrays_frame(session, driver, query, columns, symbols)
        return _fetch_columns(session, driver, query, columns)
    result = session.connection().execute(query)  # Core rows: no ORM loading per row
    return _batched_frame(result.fetchmany, columns, symbols)


def _symbol_arrays_frame(session: Session, driver, query, columns: list[str], symbols: Sequence[str]) -> pd.DataFrame:
    """The (date, symbol, …) rows of `query` read as one row per symbol holding each column as an
    array (dates as days since 1970), fetched in binary FETCH_SYMBOLS symbols at a time: psycopg
    decodes a float8[] in C, where a row per close cost a Python tuple each (a universe's closes
    over three years: 0.4 s instead of 1.6 s)."""
    selected = dict(zip(columns, query.selected_columns, strict=True))
    values = [name for name in columns if name != "symbol"]
    aggregated = [
        func.array_agg(selected[name] - literal_column("DATE '1970-01-01'", Date) if name == "date" else selected[name])
        for name in values
    ]
    grouped = select(selected["symbol"], *aggregated).where(query.whereclause).group_by(selected["symbol"])
    sql = grouped.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    dtypes = {name: _numpy_dtype(selected[name].type) for name in values}
    codes = {symbol: code for code, symbol in enumerate(symbols)}
    parts: dict[str, list[np.ndarray]] = {name: [] for name in columns}
    with driver.cursor(name="sigmasight_read_symbols", binary=True) as cursor:
        cursor.execute(str(sql))
        while rows := cursor.fetchmany(FETCH_SYMBOLS):
            for symbol, *arrays in rows:
                parts["symbol"].append(np.full(len(arrays[0]), codes[symbol]))
                for name, array in zip(values, arrays, strict=True):
                    parts[name].append(np.array(array, dtype=dtypes[name]))
    joined = {name: np.concatenate(p) if p else np.array([], dtype=dtypes.get(name, int)) for name, p in parts.items()}
    frame = pd.DataFrame({name: joined[name] for name in values})
    frame["date"] = pd.to_datetime(joined["date"].astype("datetime64[D]"))
    frame["symbol"] = pd.Categorical.from_codes(joined["symbol"], categories=symbols)
    return frame[columns]


def _numpy_dtype(column_type) -> type:
    """The numpy type a column's array becomes (NULLs in a float column become NaN)."""
    if isinstance(column_type, Date | Integer):
        return np.int64
    return float if isinstance(column_type, Float) else object


def _fetch_columns(session: Session, driver, query, columns: list[str]) -> pd.DataFrame:
    """The query run on a psycopg server-side cursor (rows built in C, no SQLAlchemy row objects),
    FETCH_ROWS rows at a time, so neither libpq's result nor the Python rows ever hold the whole
    result; its parameters are rendered as SQL literals by SQLAlchemy's PostgreSQL dialect (dates,
    numbers, validated symbols). It runs in the session's transaction, which the cursor needs."""
    sql = query.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    with driver.cursor(name="sigmasight_read_frame") as cursor:
        cursor.execute(str(sql))
        return _batched_frame(cursor.fetchmany, columns, None)


def _batched_frame(fetchmany, columns: list[str], symbols: Sequence[str] | None) -> pd.DataFrame:
    """The rows `fetchmany(FETCH_ROWS)` yields until empty, as one frame built a batch at a time, each
    batch's dates and symbols converted before the next is read: only one batch of Python date and
    str objects is alive at once (the whole result's were most of a universe read's peak memory)."""
    parts = []
    while rows := fetchmany(FETCH_ROWS):
        # pandas' C conversion of tuples (SQLAlchemy's Row objects take its slow path: 10x)
        parts.append(_typed(pd.DataFrame([tuple(row) for row in rows], columns=columns), symbols))
    return pd.concat(parts, ignore_index=True) if parts else _typed(pd.DataFrame(columns=columns), symbols)


def _typed(frame: pd.DataFrame, symbols: Sequence[str] | None) -> pd.DataFrame:
    frame["date"] = pd.to_datetime(frame["date"])
    if symbols is not None:
        frame["symbol"] = pd.Categorical(frame["symbol"], categories=symbols)
    return frame


def closes(session: Session, symbols: Iterable[str], start: date, end: date, days: Sequence[date]) -> pd.DataFrame:
    """Close prices as a dates × symbols frame over the trading days `days`; NaN where not stored."""
    symbols = sorted(set(symbols))
    query = select(MarketPrice.date, MarketPrice.symbol, MarketPrice.close).where(
        MarketPrice.symbol.in_(symbols), MarketPrice.date.between(start, end)
    )
    long = read_frame(session, query, ["date", "symbol", "close"], symbols)
    index = pd.DatetimeIndex([pd.Timestamp(d) for d in days], name="date")
    # Each close written into its (day, symbol) cell: pandas' pivot of a universe's history held
    # several times the wide frame in sort buffers (most of a day-level rebuild's peak memory).
    wide = np.full((len(index), len(symbols)), np.nan)
    if len(long):
        rows = index.get_indexer(pd.DatetimeIndex(long["date"]))
        cols = long["symbol"].cat.codes.to_numpy()
        kept = (rows >= 0) & (cols >= 0)
        wide[rows[kept], cols[kept]] = long["close"].to_numpy(dtype=float)[kept]
    return pd.DataFrame(wide, index=index, columns=pd.Index(symbols, name="symbol"))


def insert_prices(session: Session, rows: pd.DataFrame, source: str, fetched_at: datetime) -> int:
    """Store closes for (symbol, date) pairs not yet stored; a concurrent writer's rows win. The rows
    become parameter dicts INSERT_CHUNK at a time (a universe's whole history as dicts was most of a
    rebuild's peak memory)."""
    dialect = session.get_bind().dialect.name
    builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
    columns = rows[["symbol", "date", "close"]]
    for first in range(0, len(columns), INSERT_CHUNK):
        chunk = [
            {"symbol": s, "date": d, "close": float(c), "source": source, "fetched_at": fetched_at}
            for s, d, c in columns.iloc[first : first + INSERT_CHUNK].itertuples(index=False)
        ]
        session.execute(builder(MarketPrice).on_conflict_do_nothing(), chunk)
    return len(columns)


def record_unavailable(session: Session, unavailable: dict[str, str], checked_at: datetime) -> None:
    """Record symbols the vendor had no closes for; a re-check that is empty again keeps `since`."""
    if not unavailable:
        return
    builder = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = builder(UnavailableSymbol)
    statement = statement.on_conflict_do_update(
        index_elements=["symbol"],
        set_={"reason": statement.excluded.reason, "checked_at": statement.excluded.checked_at},
    )
    session.execute(
        statement,
        [{"symbol": s, "reason": r, "checked_at": checked_at, "since": checked_at} for s, r in unavailable.items()],
    )


def delete_rows(
    session: Session, table, start: date, end: date, portfolio_ids: Sequence[int] | None = None, *extra_where
) -> None:
    """Delete a window's rows of a result table (the given portfolios' only, if any, and `extra_where`)."""
    where = [table.date.between(start, end), *extra_where]
    if portfolio_ids is not None:
        where.append(table.portfolio_id.in_(list(portfolio_ids)))
    session.execute(delete(table).where(and_(*where)))


def insert_rows(session: Session, table, rows: Iterable[dict]) -> int:
    """Insert rows (consumed lazily, INSERT_CHUNK at a time); PostgreSQL writes go through `copy_frame`."""
    count = 0
    for chunk in _chunks(rows):
        session.execute(insert(table), chunk)
        count += len(chunk)
    return count


def lock_portfolios(session: Session, portfolio_ids: Sequence[int]) -> None:
    """Hold the portfolios' rows until the transaction ends: one writer of a portfolio's results at a time.

    Ordered by id, so two writers of overlapping sets never deadlock. SQLite has no row locks; its
    single database writer lock serializes writers instead.
    """
    query = select(Portfolio.id).where(Portfolio.id.in_(list(portfolio_ids))).order_by(Portfolio.id)
    session.execute(query.with_for_update()).all()


def lock_name(session: Session, name: str) -> None:
    """Hold a named lock until the transaction ends (PostgreSQL advisory lock): one writer of a table's
    window at a time. SQLite's single database writer lock serializes writers already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(name))))


def copies(session: Session) -> bool:
    """Whether `copy_frame` can write on this session's connection (PostgreSQL through psycopg)."""
    return isinstance(session.connection().connection.driver_connection, psycopg.Connection)


def copy_frame(session: Session, table, frame: pd.DataFrame) -> int:
    """COPY a frame's rows into `table` as CSV written by pandas, INSERT_CHUNK rows at a time: columns
    named as the table's (a table column the frame lacks is NULL), NaN and None as NULL, values of
    Python or numpy types; JSON columns dumped, integer columns from whole floats, enums as their
    values. Per row, building a dict and a COPY row in Python cost most of a rebuild's writing."""
    columns = list(table.__table__.columns)
    names = ", ".join(c.name for c in columns)
    statement = f"""COPY "{table.__tablename__}" ({names}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"""
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for first in range(0, len(frame), INSERT_CHUNK):
            part = frame.iloc[first : first + INSERT_CHUNK]
            values = pd.DataFrame({c.name: _copy_column(part, c) for c in columns}, index=part.index)
            copy.write(values.to_csv(index=False, header=False, na_rep="\\N"))
    return len(frame)


def _copy_column(frame: pd.DataFrame, column) -> pd.Series:
    if column.name not in frame:
        return pd.Series(None, index=frame.index, dtype=object)
    values = frame[column.name]
    if isinstance(column.type, JSON):
        return values.map(lambda v: None if v is None or (isinstance(v, float) and v != v) else json.dumps(v))
    if isinstance(column.type, Integer) and values.dtype.kind == "f":
        return values.astype("Int64")
    if isinstance(column.type, Enum) and values.dtype == object:
        return values.map(lambda v: getattr(v, "value", v))
    return values


def count_by(session: Session, column, *where) -> dict:
    return dict(session.execute(select(column, func.count()).where(*where).group_by(column)).all())


def _chunks(rows: Iterable) -> Iterator[list]:
    rows = iter(rows)
    while chunk := list(islice(rows, INSERT_CHUNK)):
        yield chunk


def symbol_metric_days(session: Session, symbols: Iterable[str], start: date, end: date) -> dict[str, set[date]]:
    """Per symbol, the days in [start, end] on which `symbol_metrics` has a row: the days a day-level run
    computed with the symbol in its universe (every day-level asset runs over the same universe)."""
    query = select(SymbolMetric.symbol, SymbolMetric.date).where(
        SymbolMetric.symbol.in_(sorted(set(symbols))), SymbolMetric.date.between(start, end)
    )
    days: dict[str, set[date]] = {}
    for symbol, day in session.execute(query).all():
        days.setdefault(symbol, set()).add(day)
    return days


def stored_closes(session: Session, symbols: Iterable[str], start: date | None, end: date | None) -> pd.DataFrame:
    """Stored closes of `symbols` within [start, end] (unbounded where None), long: symbol, date (a date), close."""
    query = select(MarketPrice.symbol, MarketPrice.date, MarketPrice.close).where(
        MarketPrice.symbol.in_(sorted(set(symbols)))
    )
    if start is not None:
        query = query.where(MarketPrice.date >= start)
    if end is not None:
        query = query.where(MarketPrice.date <= end)
    frame = read_frame(session, query, ["symbol", "date", "close"])
    return frame.assign(date=frame["date"].dt.date, close=frame["close"].astype(float))


def replace_prices(session: Session, rows: pd.DataFrame, source: str, fetched_at: datetime) -> int:
    """Store closes over the stored ones (a vendor's correction or re-adjusted history); rows written."""
    records = [
        {"symbol": s, "date": d, "close": float(c), "source": source, "fetched_at": fetched_at}
        for s, d, c in rows[["symbol", "date", "close"]].itertuples(index=False)
    ]
    builder = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = builder(MarketPrice)
    statement = statement.on_conflict_do_update(
        index_elements=["symbol", "date"],
        set_={
            "close": statement.excluded.close,
            "source": statement.excluded.source,
            "fetched_at": statement.excluded.fetched_at,
        },
    )
    for chunk in _chunks(records):
        session.execute(statement, chunk)
    return len(records)


def record_price_corrections(session: Session, corrections: Iterable[dict]) -> list[int]:
    """Insert correction records (unhandled); their ids."""
    rows = [PriceCorrection(**c, handled=False) for c in corrections]
    session.add_all(rows)
    session.flush()
    return [r.id for r in rows]


def unhandled_corrections(session: Session) -> list[PriceCorrection]:
    """Correction records whose re-materialization has not been set off, oldest first."""
    query = select(PriceCorrection).where(PriceCorrection.handled.is_(False)).order_by(PriceCorrection.id)
    return list(session.scalars(query))


def handled_corrections(session: Session, since: date) -> list[PriceCorrection]:
    """Handled correction records whose re-materialized days reach `since` or later, oldest first."""
    query = (
        select(PriceCorrection)
        .where(PriceCorrection.handled.is_(True), PriceCorrection.last_date >= since)
        .order_by(PriceCorrection.id)
    )
    return list(session.scalars(query))


def mark_correction_handled(session: Session, correction_id: int, portfolio_ids: Sequence[int], at: datetime) -> None:
    row = session.get(PriceCorrection, correction_id)
    row.handled, row.handled_at, row.portfolio_ids = True, at, sorted(portfolio_ids)
    session.flush()
