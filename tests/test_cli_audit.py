"""CLI tokens and audit (SQLite and PostgreSQL): `users rotate-token` / `revoke` / `--expires-in`, who a CLI
command is recorded as (the OS login, or `--as EMAIL`), `sigmasight run`'s requested_by tag, and
`symbols unavailable [--clear]`; an unknown email or symbol is one error line and exit 2."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from dagster import RunsFilter
from sqlalchemy import func, select

from sigmasight_assets.runs.instance import local_instance
from sigmasight_resources.audit import os_login
from sigmasight_resources.db.models import AuditEntry, User
from sigmasight_resources.db.queries import record_unavailable
from sigmasight_resources.settings import load_settings
from sigmasight_resources.users import TokenRejected, authenticate
from tests.support.cli import OWNER, cli

TOKEN = re.compile(r"^token: (\S+)$", re.M)


def one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def token_of(result) -> str:
    return TOKEN.search(result.stdout).group(1)


def rejection(cli_db, token: str) -> str | None:
    """None when the token authenticates, else the code it is refused with."""
    with cli_db.transaction() as session:
        try:
            authenticate(session, token)
        except TokenRejected as exc:
            return exc.code
    return None


def audit(cli_db, **where) -> list[AuditEntry]:
    with cli_db.transaction() as session:
        rows = list(session.scalars(select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)))
        session.expunge_all()
    return rows


def test_rotate_token_prints_the_new_token_once_and_the_old_one_stops_at_once(cli_db):
    old = token_of(cli("users", "add", "ann@example.com"))
    rotated = cli("users", "rotate-token", "Ann@Example.com")
    new = token_of(rotated)
    assert rotated.stdout.count(new) == 1 and new != old
    assert rejection(cli_db, old) == "unauthorized" and rejection(cli_db, new) is None
    [row] = audit(cli_db, action="user.rotate_token")
    assert (row.actor_id, row.actor, row.source) == (None, f"os:{os_login()}", "cli")
    assert row.details["email"] == "ann@example.com" and row.details["os_user"] == os_login()
    assert new not in str(row.details) and old not in str(row.details)


def test_revoke_stops_the_token_at_once_and_rotation_gives_a_working_one(cli_db):
    token = token_of(cli("users", "add", "bob@example.com"))
    assert "revoked the token of user" in cli("users", "revoke", "bob@example.com", "--as", OWNER).stdout
    assert rejection(cli_db, token) == "token_revoked"
    [row] = audit(cli_db, action="user.revoke")
    with cli_db.transaction() as session:
        owner_id = session.scalar(select(User.id).where(User.email == OWNER))
    assert (row.actor_id, row.actor) == (owner_id, OWNER) and row.details["os_user"] == os_login()
    fresh = token_of(cli("users", "rotate-token", "bob@example.com"))
    assert rejection(cli_db, fresh) is None and rejection(cli_db, token) == "unauthorized"


def test_a_token_added_with_expires_in_expires(cli_db):
    added = cli("users", "add", "cat@example.com", "--expires-in", "7")
    expires = datetime.fromisoformat(re.search(r"^expires: (\S+)$", added.stdout, re.M).group(1))
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)
    token = token_of(added)
    with cli_db.transaction() as session:
        assert authenticate(session, token).email == "cat@example.com"
        assert authenticate(session, token, now=expires - timedelta(seconds=1)).email == "cat@example.com"
        with pytest.raises(TokenRejected) as refused:
            authenticate(session, token, now=expires)
    assert refused.value.code == "token_expired" and "expired at" in str(refused.value)
    assert "--expires-in" in cli("users", "add", "dan@example.com", "--expires-in", "0", code=2).stderr


@pytest.mark.parametrize(
    "args",
    [
        ("users", "rotate-token", "nobody@example.com"),
        ("users", "revoke", "nobody@example.com"),
        ("users", "add", "eve@example.com", "--as", "nobody@example.com"),
        ("symbols", "unavailable", "--clear", "NOPE"),
        ("symbols", "unavailable", "--clear", "NOPE", "--as", "nobody@example.com"),
    ],
)
def test_an_unknown_email_or_symbol_is_one_line_exit_2_and_writes_nothing(cli_db, args):
    line = one_error_line(cli(*args, code=2))
    assert "nobody@example.com" in line or "'NOPE' is not recorded unavailable" in line
    with cli_db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1  # the fixture's `users add`
        assert session.scalar(select(User.id).where(User.email == "eve@example.com")) is None


def test_symbols_unavailable_lists_with_reason_and_since_and_clear_is_audited(cli_db):
    assert "no symbol is recorded unavailable" in cli("symbols", "unavailable").stdout
    now = datetime.now(UTC)
    with cli_db.transaction() as session:
        record_unavailable(session, {"ZZOLD": "not in prices.csv"}, now - timedelta(days=14))
        record_unavailable(session, {"ZZNEW": "delisted"}, now)
    listed = cli("symbols", "unavailable").stdout
    assert (
        "ZZOLD" in listed
        and "not in prices.csv" in listed
        and (now - timedelta(days=14)).strftime("%Y-%m-%d") in listed
    )
    assert "next run" in listed and "more session" in listed  # ZZOLD is due, ZZNEW waits
    cleared = cli("symbols", "unavailable", "--clear", "zzold")
    assert "cleared ZZOLD" in cleared.stdout
    after = cli("symbols", "unavailable").stdout
    assert "ZZOLD" not in after and "ZZNEW" in after
    [row] = audit(cli_db, action="symbol.unavailable_clear")
    assert row.target == "ZZOLD" and row.details["reason"] == "not in prices.csv" and row.actor == f"os:{os_login()}"


def test_cli_run_tags_its_runs_with_the_requester_and_audits_the_request(cli_db, tmp_path):
    csv_path = tmp_path / "p.csv"
    csv_path.write_text("symbol,quantity,entry_price,entry_date\nAAPL,10,180,2025-08-01\n")
    imported = cli("portfolios", "import", str(csv_path), "--name", "P", "--owner", OWNER, "-q")
    pid = int(imported.stdout.strip())
    window = ("--start", "2025-09-02", "--end", "2025-09-03", "--portfolio", str(pid))
    cli("run", *window, "--as", OWNER)
    with cli_db.transaction() as session:
        owner_id = session.scalar(select(User.id).where(User.email == OWNER))
    [row] = audit(cli_db, action="run.launch")
    assert (row.actor_id, row.target, row.source) == (owner_id, "range:2025-09-02..2025-09-03", "cli")
    assert row.details == {
        "start": "2025-09-02",
        "end": "2025-09-03",
        "portfolio_ids": [pid],
        "force": False,
        "os_user": os_login(),
    }
    instance = local_instance(load_settings())
    try:
        runs = instance.get_runs(RunsFilter(tags={"sigmasight/requested_by": f"user:{owner_id}"}))
        assert len(runs) == 2 and len(instance.get_runs()) == 2  # the day-level run and the portfolio-level run
        cli("run", *window, "--force")
        assert len(instance.get_runs(RunsFilter(tags={"sigmasight/requested_by": f"os:{os_login()}"}))) == 2
    finally:
        instance.dispose()
    assert "nobody@example.com" in one_error_line(cli("run", *window, "--as", "nobody@example.com", code=2))
    assert len(audit(cli_db, action="run.launch")) == 2
