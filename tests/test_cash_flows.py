"""Capital: inception equity on import, the cash-flow CSV, and cash/NAV/leverage in the report.

Parsing runs without a database; everything that writes uses `db_url` or the CLI on SQLite and
PostgreSQL, and a rejected import is checked to have written nothing by counting rows. The
report's display is checked on snapshot rows written here, with and without the capital columns.
"""

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sigmasight_resources.cash_flows import (
    CashFlowSpec,
    add_cash_flows,
    list_cash_flows,
    parse_cash_flows,
    record_cash_flows,
)
from sigmasight_resources.db.models import CashFlow, Portfolio, Position
from sigmasight_resources.db.report import build_report
from sigmasight_resources.db.results import DataQuality, PortfolioSnapshot
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.portfolio_import import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    PortfolioImportError,
    PortfolioNotFoundError,
    delete_portfolio,
    import_portfolio,
    validate_import,
)
from sigmasight_resources.users import create_user
from tests.support.cli import OWNER, cli

TODAY = date.today()  # "future" is relative to the real today, as the commands use it
TOMORROW = (TODAY + timedelta(days=1)).isoformat()
POSITIONS = b"symbol,quantity,entry_price,entry_date\nAAPL,10,180,2025-03-03\nMSFT,-5,400,2025-03-04\n"
FLOWS = b"date,amount\n2025-03-03,250000\n2025-06-30,-50000.5\n"


def problems_of(data: bytes) -> list[tuple[int, str]]:
    with pytest.raises(PortfolioImportError) as caught:
        parse_cash_flows(data, today=TODAY)
    return [(p.line, p.field) for p in caught.value.problems]


# ----------------------------------------------------------------------------- parsing


def test_a_good_file_parses_tolerating_bom_header_case_whitespace_and_blank_lines():
    data = (
        b"\xef\xbb\xbf Date , AMOUNT \r\n2025-03-03, 250000 \r\n\r\n2025-06-30,-1.5e3\r\n" + TODAY.isoformat().encode()
    )
    assert parse_cash_flows(data + b",7\r\n", today=TODAY) == [
        CashFlowSpec(2, date(2025, 3, 3), 250000.0),
        CashFlowSpec(4, date(2025, 6, 30), -1500.0),
        CashFlowSpec(5, TODAY, 7.0),
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"", [(0, "file")], id="empty file"),
        pytest.param(b" \n\n", [(0, "file")], id="blank file"),
        pytest.param(b"date,amount\n", [(0, "file")], id="header only"),
        pytest.param(b"date\n2025-01-02\n", [(1, "amount")], id="missing amount column"),
        pytest.param(b"amount\n5\n", [(1, "date")], id="missing date column"),
        pytest.param(b"date,amount,note\n2025-01-02,5,x\n", [(1, "note")], id="unknown column"),
        pytest.param(b"date,amount,date\n2025-01-02,5,2025-01-03\n", [(1, "date")], id="duplicate column"),
        pytest.param(b"date;amount\n2025-01-02;5\n", [(1, "date;amount"), (1, "date"), (1, "amount")], id="semicolons"),
        pytest.param(b"date,amount\n2025-1-2,5\n", [(2, "date")], id="non-ISO date"),
        pytest.param(b"date,amount\n02/01/2025,5\n", [(2, "date")], id="US date"),
        pytest.param(b"date,amount\n2025-02-30,5\n", [(2, "date")], id="impossible date"),
        pytest.param(f"date,amount\n{TOMORROW},5\n".encode(), [(2, "date")], id="future date"),
        pytest.param(b"date,amount\n1899-12-31,5\n", [(2, "date")], id="before 1900"),
        pytest.param(b"date,amount\n,5\n", [(2, "date")], id="empty date"),
        pytest.param(b"date,amount\n2025-01-02,\n", [(2, "amount")], id="empty amount"),
        pytest.param(b"date,amount\n2025-01-02,abc\n", [(2, "amount")], id="non-numeric amount"),
        pytest.param(b'date,amount\n2025-01-02,"1,000"\n', [(2, "amount")], id="thousands separator"),
        pytest.param(b"date,amount\n2025-01-02,0\n", [(2, "amount")], id="zero"),
        pytest.param(b"date,amount\n2025-01-02,-0.0\n", [(2, "amount")], id="negative zero"),
        pytest.param(b"date,amount\n2025-01-02,inf\n", [(2, "amount")], id="inf"),
        pytest.param(b"date,amount\n2025-01-02,-Infinity\n", [(2, "amount")], id="-Infinity"),
        pytest.param(b"date,amount\n2025-01-02,nan\n", [(2, "amount")], id="nan"),
        pytest.param(b"date,amount\n2025-01-02,1e400\n", [(2, "amount")], id="overflows to inf"),
        pytest.param(b"date,amount\n2025-01-02,2e15\n", [(2, "amount")], id="implausibly large"),
        pytest.param(b"date,amount\n2025-01-02,5,6\n", [(2, "row")], id="too many values"),
        pytest.param(b"date,amount\n2025-01-02\n", [(2, "row")], id="too few values"),
        pytest.param(b"date,amount\n2025-01-02,\xff5\n", [(2, "amount")], id="not UTF-8"),
        pytest.param(b'date,amount\n2025-01-02,"5\n', [(2, "row")], id="unbalanced quote"),
    ],
)
def test_every_bad_file_is_rejected_with_its_line_and_field(data, expected):
    assert problems_of(data) == expected


