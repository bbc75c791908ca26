"""Malformed portfolio CSVs (hypothesis strategies) and the surfaces they are fed to.

Shared by tests/test_malformed_csv.py (asserts on every case) and benchmarks/resilience.py
(counts the outcomes). `malformed_csvs()` starts from a valid document (`documents()`: public
stocks, options, private funds; negative quantities are valid shorts), applies one corruption
the importer must reject, then noise it must tolerate (BOM, CRLF, quoting, blank lines, no final
newline), so every case is invalid by construction. `import_surfaces()` opens a migrated
results DB with one user, the `sigmasight` CLI in-process on it and the API app over it.
"""

import csv
import io
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import typer.main
from fastapi.testclient import TestClient
from hypothesis import strategies as st
from sqlalchemy import func, select
from typer.testing import CliRunner

from sigmasight_api.app import create_app
from sigmasight_assets.cli import app as cli_app
from sigmasight_resources.db.engine import migrate
from sigmasight_resources.db.models import ManualMark, Portfolio, Position
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.portfolio_import import (
    MAX_IMPORT_BYTES,
    PortfolioImportError,
    parse_positions,
)
from sigmasight_resources.settings import ENV_PREFIX, load_settings
from sigmasight_resources.users import create_user

REQUIRED = ("symbol", "quantity", "entry_price", "entry_date")
COLUMNS = (*REQUIRED, "investment_class", "exit_date", "exit_price", "mark_price", "mark_date")
CLASSES = ("PUBLIC", "OPTIONS", "PRIVATE")
LATEST = date(2024, 12, 31)  # base dates are never in the future
TICKERS = ("AAPL", "MSFT", "BRK.B", "BRK-B", "SPY", "T", "GOOGL")
OPTIONS = ("AAPL270115C00200000", "SPY261218P00450000", "MSFT260116C00400000")  # expire after LATEST
EXPIRED_OPTION = "AAPL100115C00200000"  # expired 2010-01-15, before every base entry date
PRIVATE = ("Fund A", "Real Estate LP", "Seed round", "Café Fund")
MARKER = "\ue000"  # a placeholder replaced by bytes that are not UTF-8


@dataclass(frozen=True)
class Case:
    """One malformed CSV and the corruption that makes it so."""

    kind: str
    data: bytes


@dataclass
class Doc:
    """A CSV before rendering; `raw_quote_row` is a data row rendered with an unclosed quote."""

    header: list[str]
    rows: list[list[str]]
    delimiter: str = ","
    raw_quote_row: int | None = None

    def cell(self, row: int, column: str) -> str:
        return self.rows[row][self.header.index(column)]

    def set(self, row: int, column: str, value: str) -> None:
        self.rows[row][self.header.index(column)] = value

    def klass(self, row: int) -> str:
        """The row's class as the importer infers it."""
        given = self.cell(row, "investment_class").upper() if "investment_class" in self.header else ""
        return given or ("OPTIONS" if self.cell(row, "symbol") in OPTIONS else "PUBLIC")


# ------------------------------------------------------------------------------- valid input

# One draw per value (st.dates draws three): generation is a fifth of each case's time.
FIRST = date(2015, 1, 2)
_dates = st.integers(0, (LATEST - FIRST).days - 400).map(lambda days: FIRST + timedelta(days=days))
_quantities = st.integers(-100_000, 100_000).filter(bool).map(str)
_prices = st.integers(1, 10**7).map(lambda cents: f"{cents / 100:.2f}")


@st.composite
def _position(draw, plain: bool) -> dict[str, str]:
    """A valid row as {column: text}; `plain` rows need only the required columns."""
    entry = draw(_dates)
    row = {"entry_date": entry.isoformat(), "entry_price": draw(_prices), "quantity": draw(_quantities)}
    kind = "PUBLIC" if plain else draw(st.sampled_from(CLASSES))
    if kind == "PUBLIC":
        row["symbol"] = draw(st.sampled_from(TICKERS))
        if not plain:
            row["investment_class"] = draw(st.sampled_from(("", "PUBLIC", "public")))
    elif kind == "OPTIONS":
        row["symbol"] = draw(st.sampled_from(OPTIONS))
        row["investment_class"] = draw(st.sampled_from(("", "OPTIONS")))
    else:
        row["symbol"] = draw(st.sampled_from(PRIVATE))
        row["investment_class"] = "PRIVATE"
        if draw(st.booleans()):
            row["mark_date"] = (entry + timedelta(days=draw(st.integers(0, 399)))).isoformat()
            row["mark_price"] = draw(_prices)
    if not plain and kind != "PRIVATE" and draw(st.booleans()):
        row["exit_date"] = (entry + timedelta(days=draw(st.integers(0, 399)))).isoformat()
        row["exit_price"] = draw(_prices)
    return row


