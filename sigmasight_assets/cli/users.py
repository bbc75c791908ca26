"""`sigmasight users …`: create users and show their one-time API token."""

from typing import Annotated

import typer

from sigmasight_assets.cli.common import cli_errors, echo, open_db
from sigmasight_resources.users import create_user

app = typer.Typer(help="Users and their API tokens.", no_args_is_help=True, pretty_exceptions_enable=False)


@app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="The user's email (stored lower-case).")],
    admin: Annotated[bool, typer.Option("--admin", help="Give the user the admin role.")] = False,
) -> None:
    """Create a user and print its API token (shown this once; only its hash is stored)."""
    with cli_errors(), open_db() as db:
        with db.transaction() as session:
            user, token = create_user(session, email, is_admin=admin)
            user_id, stored_email = user.id, user.email
        echo(f"created user {user_id} {stored_email}{' (admin)' if admin else ''}")
        echo(f"token: {token}")
        echo("Store this token now: it is not shown again (only its SHA-256 hash is stored).")
