"""Portfolio import: validate a positions CSV completely, then write it in one transaction.

Used by the CLI (`sigmasight portfolios import`), the demo loader, the API's upload and amendments
(their rows are validated here); it knows nothing about any of them. Flow:

1. `parse_positions(data, today=...)` reads the bytes and returns `PositionSpec`s, or raises
   `PortfolioImportError` listing *every* problem in the file (`ImportProblem(line, field,
   message)`; `line` is the physical line in the file, the header being line 1; line 0 means
   the file or request as a whole). `position_rows` returns the valid rows and the problems
   without raising, for callers that add checks of their own (an amendment, `amendments.py`).
2. `create_portfolio(session, owner, name, specs)` writes the portfolio and its positions (and
   their manual marks) in the caller's transaction.
3. `import_portfolio(db, data, name, owner_email, today, equity, benchmark)` does both: it validates
   the file, the name, the inception equity and the benchmark before opening the write transaction,
   then looks the owner up and writes inside one transaction, so an import either stores everything
   or nothing.

A portfolio's benchmark (what tracking error is measured against) is a ticker of the import
grammar; None means `DEFAULT_BENCHMARK`, resolved for reads by `benchmark_of`.

The owner must already exist (`UserNotFoundError`, a `LookupError`, otherwise): importing never
creates users. The one exception is the demo owner, created by `sigmasight_resources.demo.load_demo`.

CSV format (UTF-8, comma-separated, header row; column names case-insensitive; blank lines ignored):

=================  ========  =================================================================
column             required  meaning
=================  ========  =================================================================
symbol             yes       ticker (`AAPL`, `BRK.B`), OCC option symbol (`AAPL270115C00200000`)
                             or, for PRIVATE positions, any name up to 32 characters
quantity           yes       shares / contracts / units; negative = short; not zero; options
                             in whole contracts (×100 shares each)
entry_price        yes       per share (per share of underlying for options), > 0
entry_date         yes       YYYY-MM-DD, not in the future
investment_class   no        PUBLIC, OPTIONS or PRIVATE; empty = inferred (OCC symbol →
                             OPTIONS, else PUBLIC). PRIVATE must be given explicitly.
exit_date          no        YYYY-MM-DD, on or after entry_date; together with exit_price
exit_price         no        > 0 (0 allowed for options that expired worthless)
mark_price         no        PRIVATE only: a manual valuation per unit, > 0; with mark_date
mark_date          no        PRIVATE only: date of that valuation, between entry and exit/today
=================  ========  =================================================================
"""

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigmasight_resources import tickers
from sigmasight_resources.db.models import ManualMark, Portfolio, Position, User
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.occ import OccSymbolError, looks_like_occ, parse_occ
from sigmasight_resources.users import get_user_by_email
from sigmasight_resources.vocabulary import DEFAULT_BENCHMARK, InvestmentClass

MAX_IMPORT_BYTES = 1 << 20  # 1 MiB
MAX_IMPORT_ROWS = 10_000
MAX_SYMBOL_LENGTH = 32  # positions.symbol
MAX_NAME_LENGTH = 200  # portfolios.name
MAX_ABS_QUANTITY = 1e12
MAX_PRICE = 1e9
MAX_AMOUNT = 1e15  # money: inception equity, a cash flow
MIN_DATE = date(1900, 1, 1)

REQUIRED_COLUMNS = ("symbol", "quantity", "entry_price", "entry_date")
OPTIONAL_COLUMNS = ("investment_class", "exit_date", "exit_price", "mark_price", "mark_date")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

