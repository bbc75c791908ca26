"""Portfolio import: OCC symbols, CSV validation (a bad-file corpus), writes, users, demo data.

Every test touching the database uses `db_url`, so it runs on SQLite and PostgreSQL. Failed
imports are checked to have written nothing by counting rows afterwards.
"""

import hashlib
import math
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sigmasight_resources import calendar
from sigmasight_resources.db.models import InvestmentClass, ManualMark, Portfolio, Position, User
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.demo import (
    DEMO_AS_OF,
    DEMO_OWNER_EMAIL,
    DEMO_PORTFOLIOS,
    demo_csv,
    demo_positions,
    load_demo,
)
from sigmasight_resources.occ import OccSymbolError, format_occ, parse_occ
from sigmasight_resources.portfolio_import import (
    COLUMNS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    ImportProblem,
    PortfolioImportError,
    PortfolioNameTakenError,
    PortfolioNotFoundError,
    PositionSpec,
    create_portfolio,
    delete_portfolio,
    import_portfolio,
    list_portfolios,
    parse_positions,
    validate_import,
)
from sigmasight_resources.users import (
    UserError,
    UserExistsError,
    UserNotFoundError,
    create_user,
    find_user_by_email,
    find_user_by_token,
    rotate_token,
)
from tests.support.bad_csv import corpus_bytes, corpus_names

TODAY = date(2026, 11, 20)
OWNER = "owner@example.com"

GOOD_CSV = b"""\xef\xbb\xbfSymbol , Quantity,entry_price,ENTRY_DATE,investment_class,exit_date,exit_price,mark_price,mark_date\r
aapl,100,201.70,2025-06-02,,,,,\r
BRK.B,10,485,2025-06-16,PUBLIC,2025-09-02,500.5,,\r
\r
AAPL  270115C00220000,-5,22.50,2025-07-15,,,,,\r
spy270115p00600000,10,28,2025-10-01,options,,,,\r
MSFT250919C00500000,2,12,2025-06-02,,2025-09-19,0,,\r
  Blackstone   Real Estate Fund ,10000,14.40,2025-06-02,PRIVATE,,,14.62,2026-06-30\r
KKR Private Equity Fund,8000,25,2025-09-02,private,,,,\r
TSLA,-2000,395,2025-09-15,,,,,\r
"""  # noqa: E501 (the header row)


# ----------------------------------------------------------------------------- helpers


def counts(url: str) -> tuple[int, int, int, int]:
    """(users, portfolios, positions, manual marks) rows in the database."""
    db = ResultsDB(url)
    try:
        with db.transaction() as s:
            return tuple(s.scalar(select(func.count()).select_from(m)) for m in (User, Portfolio, Position, ManualMark))
    finally:
        db.dispose()


def make_owner(url: str, email: str = OWNER) -> None:
    db = ResultsDB(url)
    with db.transaction() as s:
        create_user(s, email)
    db.dispose()


def problem_keys(exc: PortfolioImportError) -> set[tuple[int, str]]:
    return {(p.line, p.field) for p in exc.problems}


def assert_import_rejected(
    url: str, data: bytes, expected: set[tuple[int, str]], name: str = "P", owner_exists: bool = False
) -> PortfolioImportError:
    """The import fails with exactly `expected` (line, field) problems and writes nothing."""
    if not owner_exists:
        make_owner(url)
    before = counts(url)
    db = ResultsDB(url)
    try:
        with pytest.raises(PortfolioImportError) as info:
            import_portfolio(db, data, name, OWNER, today=TODAY)
    finally:
        db.dispose()
    assert problem_keys(info.value) == expected, [str(p) for p in info.value.problems]
    assert all(p.message for p in info.value.problems)
    assert counts(url) == before == (1, 0, 0, 0)
    return info.value


# ----------------------------------------------------------------------------- OCC symbols


