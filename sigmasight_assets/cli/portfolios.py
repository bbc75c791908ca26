"""`sigmasight portfolios …`: import a positions CSV, amend it, record cash flows, list, soft-delete, purge."""

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sigmasight_assets.cli.actor import AsOption, actor_for
from sigmasight_assets.cli.common import (
    EXIT_FAILURE,
    EXIT_INVALID,
    cli_errors,
    echo,
    fail,
    get_settings,
    open_db,
    register_error,
    stdout,
    warn,
)
from sigmasight_resources.amendments import PortfolioBusyError
from sigmasight_resources.cash_flows import record_cash_flows
from sigmasight_resources.db.purge import PortfolioStillActiveError, purge_portfolio
from sigmasight_resources.db.report import latest_result_date
from sigmasight_resources.portfolio_import import (
    DEFAULT_BENCHMARK,
    MAX_IMPORT_BYTES,
    PortfolioImportError,
    delete_portfolio,
    import_portfolio,
    list_portfolios,
)

app = typer.Typer(
    help="Portfolios: import, amend, cash flows, list, delete, purge.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
register_error(PortfolioStillActiveError)
register_error(PortfolioBusyError, EXIT_FAILURE)


def read_upload(path: Path) -> bytes:
    """The file's bytes, at most one byte past the import limit (the importer reports the size)."""
    if not path.is_file():
        fail(f"{path}: no such file", EXIT_INVALID)
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_IMPORT_BYTES + 1)
    except OSError as exc:
        fail(f"{path}: cannot read: {exc.strerror or exc}", EXIT_INVALID)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="Positions CSV (symbol,quantity,entry_price,entry_date,…).")],
    name: Annotated[str, typer.Option("--name", help="Portfolio name (unique among the owner's portfolios).")],
    owner: Annotated[str, typer.Option("--owner", help="Email of an existing user who will own it.")],
    equity: Annotated[
        float | None, typer.Option("--equity", help="Inception equity: the cash the portfolio starts with (> 0).")
    ] = None,
    benchmark: Annotated[
        str | None,
        typer.Option("--benchmark", help="Ticker tracking error is measured against (default SPY)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the new portfolio id.")] = False,
) -> None:
    """Validate a positions CSV and import it as a new portfolio (all or nothing); print its id."""
    with cli_errors():
        data = read_upload(file)
        with open_db() as db:
            portfolio_id = import_portfolio(
                db, data, name, owner, today=date.today(), equity=equity, benchmark=benchmark
            )
        if quiet:
            echo(str(portfolio_id))
        else:
            echo(f"imported portfolio {portfolio_id}: {' '.join(name.split())!r} for {owner.strip().lower()}")


@app.command("amend")
def amend(
    portfolio_id: Annotated[int, typer.Argument(help="Id of an active portfolio.")],
    file: Annotated[Path, typer.Argument(help="CSV with the import's columns: exits, marks and new positions.")],
    as_email: AsOption = None,
) -> None:
    """Exit, mark or add positions after onboarding (all or nothing); the daemon recomputes the days touched.

    A row whose symbol and entry date match an open position sets its exit (exit_date, exit_price)
    or, for a PRIVATE position, its mark (mark_price, mark_date); any other row adds a position.
    The portfolio's results from the earliest date touched are deleted at once and recomputed by
    the close sensor; new symbols' closes first, by a day-level run put on the daemon's queue.
    """
    from sigmasight_assets.amendments import amend_portfolio  # loads the definitions: only for this command
    from sigmasight_assets.runs.instance import local_instance

    with cli_errors():
        data = read_upload(file)
        settings = get_settings()
        with open_db() as db:
            with db.transaction() as session:
                actor = actor_for(session, as_email)
            instance = local_instance(settings)
            try:
                amended = amend_portfolio(db, instance, settings, portfolio_id, data, actor)
            except PortfolioImportError as exc:
                for problem in exc.problems:
                    warn(f"  {problem}")
                count = len(exc.problems)
                fail(f"amendment rejected: {count} problem{'s' if count != 1 else ''}; nothing was written")
            finally:
                instance.dispose()
        result, run = amended.result, amended.day_run
        echo(
            f"amended portfolio {portfolio_id}: {result.count('add')} added, {result.count('exit')} exited, "
            f"{result.count('mark')} marked"
        )
        for change in result.changes:
            echo(f"  line {change.line}: {change.action} position {change.position_id} {change.symbol}")
        echo(
            f"results from {result.earliest} on deleted ({sum(result.deleted.values())} rows); "
            "the close sensor recomputes them (make daemon)"
        )
        if run is not None:
            echo(
                f"queued day-level run {run.run_id} over {run.start}..{run.end} for the new symbols' closes; "
                "the portfolio's days follow once it succeeds"
            )