def test_every_problem_of_a_file_is_reported_at_once_ordered_by_line():
    data = f"date,amount\n2025-01-02,100\nnot-a-date,0\n{TOMORROW},x\n\n2025-01-03,nan\n2025-01-04,-5\n".encode()
    assert problems_of(data) == [(3, "date"), (3, "amount"), (4, "date"), (4, "amount"), (6, "amount")]


def test_messages_say_what_is_wrong():
    with pytest.raises(PortfolioImportError) as caught:
        parse_cash_flows(f"date,amount\n{TOMORROW},0\n".encode(), today=TODAY)
    assert [str(p) for p in caught.value.problems] == [
        f"line 2, field date: {TOMORROW} is in the future (today is {TODAY})",
        "line 2, field amount: must not be zero (a deposit is positive, a withdrawal negative)",
    ]


def test_size_limits_are_the_imports():
    assert problems_of(b"date,amount\n" + b"2025-01-02,1\n" * (MAX_IMPORT_BYTES // 13 + 1)) == [(0, "file")]
    too_many = b"date,amount\n" + b"2025-01-02,1\n" * (MAX_IMPORT_ROWS + 1)
    with pytest.raises(PortfolioImportError) as caught:
        parse_cash_flows(too_many, today=TODAY)
    assert [str(p) for p in caught.value.problems] == [
        f"file: has more than {MAX_IMPORT_ROWS:,} cash flows; split it into several files"
    ]
    assert len(parse_cash_flows(b"date,amount\n" + b"2025-01-02,1\n" * MAX_IMPORT_ROWS, today=TODAY)) == MAX_IMPORT_ROWS


@pytest.mark.parametrize(
    ("equity", "message"),
    [
        (0.0, "equity: must be positive, got 0"),
        (-5.0, "equity: must be positive, got -5"),
        (float("inf"), "equity: must be a finite amount, got inf"),
        (float("nan"), "equity: must be a finite amount, got nan"),
        (2e15, "equity: 2e+15 is implausibly large (limit 1e+15)"),
    ],
)
def test_a_bad_equity_is_reported_with_the_files_other_problems(equity, message):
    with pytest.raises(PortfolioImportError) as caught:
        validate_import(
            b"symbol,quantity,entry_price,entry_date\nAAPL,0,1,2025-01-02\n", "P", today=TODAY, equity=equity
        )
    assert [str(p) for p in caught.value.problems] == [
        message,
        "line 2, field quantity: must not be zero",
    ]


# ----------------------------------------------------------------------------- writing


def counts(url: str) -> tuple[int, int, int]:
    """(portfolios, positions, cash flows) rows in the database."""
    db = ResultsDB(url)
    try:
        with db.transaction() as s:
            return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Portfolio, Position, CashFlow))
    finally:
        db.dispose()


@pytest.fixture
def db(db_url):
    db = ResultsDB(db_url)
    with db.transaction() as session:
        create_user(session, OWNER)
    yield db
    db.dispose()


def test_import_stores_the_inception_equity_and_a_bad_one_writes_nothing(db):
    with_equity = import_portfolio(db, POSITIONS, "Funded", OWNER, today=TODAY, equity=1_000_000.0)
    without = import_portfolio(db, POSITIONS, "Unfunded", OWNER, today=TODAY)
    with db.transaction() as session:
        assert session.get(Portfolio, with_equity).inception_equity == 1_000_000.0
        assert session.get(Portfolio, without).inception_equity is None
    before = counts(db.url)
    with pytest.raises(PortfolioImportError) as caught:
        import_portfolio(db, POSITIONS, "Bad", OWNER, today=TODAY, equity=-1.0)
    assert [(p.line, p.field) for p in caught.value.problems] == [(0, "equity")]
    assert counts(db.url) == before