FILE = "file"  # the field of problems about the whole file (line 0)
ROW = "row"  # the field of problems about a whole row
NAME = "name"  # the field of problems about the portfolio name (line 0)
EQUITY = "equity"  # the field of problems about the inception equity (line 0)
BENCHMARK = "benchmark"  # the field of problems about the benchmark symbol (line 0)


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_NON_FINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_UNDECODABLE = re.compile(r"[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)


@dataclass(frozen=True)
class ImportProblem:
    """One problem: `line` in the file (1 = header, 0 = the file or request as a whole)."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        if self.line > 0:
            return f"line {self.line}, field {self.field}: {self.message}"
        return f"{self.field}: {self.message}"


class PortfolioImportError(ValueError):
    """The import is invalid; `problems` lists every problem found, ordered by line."""

    def __init__(self, problems: Iterable[ImportProblem]) -> None:
        self.problems: list[ImportProblem] = sorted(problems, key=lambda p: p.line)
        if not self.problems:
            raise ValueError("PortfolioImportError needs at least one problem")
        count = len(self.problems)
        head = "; ".join(str(p) for p in self.problems[:3])
        more = f"; and {count - 3} more" if count > 3 else ""
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the import: {head}{more}")

    def __reduce__(self):  # picklable despite the custom constructor
        return type(self), (self.problems,)


class PortfolioNameTakenError(PortfolioImportError):
    """The owner already has an active portfolio with this name."""


class PortfolioNotFoundError(LookupError):
    """No active portfolio has this id."""


@dataclass(frozen=True)
class PositionSpec:
    """A validated position, ready to be written. `line` is where it came from."""

    line: int
    symbol: str
    investment_class: InvestmentClass
    quantity: float
    entry_price: float
    entry_date: date
    exit_price: float | None = None
    exit_date: date | None = None
    underlying: str | None = None
    option_type: str | None = None
    strike: float | None = None
    expiry: date | None = None
    mark_price: float | None = None
    mark_date: date | None = None

    def identity(self) -> tuple:
        """What makes two rows the same position (everything but the line and the mark)."""
        return (
            self.investment_class,
            self.symbol,
            self.quantity,
            self.entry_price,
            self.entry_date,
            self.exit_price,
            self.exit_date,
        )


@dataclass(frozen=True)
class PortfolioSummary:
    id: int
    name: str
    owner_email: str
    positions: int
    created_at: datetime
    deleted_at: datetime | None
    inception_equity: float | None
    benchmark: str


# ---------------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class CsvLayout:
    """What one kind of CSV holds: its columns, the required ones, and what its rows are called."""

    columns: tuple[str, ...]
    required: tuple[str, ...]
    rows: str  # "positions": used in the messages about the file
    split_hint: str  # what to do about a file over MAX_IMPORT_ROWS rows


POSITIONS = CsvLayout(COLUMNS, REQUIRED_COLUMNS, "positions", "split it into several portfolios")


@dataclass
class _Row:
    """One CSV record being validated: its cells by column and the problems found so far."""

    line: int
    cells: dict[str, str]
    problems: list[ImportProblem] = field(default_factory=list)
    bad: set[str] = field(default_factory=set)  # fields already reported as invalid

    def problem(self, column: str, message: str) -> None:
        self.problems.append(ImportProblem(self.line, column, message))
        self.bad.add(column)

    def text(self, column: str) -> str | None:
        """The stripped cell, or None when the column is absent, empty or already invalid."""
        if column in self.bad:
            return None
        value = self.cells.get(column)
        return value if value else None

    def required(self, column: str) -> str | None:
        if column not in self.cells:  # missing column: reported once, on the header
            return None
        value = self.text(column)
        if value is None and column not in self.bad:
            self.problem(column, "required value is empty")
        return value

    def number(self, column: str, required: bool = False) -> float | None:
        raw = self.required(column) if required else self.text(column)
        if raw is None:
            return None
        if raw.lower() in _NON_FINITE:
            self.problem(column, f"{raw!r} is not a finite number")
            return None
        if not _NUMBER.fullmatch(raw):
            self.problem(column, f"{_show(raw)} is not a number (expected e.g. 100 or 12.5)")
            return None
        value = float(raw)
        if not math.isfinite(value):
            self.problem(column, f"{_show(raw)} is not a finite number")
            return None
        return value

    def price(self, column: str, required: bool = False, allow_zero: bool = False) -> float | None:
        value = self.number(column, required)
        if value is None:
            return None
        if value < 0 or (value == 0 and not allow_zero):
            self.problem(column, f"must be {'zero or ' if allow_zero else ''}positive, got {value:g}")
            return None
        if value > MAX_PRICE:
            self.problem(column, f"{value:g} is implausibly large (limit {MAX_PRICE:g})")
            return None
        return value

    def day(self, column: str, today: date, required: bool = False) -> date | None:
        raw = self.required(column) if required else self.text(column)
        if raw is None:
            return None
        try:
            if not _ISO_DATE.fullmatch(raw):
                raise ValueError
            value = date.fromisoformat(raw)
        except ValueError:
            self.problem(column, f"{_show(raw)} is not a date (expected YYYY-MM-DD)")
            return None
        if value > today:
            self.problem(column, f"{value} is in the future (today is {today})")
            return None
        if value < MIN_DATE:
            self.problem(column, f"{value} is before {MIN_DATE}")
            return None
        return value


def _show(raw: str, limit: int = 40) -> str:
    return repr(raw if len(raw) <= limit else raw[:limit] + "…")


def _decode(data: bytes) -> str:
    """UTF-8 text; undecodable bytes survive as lone surrogates so they can be located."""
    text = bytes(data).decode("utf-8", errors="surrogateescape")
    return text[1:] if text.startswith("\ufeff") else text


def _undecodable_message(value: str) -> str:
    byte = ord(_UNDECODABLE.search(value).group()) - 0xDC00
    return f"is not UTF-8 text (byte 0x{byte:02X}); save the file as UTF-8"


def _read_header(line: int, header: list[str], layout: CsvLayout, problems: list[ImportProblem]) -> list[str | None]:
    """Column names by position: None for a reported column to ignore, "" for an unnamed one."""
    names: list[str | None] = []
    seen: set[str] = set()
    for index, cell in enumerate(header, start=1):
        name = cell.strip().lower()
        label = name or f"column {index}"
        if _UNDECODABLE.search(name):
            problems.append(ImportProblem(line, f"column {index}", "column name " + _undecodable_message(name)))
            names.append(None)
        elif not name:
            names.append("")  # tolerated (spreadsheets add them) while its values are empty
        elif name not in layout.columns:
            hint = ""
            if len(header) == 1 and (";" in name or "\t" in name):
                hint = "; the file seems to use ';' or tabs between values: use commas"
            expected = ", ".join(layout.columns)
            problems.append(
                ImportProblem(line, label[:60], f"unknown column {_show(cell.strip())}; expected {expected}{hint}")
            )
            names.append(None)
        elif name in seen:
            problems.append(ImportProblem(line, name, "column appears more than once"))
            names.append(None)
        else:
            seen.add(name)
            names.append(name)
    for column in layout.required:
        if column not in seen:
            problems.append(ImportProblem(line, column, "required column is missing"))
    return names


def _records(text: str) -> Iterable[tuple[int, list[str] | None, str | None]]:
    """(first line, cells, error) per CSV record; on a CSV syntax error yields it and stops."""
    reader = csv.reader(io.StringIO(text, newline=""))
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield previous + 1, None, f"unreadable CSV: {exc}"
            return
        yield previous + 1, cells, None
        previous = reader.line_num


def read_rows(data: bytes, layout: CsvLayout) -> tuple[list[_Row], list[ImportProblem]]:
    """The data rows of a CSV of `layout`, each cell stripped, and every problem of the file's shape.

    Shared by every CSV import so their size limits, header and row rules and messages agree;
    a row whose shape is wrong is reported here and not returned.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("data must be bytes")
    if len(data) > MAX_IMPORT_BYTES:
        raise PortfolioImportError(
            [ImportProblem(0, FILE, f"is {len(data):,} bytes; the limit is {MAX_IMPORT_BYTES:,} bytes (1 MiB)")]
        )
    empty = f"is empty; expected a header row ({','.join(layout.required)}) and {layout.rows}"
    text = _decode(data)
    if not text.strip():
        raise PortfolioImportError([ImportProblem(0, FILE, empty)])

    problems: list[ImportProblem] = []
    rows: list[_Row] = []
    names: list[str | None] | None = None
    count = 0
    for line, cells, error in _records(text):
        if error is not None:
            problems.append(ImportProblem(line, ROW, error))
            break
        if not any(cell.strip() for cell in cells):
            continue  # blank line
        if names is None:
            names = _read_header(line, cells, layout, problems)
            continue
        count += 1
        if count > MAX_IMPORT_ROWS:
            problems.append(
                ImportProblem(0, FILE, f"has more than {MAX_IMPORT_ROWS:,} {layout.rows}; {layout.split_hint}")
            )
            break
        row = _row(line, cells, names, layout, problems)
        if row is not None:
            rows.append(row)

    if names is None and not problems:
        problems.append(ImportProblem(0, FILE, empty))
    elif names is not None and count == 0:
        problems.append(ImportProblem(0, FILE, f"has a header but no {layout.rows}"))
    return rows, problems


def _row(
    line: int, cells: list[str], names: list[str | None], layout: CsvLayout, problems: list[ImportProblem]
) -> _Row | None:
    """The record as a `_Row`, or None when its shape is wrong (reported in `problems`)."""
    if any("\n" in cell or "\r" in cell for cell in cells):
        problems.append(ImportProblem(line, ROW, "a quoted value spans several lines (an unbalanced quote?)"))
        return None
    if len(cells) > len(names) and any(c.strip() for c in cells[len(names) :]):
        problems.append(ImportProblem(line, ROW, f"has {len(cells)} values but the header has {len(names)} columns"))
        return None
    if len(cells) < len(names):
        lacking = [name for name in names[len(cells) :] if name is not None]
        if any(name in layout.required for name in lacking):  # trailing optional ones count as empty
            problems.append(
                ImportProblem(line, ROW, f"has {len(cells)} values but the header has {len(names)} columns")
            )
            return None
        cells = cells + [""] * (len(names) - len(cells))

    for index, (name, cell) in enumerate(zip(names, cells, strict=False), start=1):
        if name == "" and cell.strip():
            problems.append(ImportProblem(line, f"column {index}", "value in a column without a name"))
    row = _Row(line, {name: cell.strip() for name, cell in zip(names, cells, strict=False) if name})
    for name, value in row.cells.items():
        if _UNDECODABLE.search(value):
            row.problem(name, _undecodable_message(value))
    return row


def parse_positions(data: bytes, *, today: date) -> list[PositionSpec]:
    """Validate a positions CSV (see the module docstring); all problems raised at once."""
    specs, problems = position_rows(data, today=today)
    if problems:
        raise PortfolioImportError(problems)
    return specs


def position_rows(data: bytes, *, today: date) -> tuple[list[PositionSpec], list[ImportProblem]]:
    """The valid rows of a positions CSV and every problem of the others, without raising.

    For callers that add checks of their own to the import's (an amendment checks the rows
    against stored positions) and must still report every problem at once. A file-level
    problem (size, emptiness) still raises `PortfolioImportError`.
    """
    rows, problems = read_rows(data, POSITIONS)
    specs = []
    for row in rows:
        spec = _position(row, today)
        problems.extend(row.problems)
        if spec is not None:
            specs.append(spec)
    problems.extend(_duplicates(specs))
    return specs, problems


def _position(row: _Row, today: date) -> PositionSpec | None:
    """The row as a position, or None; its problems are left on the row."""
    klass = _investment_class(row)
    symbol, option = _symbol(row, klass)
    if option is not None:
        klass = InvestmentClass.OPTIONS
    elif symbol is not None and klass is None:
        klass = InvestmentClass.PUBLIC

    quantity = row.number("quantity", required=True)
    if quantity is not None:
        if quantity == 0:
            row.problem("quantity", "must not be zero")
        elif abs(quantity) > MAX_ABS_QUANTITY:
            row.problem("quantity", f"{quantity:g} is implausibly large (limit {MAX_ABS_QUANTITY:g})")
        elif klass is InvestmentClass.OPTIONS and not quantity.is_integer():
            row.problem("quantity", f"{quantity:g} is not a whole number of option contracts")

    entry_price = row.price("entry_price", required=True)
    entry_date = row.day("entry_date", today, required=True)
    exit_price = row.price("exit_price", allow_zero=klass is InvestmentClass.OPTIONS)
    exit_date = row.day("exit_date", today)
    _pair(row, "exit_price", "exit_date")
    if exit_date is not None and entry_date is not None and exit_date < entry_date:
        row.problem("exit_date", f"{exit_date} is before entry_date {entry_date}")
    if option is not None:
        if entry_date is not None and option.expiry < entry_date:
            row.problem("symbol", f"the option expired on {option.expiry}, before entry_date {entry_date}")
        if exit_date is not None and exit_date > option.expiry:
            row.problem("exit_date", f"{exit_date} is after the option's expiry {option.expiry}")

    mark_price = mark_date = None
    if klass is not None and (row.cells.get("mark_price") or row.cells.get("mark_date")):
        if klass is not InvestmentClass.PRIVATE:
            for column in ("mark_price", "mark_date"):
                if row.cells.get(column) and column not in row.bad:
                    row.problem(column, "manual marks are only for PRIVATE positions")
        else:
            mark_price = row.price("mark_price")
            mark_date = row.day("mark_date", today)
            _pair(row, "mark_price", "mark_date")
            if mark_date is not None and entry_date is not None and mark_date < entry_date:
                row.problem("mark_date", f"{mark_date} is before entry_date {entry_date}")
            elif mark_date is not None and exit_date is not None and mark_date > exit_date:
                row.problem("mark_date", f"{mark_date} is after exit_date {exit_date}")

    if row.problems or None in (symbol, klass, quantity, entry_price, entry_date):
        return None
    return PositionSpec(
        line=row.line,
        symbol=symbol,
        investment_class=klass,
        quantity=quantity,
        entry_price=entry_price,
        entry_date=entry_date,
        exit_price=exit_price,
        exit_date=exit_date,
        underlying=option.underlying if option else None,
        option_type=option.option_type if option else None,
        strike=option.strike if option else None,
        expiry=option.expiry if option else None,
        mark_price=mark_price,
        mark_date=mark_date,
    )


def _pair(row: _Row, first: str, second: str) -> None:
    """Both columns given or neither: name the empty one."""
    a, b = row.cells.get(first), row.cells.get(second)
    if a and not b:
        row.problem(second, f"is empty but {first} is given; give both or neither")
    elif b and not a:
        row.problem(first, f"is empty but {second} is given; give both or neither")


def _investment_class(row: _Row) -> InvestmentClass | None:
    raw = row.text("investment_class")
    if raw is None:
        return None
    try:
        if not raw.isascii():
            raise ValueError(raw)
        return InvestmentClass(raw.upper())
    except ValueError:
        row.problem("investment_class", f"{_show(raw)} is not one of PUBLIC, OPTIONS, PRIVATE (or empty)")
        return None


def _symbol(row: _Row, klass: InvestmentClass | None):
    """(normalized symbol, parsed option or None); problems recorded on the row."""
    raw = row.required("symbol")
    if raw is None or "investment_class" in row.bad:  # unknown class: cannot judge the symbol
        return None, None
    if klass is InvestmentClass.PRIVATE:
        name = " ".join(raw.split())
        if len(name) > MAX_SYMBOL_LENGTH:
            row.problem("symbol", f"private position name is longer than {MAX_SYMBOL_LENGTH} characters")
        elif not name.isprintable():
            row.problem("symbol", "contains control characters")
        else:
            return name, None
        return None, None
    if not raw.isascii():
        row.problem(
            "symbol",
            f"{_show(raw)} has characters that cannot be in a ticker or option symbol; "
            "use investment_class=PRIVATE for private investments",
        )
        return None, None
    symbol = raw.upper()
    if klass is InvestmentClass.OPTIONS or looks_like_occ(symbol):
        try:
            option = parse_occ(symbol)
        except OccSymbolError as exc:
            if klass is InvestmentClass.OPTIONS and not looks_like_occ(symbol):
                row.problem(
                    "symbol",
                    f"investment_class is OPTIONS but {_show(raw)} is not an OCC option "
                    "symbol (ROOT + YYMMDD + C/P + strike × 1000, e.g. AAPL270115C00200000)",
                )
            else:
                row.problem("symbol", f"malformed OCC option symbol: {exc}")
            return None, None
        if klass is InvestmentClass.PUBLIC:
            row.problem("symbol", f"{option.symbol} is an option symbol: investment_class must be OPTIONS or empty")
            return None, None
        return option.symbol, option
    if not tickers.IMPORTABLE.fullmatch(symbol):
        row.problem(
            "symbol",
            f"{_show(raw)} is not a valid ticker (1-6 letters, optionally a class suffix "
            "such as BRK.B); use investment_class=PRIVATE for private investments",
        )
        return None, None
    return symbol, None


def _duplicates(specs: Sequence[PositionSpec]) -> list[ImportProblem]:
    first: dict[tuple, int] = {}
    problems = []
    for spec in specs:
        key = spec.identity()
        if key in first:
            problems.append(
                ImportProblem(
                    spec.line, ROW, f"duplicate of line {first[key]} (same symbol, class, quantity, prices and dates)"
                )
            )
        else:
            first[key] = spec.line
    return problems


def validate_portfolio_name(name: str) -> str:
    """The stripped name; raise `PortfolioImportError` (line 0, field `name`) when unusable."""
    problem = _name_problem(name)
    if problem:
        raise PortfolioImportError([problem])
    return " ".join(name.split())


def _name_problem(name: str) -> ImportProblem | None:
    if not isinstance(name, str) or not name.strip():
        return ImportProblem(0, NAME, "portfolio name must not be empty")
    clean = " ".join(name.split())
    if len(clean) > MAX_NAME_LENGTH:
        return ImportProblem(0, NAME, f"portfolio name is longer than {MAX_NAME_LENGTH} characters")
    if not clean.isprintable():
        return ImportProblem(0, NAME, "portfolio name contains control or undecodable characters")
    return None


def _equity_problem(equity: float | None) -> ImportProblem | None:
    """The inception equity must be a finite amount > 0 (None: the portfolio has none)."""
    if equity is None:
        return None
    if not math.isfinite(equity):
        return ImportProblem(0, EQUITY, f"must be a finite amount, got {equity}")
    if equity <= 0:
        return ImportProblem(0, EQUITY, f"must be positive, got {equity:g}")
    if equity > MAX_AMOUNT:
        return ImportProblem(0, EQUITY, f"{equity:g} is implausibly large (limit {MAX_AMOUNT:g})")
    return None


def _benchmark_problem(benchmark: str | None) -> ImportProblem | None:
    """The benchmark must be a ticker of the import grammar (None: the default)."""
    if benchmark is None:
        return None
    clean = benchmark.strip().upper()
    if not clean.isascii() or not tickers.IMPORTABLE.fullmatch(clean):
        return ImportProblem(
            0, BENCHMARK, f"{_show(benchmark)} is not a valid ticker (1-6 letters, optionally a class suffix)"
        )
    return None


def clean_benchmark(benchmark: str | None) -> str | None:
    """The upper-cased benchmark symbol (None stays None); `PortfolioImportError` (field `benchmark`) if invalid."""
    problem = _benchmark_problem(benchmark)
    if problem is not None:
        raise PortfolioImportError([problem])
    return None if benchmark is None else benchmark.strip().upper()


def benchmark_of(portfolio: Portfolio) -> str:
    """The symbol the portfolio's tracking error is measured against: its own, else `DEFAULT_BENCHMARK`."""
    return portfolio.benchmark or DEFAULT_BENCHMARK


def validate_import(
    data: bytes, name: str, *, today: date, equity: float | None = None, benchmark: str | None = None
) -> tuple[str, list[PositionSpec]]:
    """Validate the name, the inception equity, the benchmark and the file together, reporting every problem."""
    checks = (_name_problem(name), _equity_problem(equity), _benchmark_problem(benchmark))
    problems = [p for p in checks if p is not None]
    try:
        specs = parse_positions(data, today=today)
    except PortfolioImportError as exc:
        problems.extend(exc.problems)
    if problems:
        raise PortfolioImportError(problems)
    return " ".join(name.split()), specs


# ---------------------------------------------------------------------------------- writing


def position_from_spec(spec: PositionSpec) -> Position:
    """A new Position row with a validated row's columns (its marks are the caller's)."""
    return Position(
        symbol=spec.symbol,
        investment_class=spec.investment_class,
        quantity=spec.quantity,
        entry_price=spec.entry_price,
        entry_date=spec.entry_date,
        exit_price=spec.exit_price,
        exit_date=spec.exit_date,
        underlying=spec.underlying,
        option_type=spec.option_type,
        strike=spec.strike,
        expiry=spec.expiry,
    )


def create_portfolio(
    session: Session,
    owner: User,
    name: str,
    positions: Sequence[PositionSpec],
    inception_equity: float | None = None,
    benchmark: str | None = None,
) -> Portfolio:
    """Add a portfolio with its positions (and manual marks) in the caller's transaction.

    `inception_equity` (finite, > 0) starts the cash account; None funds every entry by a
    contribution of its cost. `benchmark` (a ticker) is what tracking error is measured against;
    None: `DEFAULT_BENCHMARK`.

    Raises `PortfolioNameTakenError` when `owner` already has an active portfolio named `name`
    (a soft-deleted one frees its name) and `PortfolioImportError` for an empty position list,
    an unusable equity or an invalid benchmark.
    """
    clean = validate_portfolio_name(name)
    if not positions:
        raise PortfolioImportError([ImportProblem(0, FILE, "no positions to import")])
    equity_problem = _equity_problem(inception_equity)
    if equity_problem is not None:
        raise PortfolioImportError([equity_problem])
    benchmark = clean_benchmark(benchmark)
    existing = find_active_portfolio(session, owner, clean)
    if existing is not None:
        raise PortfolioNameTakenError(
            [ImportProblem(0, NAME, f"{owner.email} already has a portfolio named {clean!r} (id {existing.id})")]
        )
    portfolio = Portfolio(
        owner=owner,
        name=clean,
        created_at=datetime.now(UTC),
        inception_equity=inception_equity,
        benchmark=benchmark,
    )
    for spec in positions:
        position = position_from_spec(spec)
        if spec.mark_price is not None and spec.mark_date is not None:
            position.marks.append(ManualMark(mark_date=spec.mark_date, price=spec.mark_price))
        portfolio.positions.append(position)
    session.add(portfolio)
    session.flush()
    return portfolio


def import_portfolio(
    db: ResultsDB,
    data: bytes,
    name: str,
    owner_email: str,
    today: date,
    equity: float | None = None,
    benchmark: str | None = None,
) -> int:
    """Validate `data`, `name`, `equity` and `benchmark` fully, then write everything in one transaction; the new id.

    Raises `PortfolioImportError` (every problem) before touching the database,
    `UserNotFoundError` (a `LookupError`) when no user has `owner_email`, `UserError` for a
    malformed email and `PortfolioNameTakenError` for a name the owner already uses.
    """
    clean, specs = validate_import(data, name, today=today, equity=equity, benchmark=benchmark)
    with db.transaction() as session:
        owner = get_user_by_email(session, owner_email)
        return create_portfolio(session, owner, clean, specs, inception_equity=equity, benchmark=benchmark).id


# ------------------------------------------------------------------------ portfolio lifecycle


def find_active_portfolio(session: Session, owner: User, name: str) -> Portfolio | None:
    """The owner's active (not deleted) portfolio with this exact name, if any."""
    return session.scalar(
        select(Portfolio)
        .where(Portfolio.owner_id == owner.id, Portfolio.name == name, Portfolio.deleted_at.is_(None))
        .order_by(Portfolio.id)
        .limit(1)
    )


def list_portfolios(session: Session, include_deleted: bool = False) -> list[PortfolioSummary]:
    """Every active portfolio (all when `include_deleted`) with owner and position count, by id."""
    count = select(Position.portfolio_id, func.count(Position.id).label("n")).group_by(Position.portfolio_id).subquery()
    query = (
        select(Portfolio, User.email, func.coalesce(count.c.n, 0))
        .join(User, Portfolio.owner_id == User.id)
        .outerjoin(count, count.c.portfolio_id == Portfolio.id)
        .order_by(Portfolio.id)
    )
    if not include_deleted:
        query = query.where(Portfolio.deleted_at.is_(None))
    return [
        PortfolioSummary(
            p.id, p.name, email, int(n), _utc(p.created_at), _utc(p.deleted_at), p.inception_equity, benchmark_of(p)
        )
        for p, email, n in session.execute(query)
    ]


def set_benchmark(session: Session, portfolio_id: int, benchmark: str | None) -> Portfolio:
    """Set an active portfolio's benchmark (None: back to the default) in the caller's transaction.

    `PortfolioImportError` (field `benchmark`) for an invalid symbol, `PortfolioNotFoundError` unless active.
    Stored results keep the benchmark they were computed with until their days are recomputed.
    """
    clean = clean_benchmark(benchmark)
    portfolio = session.get(Portfolio, portfolio_id)
    if portfolio is None or portfolio.deleted_at is not None:
        raise PortfolioNotFoundError(f"no active portfolio with id {portfolio_id}")
    portfolio.benchmark = clean
    session.flush()
    return portfolio


def delete_portfolio(session: Session, portfolio_id: int) -> Portfolio:
    """Soft-delete: set `deleted_at`; rows stay. `PortfolioNotFoundError` unless active."""
    portfolio = session.get(Portfolio, portfolio_id)
    if portfolio is None or portfolio.deleted_at is not None:
        raise PortfolioNotFoundError(f"no active portfolio with id {portfolio_id}")
    portfolio.deleted_at = datetime.now(UTC)
    session.flush()
    return portfolio


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