@app.command("flows")
def flows(
    portfolio_id: Annotated[int, typer.Argument(help="Id of an active portfolio.")],
    file: Annotated[Path, typer.Argument(help="Cash-flow CSV: date,amount (deposits > 0, withdrawals < 0).")],
) -> None:
    """Validate a cash-flow CSV and record every flow (all or nothing); print how many."""
    with cli_errors():
        data = read_upload(file)
        with open_db() as db:
            recorded = record_cash_flows(db, portfolio_id, data, today=date.today())
            with db.transaction() as session:
                latest = latest_result_date(session, portfolio_id)
        deposits = sum(f.amount for f in recorded if f.amount > 0)
        withdrawals = sum(f.amount for f in recorded if f.amount < 0)
        echo(
            f"recorded {len(recorded)} cash flow{'s' if len(recorded) != 1 else ''} for portfolio {portfolio_id} "
            f"(deposits {deposits:,.2f}, withdrawals {withdrawals:,.2f})"
        )
        first = min(f.flow_date for f in recorded)
        if latest is not None and first <= latest:
            echo(
                f"stored results from {first} on predate them; recompute with: sigmasight run --start {first} "
                f"--end {latest} --portfolio {portfolio_id} --force"
            )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


@app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array instead of a table.")] = False,
    include_deleted: Annotated[bool, typer.Option("--all", help="Include deleted portfolios.")] = False,
) -> None:
    """List active portfolios (id, name, owner, positions, inception equity, created).

    The table has a benchmark ("bench") column when some portfolio's is not the default (SPY); `--json` always has it.
    """
    with cli_errors(), open_db() as db, db.transaction() as session:
        rows = list_portfolios(session, include_deleted=include_deleted)
    if as_json:
        echo(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "name": r.name,
                        "owner": r.owner_email,
                        "positions": r.positions,
                        "inception_equity": r.inception_equity,
                        "benchmark": r.benchmark,
                        "created_at": _iso(r.created_at),
                        "deleted_at": _iso(r.deleted_at),
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
        return
    if not rows:
        echo("no portfolios" if include_deleted else "no active portfolios")
        return
    table = Table()
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("name")
    table.add_column("owner")
    table.add_column("positions", justify="right", no_wrap=True)
    table.add_column("equity", justify="right", no_wrap=True)
    benchmarked = any(r.benchmark != DEFAULT_BENCHMARK for r in rows)  # only then: the table fits 80 columns
    if benchmarked:
        table.add_column("bench", no_wrap=True)
    table.add_column("created", no_wrap=True)
    if include_deleted:
        table.add_column("deleted", no_wrap=True)
    for r in rows:
        equity = "–" if r.inception_equity is None else f"{r.inception_equity:,.0f}"
        cells = [str(r.id), r.name, r.owner_email, str(r.positions), equity, *([r.benchmark] if benchmarked else [])]
        cells.append(f"{r.created_at:%Y-%m-%d %H:%M}")
        if include_deleted:
            cells.append(f"{r.deleted_at:%Y-%m-%d %H:%M}" if r.deleted_at else "")
        table.add_row(*cells)
    stdout().print(table)


@app.command("delete")
def delete(portfolio_id: Annotated[int, typer.Argument(help="Id of an active portfolio.")]) -> None:
    """Soft-delete a portfolio: it leaves lists and runs; its rows stay in the database."""
    with cli_errors(), open_db() as db:
        with db.transaction() as session:
            portfolio = delete_portfolio(session, portfolio_id)
            name = portfolio.name
        echo(f"deleted portfolio {portfolio_id}: {name!r}")


@app.command("purge")
def purge(
    portfolio_id: Annotated[int, typer.Argument(help="Id of a deleted portfolio.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Hard-delete a deleted portfolio: its positions and every stored result row (cannot be undone)."""
    with cli_errors(), open_db() as db:
        if not yes:
            typer.confirm(f"Permanently remove portfolio {portfolio_id} and all its results?", abort=True)
        with db.transaction() as session:
            deleted = purge_portfolio(session, portfolio_id)
        total = sum(deleted.values())
        echo(
            f"purged portfolio {portfolio_id}: {total} rows removed "
            f"({', '.join(f'{t} {n}' for t, n in sorted(deleted.items()) if n)})"
        )