def _identity(row: dict[str, str]) -> tuple:
    return (
        row["symbol"].upper(),
        float(row["quantity"]),
        float(row["entry_price"]),
        row["entry_date"],
        row.get("exit_date"),
    )


_row_lists = {plain: st.lists(_position(plain), min_size=1, max_size=3, unique_by=_identity) for plain in (True, False)}


@st.composite
def documents(draw) -> Doc:
    """A valid positions document: 1-3 distinct rows, required columns only or all of them."""
    plain = draw(st.booleans())
    columns = list(REQUIRED if plain else COLUMNS)
    rows = draw(_row_lists[plain])
    return Doc(columns, [[row.get(c, "") for c in columns] for row in rows])


# ------------------------------------------------------------------------------- corruptions
# Each takes hypothesis' `draw` and a valid Doc, and makes it invalid in place (or returns the
# whole text when the document shape no longer applies).

_bad_dates = st.one_of(
    st.sampled_from(
        (
            "2024-13-01",
            "2024-02-30",
            "2023-02-29",
            "01/02/2024",
            "2024/01/02",
            "20240102",
            "2024-1-2",
            "02-01-2024",
            "yesterday",
            "2024-01-02T00:00",
            "1899-12-31",
            "0000-01-01",
            "2024-01-02 extra",
            "２０２４-01-02",
        )
    ),
    st.text(min_size=1, max_size=20).filter(lambda s: s.strip() and not _is_date(s.strip())),
)
_future_dates = st.dates(min_value=date(2100, 1, 1)).map(date.isoformat)
_bad_quantities = st.one_of(
    st.sampled_from(
        (
            "0",
            "-0",
            "0.0",
            "+0e5",
            "nan",
            "NaN",
            "-nan",
            "inf",
            "-inf",
            "Infinity",
            "1e13",
            "-2e15",
            "1e400",
            "ten",
            "1,000",
            "1_000",
            "0x10",
            "١٢",
            "12..5",
            "--3",
            "$100",
            "1e",
            "e5",
        )
    ),
    st.integers(13, 400).map(lambda digits: "9" * digits),  # beyond 1e12, or beyond a float
    st.text(alphabet="abcxyz!@#%&*()[]{}", min_size=1, max_size=10),
)
_bad_prices = st.one_of(
    st.sampled_from(
        (
            "0",
            "0.00",
            "-1",
            "-180.5",
            "nan",
            "inf",
            "-inf",
            "1e10",
            "2000000000",
            "1e400",
            "$180",
            "180 USD",
            "12,5",
            "N/A",
            "—",
        )
    ),
    st.floats(max_value=-0.01, allow_infinity=False, allow_nan=False).map(repr),
)
_bad_tickers = st.one_of(
    st.sampled_from(
        (
            "TOOLONGX",
            "AAPL$",
            "BRK.BBB",
            "A B C",
            "ÅAPL",
            "MSFT!",
            "AAPL271315C00200000",
            "AAPL270115X00200000",
            "AAPL270115C0020000",
            "AAPL270132C00200000",
            "12345",
            "SPY 1",
        )
    ),
    st.text(max_size=15).map(lambda s: "9" + s),  # a leading digit is never a ticker nor an OCC root
)
_unknown_names = st.one_of(
    st.sampled_from(("ticker", "qty", "price", "date", "notes", "Symbol Name", "entry date", "class", "isin")),
    st.text(min_size=1, max_size=20).filter(lambda s: s.strip() and s.strip().lower() not in COLUMNS),
)
_unknown_classes = st.one_of(
    st.sampled_from(("STOCK", "Equity", "ETF", "BOND", "OPTION", "privat", "PUBLIC_", "ＰＵＢＬＩＣ", "PUBLIC;")),
    st.text(min_size=1, max_size=12).filter(lambda s: s.strip() and s.strip().upper() not in CLASSES),
)
_extra_cells = st.lists(st.sampled_from(("x", "1", "AAPL")), min_size=1, max_size=3)
_long = st.integers(33, 200_000).map(lambda n: "X" * n)  # too long for a ticker and for a private name


def _is_date(text: str) -> bool:
    """Could the importer read `text` as a date? (Erring towards yes keeps cases invalid.)"""
    return re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) is not None


def _any_row(draw, doc: Doc) -> int:
    return draw(st.integers(0, len(doc.rows) - 1))


def bad_date(draw, doc: Doc) -> None:
    doc.set(_any_row(draw, doc), "entry_date", draw(_bad_dates))