@pytest.mark.parametrize(
    ("symbol", "underlying", "expiry", "option_type", "strike"),
    [
        ("AAPL250117C00200000", "AAPL", date(2025, 1, 17), "C", 200.0),
        ("SPY270115P00600000", "SPY", date(2027, 1, 15), "P", 600.0),
        ("aapl  270115p00200500", "AAPL", date(2027, 1, 15), "P", 200.5),  # padded OSI form, lower case
        ("F270618C00012500", "F", date(2027, 6, 18), "C", 12.5),
        ("AAPL1270115C00200000", "AAPL1", date(2027, 1, 15), "C", 200.0),  # adjusted root
        ("GOOGL270115C00000001", "GOOGL", date(2027, 1, 15), "C", 0.001),
    ],
)
def test_parse_occ(symbol, underlying, expiry, option_type, strike):
    option = parse_occ(symbol)
    assert (option.underlying, option.expiry, option.option_type) == (underlying, expiry, option_type)
    assert option.strike == pytest.approx(strike)
    assert parse_occ(option.symbol) == option
    assert " " not in option.symbol and option.symbol == option.symbol.upper()


@pytest.mark.parametrize(
    ("symbol", "reason"),
    [
        ("AAPL", "expected ROOT"),
        ("AAPL271315C00200000", "not a valid YYMMDD"),
        ("AAPL270230C00200000", "not a valid YYMMDD"),
        ("AAPL270115X00200000", "must be C"),
        ("AAPL270115C0020000", "got 7"),
        ("AAPL270115C002000000", "got 9"),
        ("TOOLONG270115C00200000", "must be 1-6"),
        ("1AAP270115C00200000", "must be 1-6"),
        ("AAPL270115C00000000", "positive"),
        ("AAPL27O115C00200000", "expected ROOT"),
        ("AAPL٢٧٠١١٥C00200000", "ASCII"),
    ],
)
def test_parse_occ_rejects(symbol, reason):
    with pytest.raises(OccSymbolError, match=reason):
        parse_occ(symbol)


@given(
    root=st.tuples(st.sampled_from("ABCFGQSTXZ"), st.text("AGLPQZ0159", max_size=5)).map("".join),
    expiry=st.dates(date(2000, 1, 1), date(2099, 12, 31)),
    option_type=st.sampled_from("CP"),
    strike_millis=st.integers(1, 99_999_999),
)
@settings(max_examples=100, deadline=None)
def test_occ_round_trip(root, expiry, option_type, strike_millis):
    symbol = format_occ(root, expiry, option_type, strike_millis / 1000)
    assert len(symbol) == len(root) + 15
    option = parse_occ(symbol)
    assert (option.underlying, option.expiry, option.option_type) == (root, expiry, option_type)
    assert round(option.strike * 1000) == strike_millis


# ----------------------------------------------------------------------------- parsing


def test_parse_good_file_normalizes_and_classifies():
    specs = parse_positions(GOOD_CSV, today=TODAY)
    by_line = {s.line: s for s in specs}
    assert sorted(by_line) == [2, 3, 5, 6, 7, 8, 9, 10]  # line 4 is blank
    assert by_line[2] == PositionSpec(2, "AAPL", InvestmentClass.PUBLIC, 100.0, 201.70, date(2025, 6, 2))
    assert (by_line[3].exit_date, by_line[3].exit_price) == (date(2025, 9, 2), 500.5)
    call = by_line[5]
    assert (call.symbol, call.investment_class, call.quantity) == ("AAPL270115C00220000", InvestmentClass.OPTIONS, -5)
    assert (call.underlying, call.option_type, call.strike, call.expiry) == ("AAPL", "C", 220.0, date(2027, 1, 15))
    assert by_line[6].symbol == "SPY270115P00600000" and by_line[6].option_type == "P"
    assert by_line[7].exit_price == 0  # an option that expired worthless
    private = by_line[8]
    assert (private.symbol, private.investment_class) == ("Blackstone Real Estate Fund", InvestmentClass.PRIVATE)
    assert (private.mark_price, private.mark_date) == (14.62, date(2026, 6, 30))
    assert by_line[9].investment_class is InvestmentClass.PRIVATE and by_line[9].mark_price is None
    assert by_line[10].quantity == -2000