def test_flows_are_recorded_all_or_nothing_and_listed_in_order(db):
    pid = import_portfolio(db, POSITIONS, "P", OWNER, today=TODAY, equity=100_000.0)
    assert record_cash_flows(db, pid, FLOWS, today=TODAY) == [
        CashFlowSpec(2, date(2025, 3, 3), 250000.0),
        CashFlowSpec(3, date(2025, 6, 30), -50000.5),
    ]
    before = counts(db.url)
    with pytest.raises(PortfolioImportError):
        record_cash_flows(db, pid, FLOWS + b"2025-07-01,zero\n", today=TODAY)
    with pytest.raises(PortfolioNotFoundError):
        record_cash_flows(db, 999_999, FLOWS, today=TODAY)
    assert counts(db.url) == before
    with db.transaction() as session:
        add_cash_flows(session, pid, [CashFlowSpec(2, date(2025, 1, 2), 1.0)])
        rows = list_cash_flows(session, pid, None, 10)
        assert [(r.flow_date, r.amount) for r in rows] == [
            (date(2025, 3, 3), 250000.0),
            (date(2025, 6, 30), -50000.5),
            (date(2025, 1, 2), 1.0),
        ]
        assert [r.id for r in list_cash_flows(session, pid, rows[0].id, 1)] == [rows[1].id]
        delete_portfolio(session, pid)
    with pytest.raises(PortfolioNotFoundError), db.transaction() as session:
        add_cash_flows(session, pid, [CashFlowSpec(2, date(2025, 1, 2), 1.0)])


# ----------------------------------------------------------------------------- CLI


