"""`sigmasight symbols unavailable [--clear SYMBOL]`: the symbols the vendor had no closes for.

`market_prices` leaves such a symbol out until SIGMASIGHT_UNAVAILABLE_COOLOFF_SESSIONS sessions
have closed since the vendor's last empty answer, then asks again; `--clear` forgets the record
now, so the next run asks at once (audited).
"""

from datetime import UTC, datetime
from typing import Annotated

import typer

from sigmasight_assets.cli.actor import AsOption, actor_for
from sigmasight_assets.cli.common import cli_errors, echo, fail, get_settings, open_db
from sigmasight_assets.pipeline.vendor import sessions_since
from sigmasight_resources.audit import Action, record
from sigmasight_resources.db import unavailable as records

app = typer.Typer(
    help="Symbols as the market-data vendor answers them.", no_args_is_help=True, pretty_exceptions_enable=False
)
PAGE = 500


@app.command("unavailable")
def unavailable(
    clear: Annotated[
        str | None,
        typer.Option("--clear", metavar="SYMBOL", help="Forget this symbol's record: the next run asks the vendor."),
    ] = None,
    as_email: AsOption = None,
) -> None:
    """List the symbols recorded unavailable (reason, since when, when they are asked again), or clear one."""
    with cli_errors(), open_db() as db:
        if clear is not None:
            symbol = clear.strip().upper()
            with db.transaction() as session:
                actor = actor_for(session, as_email)
                row = records.clear(session, symbol)
                if row is None:
                    fail(f"symbol {symbol!r} is not recorded unavailable (see `sigmasight symbols unavailable`)")
                since = _utc(row.since)
                record(
                    session, actor, Action.UNAVAILABLE_CLEAR, symbol, {"reason": row.reason, "since": since.isoformat()}
                )
            echo(f"cleared {symbol} (unavailable since {since:%Y-%m-%d}): the next market_prices run asks the vendor")
            return
        cooloff = get_settings().unavailable_cooloff_sessions
        with db.transaction() as session:
            rows, after = [], None
            while batch := records.page(session, after, PAGE):
                rows.extend(batch)
                after = batch[-1].symbol
        if not rows:
            echo("no symbol is recorded unavailable")
            return
        now = datetime.now(UTC)
        # One line per symbol (no wrapping table), so the list greps and pipes.
        echo(f"{len(rows)} symbol(s) recorded unavailable; each is asked again after {cooloff} sessions")
        echo(f"{'symbol':<12} {'since':<16} {'last checked':<16} {'asked again':<24} reason")
        for row in rows:
            left = cooloff - sessions_since(row.checked_at, now)
            again = "next run" if left <= 0 else f"after {left} more session{'s' if left != 1 else ''}"
            since, checked = f"{_utc(row.since):%Y-%m-%d %H:%M}", f"{_utc(row.checked_at):%Y-%m-%d %H:%M}"
            echo(f"{row.symbol:<12} {since:<16} {checked:<16} {again:<24} {row.reason}")


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
