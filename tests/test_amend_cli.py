"""`sigmasight portfolios amend ID FILE` (SQLite and PostgreSQL): applied and audited as the OS login or
`--as EMAIL`; a bad file, an unknown portfolio or an unknown `--as` is exit 2 with nothing written."""

from datetime import date

import pytest
from sqlalchemy import func, select

from sigmasight_resources.audit import os_login
from sigmasight_resources.db.models import AuditEntry, Position
from tests.support.cli import OWNER, cli

POSITIONS = b"symbol,quantity,entry_price,entry_date\nAAPL,10,180,2025-03-03\nMSFT,-5,400,2025-03-04\n"
HEADER = b"symbol,quantity,entry_price,entry_date,exit_date,exit_price\n"


def imported(tmp_path) -> str:
    path = tmp_path / "positions.csv"
    path.write_bytes(POSITIONS)
    return cli("portfolios", "import", str(path), "--name", "book", "--owner", OWNER, "-q").stdout.strip()


def amendment(tmp_path, rows: bytes):
    path = tmp_path / "amend.csv"
    path.write_bytes(HEADER + rows)
    return str(path)


def stored(cli_db) -> tuple:
    with cli_db.transaction() as session:
        positions = sorted((p.symbol, p.quantity, p.exit_date) for p in session.scalars(select(Position)))
        audits = session.scalar(select(func.count()).select_from(AuditEntry))
    return positions, audits


def test_amend_exits_and_adds_and_audits_the_os_login_or_the_as_user(cli_db, tmp_path):
    pid = imported(tmp_path)
    out = cli(
        "portfolios",
        "amend",
        pid,
        amendment(tmp_path, b"AAPL,10,180,2025-03-03,2025-06-02,190\nNVDA,4,120,2025-04-01,,\n"),
    )
    assert f"amended portfolio {pid}: 1 added, 1 exited, 0 marked" in out.stdout
    assert "line 2: exit position" in out.stdout and "line 3: add position" in out.stdout
    assert "results from 2025-04-01 on deleted" in out.stdout
    positions, _ = stored(cli_db)
    assert ("AAPL", 10.0, date(2025, 6, 2)) in positions and ("NVDA", 4.0, None) in positions

    cli("portfolios", "amend", pid, amendment(tmp_path, b"MSFT,-5,400,2025-03-04,2025-06-03,390\n"), "--as", OWNER)
    with cli_db.transaction() as session:
        rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        first, second = [
            (r.actor, r.source, r.target, r.details["os_user"]) for r in rows if r.action == "portfolio.amend"
        ]
    assert first == (f"os:{os_login()}", "cli", f"portfolio:{pid}", os_login())
    assert second == (OWNER, "cli", f"portfolio:{pid}", os_login())


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (b"AAPL,10,180,2025-03-03,2025-02-03,190\n", "line 2, field exit_date: 2025-02-03 is before entry_date"),
        (b"AAPL,10,180,2025-03-03,,,\nNVDA,x,1,2025-04-01,,\n", "line 3, field quantity"),
        (b"NVDA,4,120,2999-01-02,,\n", "line 2, field entry_date: 2999-01-02 is in the future"),
    ],
)
def test_a_bad_amendment_is_exit_2_naming_line_and_field_and_writes_nothing(cli_db, tmp_path, rows, expected):
    pid = imported(tmp_path)
    before = stored(cli_db)
    result = cli("portfolios", "amend", pid, amendment(tmp_path, rows), code=2)
    assert (
        expected in result.stderr and "amendment rejected" in result.stderr and "nothing was written" in result.stderr
    )
    assert stored(cli_db) == before


def test_an_unknown_portfolio_or_as_user_is_one_error_line_exit_2(cli_db, tmp_path):
    pid = imported(tmp_path)
    path = amendment(tmp_path, b"AAPL,10,180,2025-03-03,2025-06-02,190\n")
    before = stored(cli_db)
    unknown = cli("portfolios", "amend", str(int(pid) + 1), path, code=2)
    assert unknown.stderr.strip() == f"error: no active portfolio with id {int(pid) + 1}"
    stranger = cli("portfolios", "amend", pid, path, "--as", "nobody@example.com", code=2)
    assert stranger.stderr.strip().startswith("error: ") and "nobody@example.com" in stranger.stderr
    assert stored(cli_db) == before