def future_date(draw, doc: Doc) -> None:
    doc.set(_any_row(draw, doc), "entry_date", draw(_future_dates))


def bad_quantity(draw, doc: Doc) -> None:
    doc.set(_any_row(draw, doc), "quantity", draw(_bad_quantities))


def bad_price(draw, doc: Doc) -> None:
    doc.set(_any_row(draw, doc), "entry_price", draw(_bad_prices))


def empty_required(draw, doc: Doc) -> None:
    doc.set(_any_row(draw, doc), draw(st.sampled_from(REQUIRED)), draw(st.sampled_from(("", " ", "\t"))))


def bad_symbol(draw, doc: Doc) -> None:
    row = _any_row(draw, doc)
    if doc.klass(row) == "PRIVATE":
        doc.set(row, "symbol", draw(st.sampled_from(("Fund\x07A", "Fund\x00A", "\x1b[31mFund"))))
    else:
        doc.set(row, "symbol", draw(_bad_tickers))


def long_field(draw, doc: Doc) -> None:
    row = _any_row(draw, doc)
    if draw(st.booleans()):
        doc.set(row, "symbol", draw(_long))
    else:
        doc.set(row, "quantity", "9" * draw(st.integers(13, 100_000)))


def unknown_class(draw, doc: Doc) -> None:
    _ensure_full(doc)
    doc.set(_any_row(draw, doc), "investment_class", draw(_unknown_classes))


def class_mismatch(draw, doc: Doc) -> None:
    _ensure_full(doc)
    row = _any_row(draw, doc)
    if draw(st.booleans()):
        doc.set(row, "investment_class", "PUBLIC")
        doc.set(row, "symbol", draw(st.sampled_from(OPTIONS)))
    else:
        doc.set(row, "investment_class", "OPTIONS")
        doc.set(row, "symbol", draw(st.sampled_from(TICKERS)))


def bad_option(draw, doc: Doc) -> None:
    _ensure_full(doc)
    row = _any_row(draw, doc)
    doc.set(row, "investment_class", draw(st.sampled_from(("", "OPTIONS"))))
    if draw(st.booleans()):
        doc.set(row, "symbol", EXPIRED_OPTION)  # expired before entry
    else:
        doc.set(row, "symbol", draw(st.sampled_from(OPTIONS)))
        doc.set(row, "quantity", draw(st.sampled_from(("1.5", "-0.25", "10.01"))))  # not whole contracts


def bad_exit(draw, doc: Doc) -> None:
    _ensure_full(doc)
    row = _any_row(draw, doc)
    entry = date.fromisoformat(doc.cell(row, "entry_date"))
    choice = draw(st.sampled_from(("date only", "price only", "before entry")))
    doc.set(row, "exit_date", "" if choice == "price only" else entry.isoformat())
    doc.set(row, "exit_price", "" if choice == "date only" else "10.00")
    if choice == "before entry":
        doc.set(row, "exit_date", (entry - timedelta(days=draw(st.integers(1, 3000)))).isoformat())


def mark_not_private(draw, doc: Doc) -> None:
    _ensure_full(doc)
    row = _any_row(draw, doc)
    if doc.klass(row) == "PRIVATE":
        doc.set(row, "investment_class", "PUBLIC")
        doc.set(row, "symbol", draw(st.sampled_from(TICKERS)))
    doc.set(row, "mark_price", "12.00")
    doc.set(row, "mark_date", doc.cell(row, "entry_date"))


def missing_column(draw, doc: Doc) -> None:
    index = doc.header.index(draw(st.sampled_from(REQUIRED)))
    del doc.header[index]
    for row in doc.rows:
        del row[index]


def unknown_column(draw, doc: Doc) -> None:
    doc.header[draw(st.integers(0, len(doc.header) - 1))] = draw(_unknown_names)


def extra_column(draw, doc: Doc) -> None:
    at = draw(st.integers(0, len(doc.header)))
    doc.header.insert(at, draw(_unknown_names))
    for row in doc.rows:
        row.insert(at, draw(st.sampled_from(("", "x", "note"))))


def unnamed_column_value(draw, doc: Doc) -> None:
    doc.header.append("")
    for row in doc.rows:
        row.append("")
    doc.rows[_any_row(draw, doc)][-1] = draw(st.sampled_from(("x", "1", "AAPL")))


def duplicate_column(draw, doc: Doc) -> None:
    source = draw(st.integers(0, len(doc.header) - 1))
    at = draw(st.integers(0, len(doc.header)))
    doc.header.insert(at, doc.header[source].upper() if draw(st.booleans()) else doc.header[source])
    for row in doc.rows:
        row.insert(at, row[source])