def test_parse_tolerates_unnamed_empty_columns_and_reports_values_in_them():
    ok = b"symbol,quantity,entry_price,entry_date,,\nAAPL,1,2,2025-01-02,,\nMSFT,1,2,2025-01-02\n"
    assert [s.symbol for s in parse_positions(ok, today=TODAY)] == ["AAPL", "MSFT"]
    short = b"symbol,quantity,entry_price,entry_date,exit_date,exit_price\nAAPL,1,2,2025-01-02\n"
    assert parse_positions(short, today=TODAY)[0].exit_date is None  # trailing optional values omitted
    with pytest.raises(PortfolioImportError) as info:
        parse_positions(b"symbol,quantity,entry_price,entry_date,\nAAPL,1,2,2025-01-02,x\n", today=TODAY)
    assert problem_keys(info.value) == {(2, "column 5")}


def test_future_is_relative_to_today():
    data = b"symbol,quantity,entry_price,entry_date\nAAPL,1,2,2026-11-20\n"
    assert parse_positions(data, today=TODAY)
    with pytest.raises(PortfolioImportError, match="in the future"):
        parse_positions(data, today=date(2026, 11, 19))


def test_problems_are_ordered_by_line_and_printable():
    with pytest.raises(PortfolioImportError) as info:
        parse_positions(corpus_bytes("several_problems.csv", TODAY), today=TODAY)
    lines = [p.line for p in info.value.problems]
    assert lines == sorted(lines)
    assert str(ImportProblem(3, "quantity", "bad")) == "line 3, field quantity: bad"
    assert str(ImportProblem(0, "file", "is empty")) == "file: is empty"
    assert "9 problems" in str(info.value)


def test_name_and_file_problems_are_reported_together():
    with pytest.raises(PortfolioImportError) as info:
        validate_import(b"symbol,quantity,entry_price,entry_date\nAAPL,0,1,2025-01-02\n", "  ", today=TODAY)
    assert problem_keys(info.value) == {(0, "name"), (2, "quantity")}
    with pytest.raises(PortfolioImportError, match="longer than 200"):
        validate_import(GOOD_CSV, "x" * 201, today=TODAY)


# ----------------------------------------------------------------------------- the bad-file corpus