def write(tmp_path: Path, data: bytes, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_cli_import_with_equity_lists_it(cli_url, tmp_path):
    positions = write(tmp_path, POSITIONS, "p.csv")
    funded = int(
        cli("portfolios", "import", positions, "--name", "F", "--owner", OWNER, "--equity", "1000000", "-q").stdout
    )
    cli("portfolios", "import", positions, "--name", "U", "--owner", OWNER)
    listed = json.loads(cli("portfolios", "list", "--json").stdout)
    assert [(p["name"], p["inception_equity"]) for p in listed] == [("F", 1_000_000.0), ("U", None)]
    assert [p["id"] for p in listed][0] == funded
    table = cli("portfolios", "list").stdout
    assert "1,000,000" in table and "–" in table


@pytest.mark.parametrize(
    ("equity", "problem"),
    [
        ("0", "equity: must be positive, got 0"),
        ("-1e6", "equity: must be positive, got -1e+06"),
        ("inf", "equity: must be a finite amount, got inf"),
        ("nan", "equity: must be a finite amount, got nan"),
    ],
)
def test_cli_import_with_a_bad_equity_exits_2_and_writes_nothing(cli_url, tmp_path, equity, problem):
    positions = write(tmp_path, POSITIONS, "p.csv")
    result = cli("portfolios", "import", positions, "--name", "F", "--owner", OWNER, "--equity", equity, code=2)
    assert result.stdout == ""
    assert [line.strip() for line in result.stderr.strip().splitlines()] == [
        problem,
        "error: import rejected: 1 problem; nothing was written",
    ]
    assert counts(cli_url) == (0, 0, 0)


def test_cli_import_with_a_non_numeric_equity_is_a_usage_error_naming_the_option(cli_url, tmp_path):
    positions = write(tmp_path, POSITIONS, "p.csv")
    result = cli("portfolios", "import", positions, "--name", "F", "--owner", OWNER, "--equity", "lots", code=2)
    assert "Invalid value for '--equity'" in " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.stderr).split())
    assert counts(cli_url) == (0, 0, 0)


def test_cli_flows_records_them_and_says_how_to_recompute(cli_url, tmp_path):
    pid = cli("portfolios", "import", write(tmp_path, POSITIONS, "p.csv"), "--name", "F", "--owner", OWNER, "-q")
    pid = int(pid.stdout)
    out = cli("portfolios", "flows", str(pid), write(tmp_path, FLOWS, "flows.csv")).stdout
    assert out.strip() == f"recorded 2 cash flows for portfolio {pid} (deposits 250,000.00, withdrawals -50,000.50)"
    assert counts(cli_url)[2] == 2

    db = ResultsDB(cli_url)
    try:
        with db.transaction() as session:  # a stored result after the flows: the rerun command is printed
            _snapshot(session, pid, date(2025, 9, 5), capital=None)
    finally:
        db.dispose()
    out = cli("portfolios", "flows", str(pid), write(tmp_path, b"date,amount\n2025-09-01,10\n", "one.csv")).stdout
    assert out.splitlines() == [
        f"recorded 1 cash flow for portfolio {pid} (deposits 10.00, withdrawals 0.00)",
        "stored results from 2025-09-01 on predate them; recompute with: "
        f"sigmasight run --start 2025-09-01 --end 2025-09-05 --portfolio {pid} --force",
    ]


def test_cli_flows_with_a_bad_file_lists_every_problem_and_writes_nothing(cli_url, tmp_path):
    pid = cli("portfolios", "import", write(tmp_path, POSITIONS, "p.csv"), "--name", "F", "--owner", OWNER, "-q")
    pid = pid.stdout.strip()
    bad = write(tmp_path, f"date,amount\n2025-01-02,100\n{TOMORROW},0\n2025-13-01,1\n".encode(), "bad.csv")
    result = cli("portfolios", "flows", pid, bad, code=2)
    assert result.stdout == ""
    lines = [line.strip() for line in result.stderr.strip().splitlines()]
    assert lines[-1] == "error: import rejected: 3 problems; nothing was written"
    assert [re.match(r"line (\d+), field (\w+):", line).groups() for line in lines[:-1]] == [
        ("3", "date"),
        ("3", "amount"),
        ("4", "date"),
    ]
    assert (
        "no active portfolio with id 999999"
        in cli("portfolios", "flows", "999999", write(tmp_path, FLOWS, "f.csv"), code=2).stderr
    )
    assert "no such file" in cli("portfolios", "flows", pid, str(tmp_path / "missing.csv"), code=2).stderr
    assert counts(cli_url)[2] == 0


# ----------------------------------------------------------------------------- report


def _snapshot(session, portfolio_id: int, day: date, capital: dict | None) -> None:
    """A stored snapshot (and its data_quality row) as the asset writes them; `capital` None = columns not filled."""
    provenance = {"run_id": "test-run", "computed_at": datetime.now(UTC)}
    session.add(
        PortfolioSnapshot(
            date=day,
            portfolio_id=portfolio_id,
            nav=1_250_000.0,
            long_exposure=1_800_000.0,
            short_exposure=-300_000.0,
            gross_exposure=2_100_000.0,
            net_exposure=1_500_000.0,
            daily_pnl=1_000.0,
            daily_return=0.0008,
            cumulative_pnl=50_000.0,
            positions_count=2,
            **(capital or {}),
            **provenance,
        )
    )
    session.add(
        DataQuality(
            date=day,
            portfolio_id=portfolio_id,
            asset="portfolio_snapshots",
            flag="OK",
            message="",
            positions_total=2,
            positions_analyzed=2,
            positions_skipped={},
            data_days=1,
            **provenance,
        )
    )


CAPITAL = {"cash": -250_000.0, "external_flow": 100_000.0, "gross_leverage": 1.68, "net_leverage": 1.2}


def test_report_shows_cash_nav_and_leverage_and_dashes_where_not_stored(cli_url, tmp_path):
    pid = cli("portfolios", "import", write(tmp_path, POSITIONS, "p.csv"), "--name", "F", "--owner", OWNER, "-q")
    pid = int(pid.stdout)
    db = ResultsDB(cli_url)
    try:
        with db.transaction() as session:
            _snapshot(session, pid, date(2025, 9, 4), capital=None)
            _snapshot(session, pid, date(2025, 9, 5), capital=CAPITAL)
        with db.transaction() as session:
            snapshot = build_report(session, pid)["snapshot"]
            older = build_report(session, pid, date(2025, 9, 4))["snapshot"]
    finally:
        db.dispose()
    assert {k: snapshot[k] for k in ("nav", *CAPITAL)} == {"nav": 1_250_000.0, **CAPITAL}
    assert {k: older[k] for k in CAPITAL} == dict.fromkeys(CAPITAL)

    as_json = json.loads(cli("report", str(pid), "--json").stdout)
    assert as_json["snapshot"] == snapshot
    text = cli("report", str(pid)).stdout
    assert "NAV 1,250,000  cash -250,000  gross leverage 1.68x  net leverage 1.20x  external flow 100,000" in text
    older_text = cli("report", str(pid), "--date", "2025-09-04").stdout
    assert "NAV 1,250,000  cash –  gross leverage –  net leverage –  external flow –" in older_text