def no_header(draw, doc: Doc) -> None:
    doc.header = doc.rows.pop(0)  # its symbol becomes an unknown column name


def wrong_delimiter(draw, doc: Doc) -> None:
    doc.delimiter = draw(st.sampled_from((";", "\t", "|")))


def extra_values(draw, doc: Doc) -> None:
    doc.rows[_any_row(draw, doc)].extend(draw(_extra_cells))


def missing_values(draw, doc: Doc) -> None:
    row = _any_row(draw, doc)
    doc.rows[row] = doc.rows[row][: draw(st.integers(1, len(REQUIRED) - 1))]  # keeps the symbol, drops a required value


def duplicate_row(draw, doc: Doc) -> None:
    doc.rows.insert(draw(st.integers(0, len(doc.rows))), list(doc.rows[_any_row(draw, doc)]))


def embedded_newline(draw, doc: Doc) -> None:
    row = _any_row(draw, doc)
    column = draw(st.integers(0, len(doc.header) - 1))
    value = doc.rows[row][column]
    at = draw(st.integers(0, len(value)))
    doc.rows[row][column] = value[:at] + draw(st.sampled_from(("\n", "\r\n", "\r"))) + value[at:]


def unbalanced_quote(draw, doc: Doc) -> None:
    doc.raw_quote_row = _any_row(draw, doc)


def non_utf8(draw, doc: Doc) -> None:
    if draw(st.booleans()):
        column = draw(st.integers(0, len(doc.header) - 1))
        doc.header[column] += MARKER
    else:
        row = _any_row(draw, doc)
        column = draw(st.integers(0, len(doc.header) - 1))
        doc.rows[row][column] = MARKER + doc.rows[row][column]


def oversize(draw, doc: Doc) -> None:
    doc.set(_any_row(draw, doc), "symbol", "X" * (MAX_IMPORT_BYTES + draw(st.integers(1, 1000))))


def empty(draw, doc: Doc) -> str:
    return draw(st.sampled_from(("", " ", "\n", "\n\n\n", " \t \n", ",,,\n", "\ufeff", "\ufeff\n")))


def header_only(draw, doc: Doc) -> None:
    doc.rows.clear()


CORRUPTIONS: tuple[Callable[..., str | None], ...] = (
    bad_date,
    future_date,
    bad_quantity,
    bad_price,
    empty_required,
    bad_symbol,
    long_field,
    unknown_class,
    class_mismatch,
    bad_option,
    bad_exit,
    mark_not_private,
    missing_column,
    unknown_column,
    extra_column,
    unnamed_column_value,
    duplicate_column,
    no_header,
    wrong_delimiter,
    extra_values,
    missing_values,
    duplicate_row,
    embedded_newline,
    unbalanced_quote,
    non_utf8,
    oversize,
    empty,
    header_only,
)


def _ensure_full(doc: Doc) -> None:
    """Give a required-columns-only document the optional columns, empty."""
    for column in COLUMNS[len(doc.header) :]:
        doc.header.append(column)
        for row in doc.rows:
            row.append("")


# ------------------------------------------------------------------------------- rendering


@st.composite
def rendered(draw, doc: Doc) -> bytes:
    """`doc` as bytes with noise the importer must tolerate."""
    quoting = draw(st.sampled_from((csv.QUOTE_MINIMAL, csv.QUOTE_ALL)))
    lines = [_line(doc.header, doc.delimiter, quoting)]
    for index, row in enumerate(doc.rows):
        if index == doc.raw_quote_row:
            lines.append('"' + doc.delimiter.join(row))
        else:
            lines.append(_line(row, doc.delimiter, quoting))
    for _ in range(draw(st.integers(0, 3))):
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(("", " ", ",,"))))
    return _encode(draw, draw(st.sampled_from(("\n", "\r\n"))).join(lines) + draw(st.sampled_from(("", "\n"))))