# file → the (line, field) of every problem it must report; line 0 = the file as a whole.
CORPUS: dict[str, set[tuple[int, str]]] = {
    "missing_column.csv": {(1, "entry_date")},
    "unknown_column.csv": {(1, "price")},
    "semicolon_separated.csv": {
        (1, "symbol;quantity;entry_price;entry_date"),
        (1, "symbol"),
        (1, "quantity"),
        (1, "entry_price"),
        (1, "entry_date"),
    },
    "empty_required_value.csv": {(2, "symbol"), (3, "quantity"), (4, "entry_price"), (5, "entry_date")},
    "non_numeric_quantity.csv": {(2, "quantity"), (3, "quantity"), (4, "quantity")},
    "zero_quantity.csv": {(2, "quantity"), (3, "quantity")},
    "non_finite_number.csv": {(2, "entry_price"), (3, "quantity"), (4, "entry_price"), (5, "quantity")},
    "non_positive_price.csv": {(2, "entry_price"), (3, "entry_price")},
    "unparseable_date.csv": {(2, "entry_date"), (3, "entry_date"), (4, "entry_date"), (5, "entry_date")},
    "future_date.csv": {(2, "entry_date"), (3, "exit_date")},
    "exit_before_entry.csv": {(2, "exit_date")},
    "exit_price_date_unpaired.csv": {(2, "exit_date"), (3, "exit_price")},
    "malformed_occ_symbol.csv": {(2, "symbol"), (3, "symbol"), (4, "symbol"), (5, "symbol"), (6, "symbol")},
    "option_dates_and_contracts.csv": {(2, "symbol"), (3, "exit_date"), (4, "quantity")},
    "options_class_mismatch.csv": {(2, "symbol"), (3, "symbol")},
    "invalid_ticker.csv": {(2, "symbol"), (3, "symbol"), (4, "symbol"), (5, "symbol")},
    "unknown_investment_class.csv": {(2, "investment_class"), (3, "investment_class")},
    "duplicate_rows.csv": {(4, "row")},
    "non_utf8_text.csv": {(3, "symbol"), (5, "investment_class")},
    "empty_file.csv": {(0, "file")},
    "header_only.csv": {(0, "file")},
    "row_width_mismatch.csv": {(2, "row"), (3, "row")},
    "unbalanced_quote.csv": {(3, "row")},
    "manual_mark_problems.csv": {(2, "mark_price"), (2, "mark_date"), (3, "mark_date"), (4, "mark_date")},
    "several_problems.csv": {
        (1, "notes"),
        (3, "quantity"),
        (4, "entry_price"),
        (4, "entry_date"),
        (5, "symbol"),
        (6, "exit_price"),
        (6, "exit_date"),
        (7, "symbol"),
        (9, "row"),
    },
}


def test_corpus_has_an_expectation_for_every_file():
    assert set(corpus_names()) == set(CORPUS)


@pytest.mark.parametrize("filename", sorted(CORPUS))
def test_bad_file_reports_every_problem_with_line_and_field(filename):
    with pytest.raises(PortfolioImportError) as info:
        parse_positions(corpus_bytes(filename, TODAY), today=TODAY)
    assert problem_keys(info.value) == CORPUS[filename], [str(p) for p in info.value.problems]


def test_bad_files_are_rejected_by_import_and_write_nothing(db_url):
    """The whole corpus through `import_portfolio` on each backend (one database for speed)."""
    for filename in sorted(CORPUS):
        assert_import_rejected(
            db_url, corpus_bytes(filename, TODAY), CORPUS[filename], owner_exists=filename != min(CORPUS)
        )


def test_non_utf8_problem_names_the_byte():
    with pytest.raises(PortfolioImportError) as info:
        parse_positions(corpus_bytes("non_utf8_text.csv", TODAY), today=TODAY)
    assert "0xE9" in info.value.problems[0].message and "UTF-8" in info.value.problems[0].message


