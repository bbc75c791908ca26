"""Helpers shared by every `sigmasight` command: settings, the results DB, errors, output.

A command body runs inside `cli_errors()`; known failures become one `error: …` line on stderr
and an exit code, anything else propagates (a genuine bug keeps its traceback):

    @app.command("delete")
    def delete(portfolio_id: int) -> None:
        with cli_errors(), open_db() as db, db.transaction() as session:
            ...

Exit codes: 0 success, 1 a failure of the environment (database unreachable or not
initialised), 2 invalid input or configuration (bad CSV, unknown id, bad setting, usage error).
Other modules register their own known exceptions with `register_error`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import NoReturn

import click
import typer
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from sigmasight_resources.db.engine import alembic_config
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.portfolio_import import PortfolioImportError
from sigmasight_resources.settings import Settings, SettingsError, load_settings
from sigmasight_resources.users import UserError

EXIT_FAILURE = 1
EXIT_INVALID = 2

_SETTINGS_KEY = "sigmasight.settings"
_OVERRIDE: ContextVar[Settings | None] = ContextVar("sigmasight_settings_override", default=None)

# Exception types turned into one stderr line, with their exit code. Subclasses match too;
# `KeyError` and `IndexError` are LookupErrors but nearly always bugs, so they propagate.
_KNOWN_ERRORS: dict[type[BaseException], int] = {
    SettingsError: EXIT_INVALID,
    UserError: EXIT_INVALID,
    LookupError: EXIT_INVALID,
}
_NEVER_CONVERTED: tuple[type[BaseException], ...] = (KeyError, IndexError)


def stdout() -> Console:
    """A rich console on the current stdout (looked up per call, so test runners capture it)."""
    return Console(soft_wrap=True)


def echo(message: str = "") -> None:
    typer.echo(message)


def warn(message: str) -> None:
    typer.echo(message, err=True)


def fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    """Print `error: message` on stderr and exit with `code`."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def parse_day(value: str, option: str) -> date:
    """`value` as a date; otherwise `error: OPTION: expected YYYY-MM-DD, got …` (exit 2)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: expected YYYY-MM-DD, got {value!r}")


def register_error(exc_type: type[BaseException], code: int = EXIT_INVALID) -> None:
    """Make `cli_errors` report `exc_type` (and subclasses) as one line and exit `code`."""
    _KNOWN_ERRORS[exc_type] = code


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn known exceptions into `error: …` on stderr plus an exit code; re-raise the rest.

    `PortfolioImportError` prints every problem (`line N, field F: message`) before the
    summary line. Usable as a decorator too (`@cli_errors()`).
    """
    try:
        yield
    except PortfolioImportError as exc:
        for problem in exc.problems:
            warn(f"  {problem}")
        count = len(exc.problems)
        fail(f"import rejected: {count} problem{'s' if count != 1 else ''}; nothing was written", EXIT_INVALID)
    except _NEVER_CONVERTED:
        raise
    except tuple(_KNOWN_ERRORS) as exc:
        code = next(c for t, c in _KNOWN_ERRORS.items() if isinstance(exc, t))
        fail(_one_line(exc), code)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def get_settings() -> Settings:
    """The settings, read once per command invocation (cached on the click context)."""
    override = _OVERRIDE.get()
    if override is not None:
        return override
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return load_settings()
    meta = ctx.find_root().meta
    if _SETTINGS_KEY not in meta:
        meta[_SETTINGS_KEY] = load_settings()
    return meta[_SETTINGS_KEY]


@contextmanager
def settings_override(**changes: object) -> Iterator[Settings]:
    """Within the block `get_settings()` returns the settings with `changes` on top, whatever the
    environment says (the demo pins its market data this way)."""
    settings = load_settings(**changes)
    token = _OVERRIDE.set(settings)
    try:
        yield settings
    finally:
        _OVERRIDE.reset(token)


def redact_url(url: str) -> str:
    """The URL with any password replaced by `***`."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # unparsable: show nothing that could be a secret
        return "<unparsable database URL>"


def make_db(settings: Settings | None = None) -> ResultsDB:
    """A `ResultsDB` for the settings; an unusable URL fails as a settings error (exit 2)."""
    settings = settings or get_settings()
    try:
        return ResultsDB(settings.results_url)
    except ArgumentError:  # unparsable URL or unknown dialect; the URL itself may hold a secret
        fail(
            "SIGMASIGHT_DATABASE_URL: not a usable SQLAlchemy database URL "
            "(e.g. postgresql+psycopg://user:password@host/db or sqlite:///path)",
            EXIT_INVALID,
        )


def schema_status(db: ResultsDB) -> tuple[str | None, str]:
    """(current alembic revision or None, head revision) of the results database."""
    head = ScriptDirectory.from_config(alembic_config(db.url)).get_current_head()
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, head


@contextmanager
def open_db(settings: Settings | None = None, *, require_schema: bool = True) -> Iterator[ResultsDB]:
    """The results database of `settings` (default: `get_settings()`), disposed afterwards.

    Fails with one line (exit 1) when it cannot be reached or, with `require_schema`, when its
    schema is not at the latest migration (the message says to run `sigmasight init`).
    """
    db = make_db(settings)
    try:
        if require_schema:
            try:
                current, head = schema_status(db)
            except OperationalError as exc:
                fail(f"cannot open the results database {redact_url(db.url)}: {_first_line(exc)}", EXIT_FAILURE)
            if current != head:
                state = "not initialised" if current is None else f"at revision {current}, not {head}"
                fail(f"the results database {redact_url(db.url)} is {state}; run `sigmasight init`", EXIT_FAILURE)
        yield db
    finally:
        db.dispose()


def _first_line(exc: OperationalError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