def _line(cells: list[str], delimiter: str, quoting: int) -> str:
    """One record without its terminator; "\r\n" as the writer's terminator makes it quote
    values holding either character (it quotes only the terminator's characters)."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator="\r\n").writerow(cells)
    return out.getvalue()[:-2]


def _encode(draw, text: str) -> bytes:
    """UTF-8, with a BOM or not; each MARKER becomes bytes that are not UTF-8."""
    if draw(st.booleans()):
        text = "\ufeff" + text
    data = text.encode()
    return data.replace(MARKER.encode(), draw(st.sampled_from((b"\xff", b"\xfe", b"\xe9", b"\x80", b"\xc3("))))


@st.composite
def malformed_csvs(draw) -> Case:
    """A positions CSV the importer must reject: a valid document with one corruption, plus noise."""
    doc = draw(documents())
    corruption = draw(st.sampled_from(CORRUPTIONS))
    text = corruption(draw, doc)
    data = _encode(draw, text) if text is not None else draw(rendered(doc))
    return Case(corruption.__name__, data)


# ------------------------------------------------------------------------------- surfaces

OWNER = "fuzz@example.com"
NAME = "fuzzed"


# typer's CliRunner.invoke rebuilds the click command from the Typer app on every call (14 of the
# 35 ms an import takes): build it once and run it in the runner's isolation.
_CLI = typer.main.get_command(cli_app)
_ROWS = select(*(select(func.count()).select_from(m).scalar_subquery() for m in (Portfolio, Position, ManualMark)))


@dataclass(frozen=True)
class Attempt:
    """What the validator, the CLI and the API made of one file, and how many rows it left behind."""

    problems: int  # found by `parse_positions`; 0 when it accepts the file
    cli_exit: int
    cli_stdout: str
    cli_stderr: str
    cli_unexpected: BaseException | None  # raised out of the command: a bug
    api_status: int
    api_body: str
    rows_written: int

    @property
    def cli_traceback(self) -> bool:
        return self.cli_unexpected is not None or "Traceback" in self.cli_stdout + self.cli_stderr


class ImportSurfaces:
    """The `sigmasight portfolios import` command and `POST /api/v1/portfolios` over one results DB."""

    def __init__(self, db: ResultsDB, client: TestClient, token: str, home: Path) -> None:
        self.db = db
        self.client = client
        self.token = token
        self.upload = home / "upload.csv"
        self.runner = CliRunner()
        # The CLI reads settings from the environment: point it at this DB and drop any other setting.
        self.env: dict[str, str | None] = {k: None for k in os.environ if k.startswith(ENV_PREFIX)}
        self.env.update({f"{ENV_PREFIX}HOME": str(home), f"{ENV_PREFIX}DATABASE_URL": db.url})
        self._rows = self.rows()

    def rows(self) -> int:
        """Rows of the tables an import writes (portfolios, positions, manual marks)."""
        with self.db.transaction() as session:
            return sum(session.execute(_ROWS).one())

    def attempt(self, data: bytes) -> Attempt:
        """Validate `data`, import it through the CLI, then upload it to the API."""
        problems = _problems(data)
        self.upload.write_bytes(data)
        code, out, err, unexpected = self._cli(
            ["portfolios", "import", str(self.upload), "--name", NAME, "--owner", OWNER]
        )
        api = self.client.post(
            "/api/v1/portfolios",
            headers={"Authorization": f"Bearer {self.token}"},
            data={"name": NAME},
            files={"file": ("positions.csv", data, "text/csv")},
        )
        before, self._rows = self._rows, self.rows()
        return Attempt(problems, code, out, err, unexpected, api.status_code, api.text, self._rows - before)

    def _cli(self, args: list[str]) -> tuple[int, str, str, BaseException | None]:
        """(exit code, stdout, stderr, unexpected exception) of one in-process `sigmasight` run."""
        code, unexpected = 0, None
        with self.runner.isolation(env=self.env) as (stdout, stderr, _):
            try:
                _CLI.main(args=args, prog_name="sigmasight")
            except SystemExit as stop:
                code = stop.code or 0
            except Exception as exc:  # noqa: BLE001 (as CliRunner does: kept for the caller to report)
                code, unexpected = 1, exc
            sys.stdout.flush()
            sys.stderr.flush()
            return code, stdout.getvalue().decode(), stderr.getvalue().decode(), unexpected


def _problems(data: bytes) -> int:
    try:
        parse_positions(data, today=date.today())
    except PortfolioImportError as exc:
        return len(exc.problems)
    return 0


@contextmanager
def import_surfaces(url: str, home: Path) -> Iterator[ImportSurfaces]:
    """Migrate `url`, add the owner, and serve the API over it until the block ends."""
    migrate(url)
    db = ResultsDB(url)
    try:
        with db.transaction() as session:
            token = create_user(session, OWNER)[1]
        settings = load_settings(database_url=url, home=home, market_data="simulated")
        # a live test instance is the process's current one while the app resolves the asset graph
        # (an earlier test's disposed instance may otherwise still be current)
        with dg.instance_for_test() as instance:
            app = create_app(settings, instance)
            with TestClient(app, raise_server_exceptions=False) as client:  # a server error answers 500, to be seen
                yield ImportSurfaces(db, client, token, home)
    finally:
        db.dispose()