def test_files_over_the_size_or_row_limit_are_rejected_and_write_nothing(db_url):
    header = b"symbol,quantity,entry_price,entry_date\n"
    too_big = header + b"AAPL,1,2,2025-01-02\n" * (MAX_IMPORT_BYTES // 20 + 1)
    assert len(too_big) > MAX_IMPORT_BYTES
    exc = assert_import_rejected(db_url, too_big, {(0, "file")})
    assert "limit" in exc.problems[0].message

    too_long = header + b"".join(b"AAPL,%d,2,2025-01-02\n" % (i + 1) for i in range(MAX_IMPORT_ROWS + 1))
    assert len(too_long) <= MAX_IMPORT_BYTES
    exc = assert_import_rejected(db_url, too_long, {(0, "file")}, owner_exists=True)
    assert f"{MAX_IMPORT_ROWS:,}" in exc.problems[0].message


# ----------------------------------------------------------------------------- writing


def test_good_import_round_trip(db_url):
    make_owner(db_url, "Owner@Example.com")
    db = ResultsDB(db_url)
    try:
        portfolio_id = import_portfolio(db, GOOD_CSV, "  Round   trip ", " OWNER@example.com ", today=TODAY)
        with db.transaction() as s:
            portfolio = s.get(Portfolio, portfolio_id)
            assert (portfolio.name, portfolio.owner.email, portfolio.deleted_at) == ("Round trip", OWNER, None)
            stored = {p.symbol: p for p in portfolio.positions}
            specs = {sp.symbol: sp for sp in parse_positions(GOOD_CSV, today=TODAY)}
            assert set(stored) == set(specs)
            for symbol, spec in specs.items():
                row = stored[symbol]
                assert (
                    row.investment_class,
                    row.quantity,
                    row.entry_price,
                    row.entry_date,
                    row.exit_price,
                    row.exit_date,
                    row.underlying,
                    row.option_type,
                    row.strike,
                    row.expiry,
                ) == (
                    spec.investment_class,
                    spec.quantity,
                    spec.entry_price,
                    spec.entry_date,
                    spec.exit_price,
                    spec.exit_date,
                    spec.underlying,
                    spec.option_type,
                    spec.strike,
                    spec.expiry,
                )
            marks = stored["Blackstone Real Estate Fund"].marks
            assert [(m.mark_date, m.price) for m in marks] == [(date(2026, 6, 30), 14.62)]
        assert counts(db_url) == (1, 1, 8, 1)
    finally:
        db.dispose()


def test_import_needs_an_existing_owner_and_writes_nothing_otherwise(db_url):
    db = ResultsDB(db_url)
    try:
        with pytest.raises(UserNotFoundError) as info:
            import_portfolio(db, GOOD_CSV, "P", "nobody@example.com", today=TODAY)
        assert isinstance(info.value, LookupError)
        with pytest.raises(UserError):
            import_portfolio(db, GOOD_CSV, "P", "not-an-email", today=TODAY)
    finally:
        db.dispose()
    assert counts(db_url) == (0, 0, 0, 0)


def test_name_taken_until_deleted(db_url):
    make_owner(db_url)
    db = ResultsDB(db_url)
    try:
        first = import_portfolio(db, GOOD_CSV, "Core", OWNER, today=TODAY)
        with pytest.raises(PortfolioNameTakenError, match=f"id {first}"):
            import_portfolio(db, GOOD_CSV, "Core", OWNER, today=TODAY)
        assert counts(db_url) == (1, 1, 8, 1)
        with db.transaction() as s:
            delete_portfolio(s, first)
        second = import_portfolio(db, GOOD_CSV, "Core", OWNER, today=TODAY)
        assert second != first
    finally:
        db.dispose()


def test_create_portfolio_joins_the_callers_transaction(db_url):
    make_owner(db_url)
    specs = parse_positions(GOOD_CSV, today=TODAY)
    db = ResultsDB(db_url)
    try:
        with pytest.raises(RuntimeError, match="later step failed"), db.transaction() as s:
            owner = find_user_by_email(s, OWNER)
            create_portfolio(s, owner, "P", specs)
            assert s.scalar(select(func.count()).select_from(Position)) == 8  # flushed, not committed
            raise RuntimeError("later step failed")
        with db.transaction() as s, pytest.raises(PortfolioImportError, match="no positions"):
            create_portfolio(s, find_user_by_email(s, OWNER), "P", [])
    finally:
        db.dispose()
    assert counts(db_url) == (1, 0, 0, 0)


def test_list_and_soft_delete(db_url):
    make_owner(db_url)
    db = ResultsDB(db_url)
    try:
        a = import_portfolio(db, GOOD_CSV, "A", OWNER, today=TODAY)
        b = import_portfolio(db, demo_csv("balanced_individual_investor.csv"), "B", OWNER, today=TODAY)
        with db.transaction() as s:
            assert [(p.id, p.name, p.owner_email, p.positions) for p in list_portfolios(s)] == [
                (a, "A", OWNER, 8),
                (b, "B", OWNER, 16),
            ]
            delete_portfolio(s, a)
        with db.transaction() as s:
            assert [p.id for p in list_portfolios(s)] == [b]
            everything = list_portfolios(s, include_deleted=True)
            assert [(p.id, p.deleted_at is not None) for p in everything] == [(a, True), (b, False)]
            assert everything[0].created_at.tzinfo is not None
            for missing in (a, 99999):
                with pytest.raises(PortfolioNotFoundError):
                    delete_portfolio(s, missing)
        assert counts(db_url) == (1, 2, 24, 1)  # soft delete keeps the rows
    finally:
        db.dispose()


# ----------------------------------------------------------------------------- users


def test_create_user_stores_only_the_token_hash(db_url):
    db = ResultsDB(db_url)
    try:
        with db.transaction() as s:
            user, token = create_user(s, "  Ann@Example.COM ", is_admin=True)
        assert len(token) >= 43
        with db.transaction() as s:
            stored = s.scalars(select(User)).one()
            assert (stored.email, stored.is_admin) == ("ann@example.com", True)
            assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
            assert token not in {stored.email, stored.token_hash}
            assert find_user_by_token(s, token).id == stored.id
            for wrong in ("", token[:-1], token + "x", stored.token_hash, "\udcff", "x" * 10_000):
                assert find_user_by_token(s, wrong) is None
            with pytest.raises(UserExistsError):
                create_user(s, "ann@example.com")
            new = rotate_token(s, stored)
            assert find_user_by_token(s, token) is None and find_user_by_token(s, new).id == stored.id
    finally:
        db.dispose()


@pytest.mark.parametrize(
    "email",
    [
        "",
        "ann",
        "ann@",
        "@example.com",
        "ann@example",
        "a b@example.com",
        "ann@@example.com",
        "ann@example..com",
        "ann@exa\x00mple.com",
        "a" * 320 + "@x.io",
    ],
)
def test_invalid_emails_are_rejected(email):
    from sigmasight_resources.users import normalize_email

    with pytest.raises(UserError):
        normalize_email(email)


# ----------------------------------------------------------------------------- demo portfolios


def test_demo_files_are_valid_and_shaped_like_the_original():
    portfolios = demo_positions(TODAY)
    assert list(portfolios) == [name for name, _ in DEMO_PORTFOLIOS]
    balanced, hnw, hedge = portfolios.values()
    assert len(balanced) == 16 and {p.investment_class for p in balanced} == {InvestmentClass.PUBLIC}
    assert 27 <= len(hnw) <= 31 and 2 <= sum(p.investment_class is InvestmentClass.PRIVATE for p in hnw) <= 3
    assert sum(p.investment_class is InvestmentClass.OPTIONS for p in hnw) >= 2
    assert 28 <= len(hedge) <= 32 and sum(p.quantity < 0 for p in hedge) >= 5
    assert sum(p.investment_class is InvestmentClass.OPTIONS for p in hedge) >= 2
    first_demo_day = calendar.previous_sessions(DEMO_AS_OF, calendar.TRADING_DAYS_PER_YEAR - 1)
    for specs in portfolios.values():
        # entries late enough that the packaged prices (from 2022-08-01) give LOOKBACK sessions before them
        assert all(date(2024, 9, 1) <= p.entry_date <= DEMO_AS_OF for p in specs)
        # at least several positions held over the whole demo year (252 sessions to DEMO_AS_OF)
        assert sum(p.entry_date <= first_demo_day for p in specs) >= 5
        assert all(p.expiry.year == 2027 for p in specs if p.investment_class is InvestmentClass.OPTIONS)
        assert all(p.mark_date < DEMO_AS_OF for p in specs if p.mark_date is not None)


def test_load_demo_is_idempotent(db_url):
    db = ResultsDB(db_url)
    try:
        ids = load_demo(db, today=TODAY)
        assert len(set(ids)) == 3
        after_first = counts(db_url)
        assert after_first == (1, 3, 16 + 29 + 30, 2)
        assert load_demo(db, today=TODAY) == ids
        assert counts(db_url) == after_first
        with db.transaction() as s:
            owner = find_user_by_email(s, DEMO_OWNER_EMAIL)
            assert owner is not None and not owner.is_admin
            assert [p.name for p in list_portfolios(s)] == [name for name, _ in DEMO_PORTFOLIOS]
            delete_portfolio(s, ids[0])
        again = load_demo(db, today=TODAY)
        assert again[0] not in ids and again[1:] == ids[1:]
    finally:
        db.dispose()


def test_demo_owner_is_the_only_user_an_import_may_not_need(db_url):
    """`load_demo` creates its owner; an ordinary import for that email before it exists fails."""
    db = ResultsDB(db_url)
    try:
        with pytest.raises(UserNotFoundError):
            import_portfolio(db, GOOD_CSV, "P", DEMO_OWNER_EMAIL, today=TODAY)
        load_demo(db, today=TODAY)
        assert import_portfolio(db, GOOD_CSV, "P", DEMO_OWNER_EMAIL, today=TODAY) > 0
    finally:
        db.dispose()


# ----------------------------------------------------------------------------- fuzzing

TRICKY = [
    "",
    " ",
    "AAPL",
    "aapl",
    "BRK.B",
    "AAPL270115C00200000",
    "AAPL271315C00200000",
    "SPY270115P0060000",
    "Blackstone Real Estate Fund",
    "PRIVATE",
    "OPTIONS",
    "PUBLIC",
    "private",
    "bond",
    "0",
    "-0",
    "1",
    "-5",
    "1.5",
    "1e999",
    "-1e999",
    "nan",
    "inf",
    "1_000",
    "١٢",
    "$5",
    "2025-06-02",
    "2025-02-30",
    "2026-11-21",
    "1899-12-31",
    "0001-01-01",
    "9999-12-31",
    "06/02/2025",
    "2025-6-2",
    '"',
    '""',
    "a,b",
    "\n",
    "\r",
    "\x00",
    "é",
    "\udcff",
    "ſymbol",
    "x" * 40,
    "1e308",
    "-1",
    "0.0",
    "1e-320",
]
header_names = st.lists(st.sampled_from([*COLUMNS, "notes", "", "Symbol", "price"]), min_size=0, max_size=10)
cells = st.one_of(st.sampled_from(TRICKY), st.text(max_size=12))


def csv_quote(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n\r') else cell


@st.composite
def malformed_csv(draw) -> bytes:
    header = draw(header_names)
    width = len(header)
    rows = draw(st.lists(st.lists(cells, min_size=max(0, width - 1), max_size=width + 1), max_size=8))
    quote = draw(st.booleans())
    join = (lambda r: ",".join(map(csv_quote, r))) if quote else ",".join
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(join(r) for r in [header, *rows])
    encoded = text.encode("utf-8", errors="surrogateescape")
    if draw(st.booleans()):
        pos = draw(st.integers(0, len(encoded)))
        encoded = encoded[:pos] + draw(st.binary(max_size=4)) + encoded[pos:]
    return encoded


def assert_only_import_errors(data: bytes) -> None:
    try:
        specs = parse_positions(data, today=TODAY)
    except PortfolioImportError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.line >= 0 and problem.field and problem.message
        return
    assert specs  # success always means at least one position
    for spec in specs:
        assert math.isfinite(spec.quantity) and spec.quantity != 0
        assert math.isfinite(spec.entry_price) and spec.entry_price > 0
        assert spec.entry_date <= TODAY
        assert (spec.investment_class is InvestmentClass.OPTIONS) == (spec.expiry is not None)
        assert 0 < len(spec.symbol) <= 32


@given(malformed_csv())
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fuzz_structured_csv_only_raises_import_errors(data):
    assert_only_import_errors(data)


@given(st.binary(max_size=400))
@settings(max_examples=150, deadline=None)
def test_fuzz_arbitrary_bytes_only_raise_import_errors(data):
    assert_only_import_errors(data)
