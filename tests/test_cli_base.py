"""The base CLI: init, users add, portfolios import/list/delete, and one-line errors.

Commands run in-process with typer's `CliRunner` against a home under `tmp_path`; the flows
that touch the database run on SQLite (the default under SIGMASIGHT_HOME) and PostgreSQL
(SIGMASIGHT_DATABASE_URL). One test runs a real subprocess to see exactly what a user sees.
"""

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select
from typer.testing import CliRunner

from sigmasight_assets.cli import app
from sigmasight_assets.cli import portfolios as portfolios_cli
from sigmasight_assets.cli.common import cli_errors, redact_url, register_error
from sigmasight_resources.db.engine import make_engine
from sigmasight_resources.db.models import Portfolio, Position, User
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.demo import demo_csv

BAD_CSV = Path(__file__).parent / "data" / "bad_csv"
runner = CliRunner()


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fresh SIGMASIGHT_HOME with the default SQLite results DB and no stray settings."""
    for variable in ("SIGMASIGHT_DATABASE_URL", "SIGMASIGHT_MARKET_DATA", "SIGMASIGHT_RISK_FREE_RATE"):
        monkeypatch.delenv(variable, raising=False)
    path = tmp_path / "home"
    monkeypatch.setenv("SIGMASIGHT_HOME", str(path))
    return path


@pytest.fixture
def results_url(home, empty_db_url, monkeypatch) -> str:
    """The results DB the CLI will use on each backend (SQLite: the default under HOME)."""
    if empty_db_url.startswith("sqlite"):
        return f"sqlite:///{(home / 'results.db').resolve()}"
    monkeypatch.setenv("SIGMASIGHT_DATABASE_URL", empty_db_url)
    return empty_db_url


def cli(*args: str, code: int = 0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    assert "Traceback" not in result.output
    return result


def one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert result.stdout == ""
    return lines[0]


def count(url: str, model) -> int:
    db = ResultsDB(url)
    try:
        with db.transaction() as s:
            return s.scalar(select(func.count()).select_from(model))
    finally:
        db.dispose()


def write_csv(tmp_path: Path, data: bytes, name: str = "positions.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


# ----------------------------------------------------------------------------- init


def test_init_twice_creates_home_and_schema(results_url, home):
    first = cli("init")
    assert home.is_dir()
    assert redact_url(results_url) in first.stdout
    second = cli("init")
    assert second.stdout == first.stdout
    engine = make_engine(results_url)
    try:
        assert {"users", "portfolios", "positions", "alembic_version"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_database_password_is_never_printed(home, monkeypatch):
    monkeypatch.setenv("SIGMASIGHT_DATABASE_URL", "postgresql+psycopg://sigma:s3cret@127.0.0.1:1/results")
    result = cli("init", code=1)
    line = one_error_line(result)
    assert "s3cret" not in result.output and "sigma:***@127.0.0.1" in line
    assert "s3cret" not in redact_url("postgresql+psycopg://u:s3cret@host/db")


def test_commands_before_init_say_to_run_init(home):
    line = one_error_line(cli("portfolios", "list", code=1))
    assert "not initialised" in line and "sigmasight init" in line


def test_settings_errors_are_one_line(home, monkeypatch):
    monkeypatch.setenv("SIGMASIGHT_MARKET_DATA", "bogus")
    assert "SIGMASIGHT_MARKET_DATA" in one_error_line(cli("portfolios", "list", code=2))
    monkeypatch.setenv("SIGMASIGHT_MARKET_DATA", "simulated")
    monkeypatch.setenv("SIGMASIGHT_DATABASE_URL", "not a url")
    assert "SIGMASIGHT_DATABASE_URL" in one_error_line(cli("init", code=2))


def test_help_lists_the_commands(home):
    out = cli("--help").stdout
    assert all(name in out for name in ("init", "users", "portfolios"))


# ----------------------------------------------------------------------------- users


def test_users_add_prints_the_token_once_and_stores_only_its_hash(results_url):
    cli("init")
    result = cli("users", "add", "Ann@Example.com", "--admin")
    token = re.search(r"^token: (\S+)$", result.stdout, re.M).group(1)
    assert result.stdout.count(token) == 1
    db = ResultsDB(results_url)
    try:
        with db.transaction() as s:
            user = s.scalars(select(User)).one()
            assert (user.email, user.is_admin) == ("ann@example.com", True)
            assert user.token_hash == hashlib.sha256(token.encode()).hexdigest()
            assert token not in (user.email, user.token_hash)
    finally:
        db.dispose()

    assert "already exists" in one_error_line(cli("users", "add", "ann@example.com", code=2))
    assert "not a valid email" in one_error_line(cli("users", "add", "ann", code=2))
    plain = cli("users", "add", "bob@example.com")
    assert "(admin)" not in plain.stdout


# ----------------------------------------------------------------------------- portfolios


def test_import_list_delete(results_url, tmp_path):
    cli("init")
    cli("users", "add", "pm@example.com")
    csv_path = write_csv(tmp_path, demo_csv("long_short_hedge_fund.csv"))

    imported = cli("portfolios", "import", csv_path, "--name", "Long/Short", "--owner", "PM@example.com")
    portfolio_id = int(re.search(r"imported portfolio (\d+)", imported.stdout).group(1))
    quiet = cli("portfolios", "import", csv_path, "--name", "Second", "--owner", "pm@example.com", "-q")
    second_id = int(quiet.stdout.strip())
    assert count(results_url, Position) == 60

    table = cli("portfolios", "list").stdout
    assert "Long/Short" in table and "pm@example.com" in table and "30" in table
    listed = json.loads(cli("portfolios", "list", "--json").stdout)
    assert [(p["id"], p["name"], p["owner"], p["positions"], p["deleted_at"]) for p in listed] == [
        (portfolio_id, "Long/Short", "pm@example.com", 30, None),
        (second_id, "Second", "pm@example.com", 30, None),
    ]
    assert listed[0]["created_at"].endswith("+00:00")

    assert f"deleted portfolio {portfolio_id}" in cli("portfolios", "delete", str(portfolio_id)).stdout
    assert [p["id"] for p in json.loads(cli("portfolios", "list", "--json").stdout)] == [second_id]
    everything = json.loads(cli("portfolios", "list", "--json", "--all").stdout)
    assert [p["id"] for p in everything] == [portfolio_id, second_id] and everything[0]["deleted_at"]
    assert "deleted" in cli("portfolios", "list", "--all").stdout
    assert count(results_url, Portfolio) == 2  # soft delete

    for unknown in (str(portfolio_id), "999999"):
        assert "no active portfolio" in one_error_line(cli("portfolios", "delete", unknown, code=2))
    cli("portfolios", "delete", str(second_id))
    assert "no active portfolios" in cli("portfolios", "list").stdout
    assert cli("portfolios", "list", "--json").stdout.strip() == "[]"


def test_bad_csv_prints_every_problem_and_writes_nothing(results_url):
    cli("init")
    cli("users", "add", "pm@example.com")
    result = cli(
        "portfolios",
        "import",
        str(BAD_CSV / "several_problems.csv"),
        "--name",
        "X",
        "--owner",
        "pm@example.com",
        code=2,
    )
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: import rejected: 9 problems")
    problems = [line.strip() for line in lines[:-1]]
    assert len(problems) == 9
    assert "line 3, field quantity: 'zero' is not a number (expected e.g. 100 or 12.5)" in problems
    assert all(re.match(r"line \d+, field \S+: .+", p) for p in problems)
    assert count(results_url, Portfolio) == 0 and count(results_url, Position) == 0


def test_import_input_errors_exit_2(home, tmp_path):
    cli("init")
    cli("users", "add", "pm@example.com")
    good = write_csv(tmp_path, demo_csv("balanced_individual_investor.csv"))
    assert "no such file" in one_error_line(
        cli("portfolios", "import", str(tmp_path / "missing.csv"), "--name", "X", "--owner", "pm@example.com", code=2)
    )
    assert "no user with email" in one_error_line(
        cli("portfolios", "import", good, "--name", "X", "--owner", "who@example.com", code=2)
    )
    cli("portfolios", "import", good, "--name", "X", "--owner", "pm@example.com")
    taken = cli("portfolios", "import", good, "--name", "X", "--owner", "pm@example.com", code=2)
    assert "already has a portfolio named 'X'" in taken.stderr
    empty = cli(
        "portfolios", "import", str(BAD_CSV / "empty_file.csv"), "--name", "Y", "--owner", "pm@example.com", code=2
    )
    assert "file: is empty" in empty.stderr
    assert cli("portfolios", "delete", "not-a-number", code=2).exit_code == 2  # usage error from typer


def test_real_process_prints_one_line_without_traceback(home, tmp_path):
    """What a user's terminal shows, outside CliRunner."""
    cli("init")
    script = "import sys; from sigmasight_assets.cli import app; sys.argv[0] = 'sigmasight'; app()"
    command = [sys.executable, "-c", script]
    proc = subprocess.run(
        [
            *command,
            "portfolios",
            "import",
            str(BAD_CSV / "zero_quantity.csv"),
            "--name",
            "Z",
            "--owner",
            "x@example.com",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (proc.returncode, proc.stdout) == (2, "") and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [
        "  line 2, field quantity: must not be zero",
        "  line 3, field quantity: must not be zero",
        "error: import rejected: 2 problems; nothing was written",
    ]


# ----------------------------------------------------------------------------- error handling


def test_unexpected_exceptions_are_not_swallowed(home, monkeypatch):
    cli("init")

    def broken(*args, **kwargs):
        raise RuntimeError("a genuine bug")

    monkeypatch.setattr(portfolios_cli, "list_portfolios", broken)
    result = runner.invoke(app, ["portfolios", "list"])
    assert isinstance(result.exception, RuntimeError) and result.exit_code == 1

    def key_error(*args, **kwargs):
        raise KeyError("missing")  # a LookupError, but a bug: not turned into "error: …"

    monkeypatch.setattr(portfolios_cli, "list_portfolios", key_error)
    assert isinstance(runner.invoke(app, ["portfolios", "list"]).exception, KeyError)


def test_cli_errors_converts_registered_errors_only():
    import typer

    class VendorDown(Exception):
        pass

    register_error(VendorDown, 1)
    with pytest.raises(typer.Exit) as info, cli_errors():
        raise VendorDown("vendor unreachable")
    assert info.value.exit_code == 1
    with pytest.raises(ZeroDivisionError), cli_errors():
        1 / 0  # noqa: B018 (the division raises: an unexpected error inside the command)
    with pytest.raises(typer.Exit) as info, cli_errors():
        raise LookupError("no portfolio 3")
    assert info.value.exit_code == 2
