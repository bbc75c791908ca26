"""`sigmasight users …`: create users, rotate or revoke their API token; every change is audited."""

from typing import Annotated

import typer

from sigmasight_assets.cli.actor import AsOption, actor_for
from sigmasight_assets.cli.common import cli_errors, echo, open_db
from sigmasight_resources.audit import Action, record
from sigmasight_resources.users import (
    MAX_TOKEN_DAYS,
    audit_details,
    create_user,
    get_user_by_email,
    revoke_token,
    rotate_token,
    token_expiry,
)

app = typer.Typer(help="Users and their API tokens.", no_args_is_help=True, pretty_exceptions_enable=False)

Email = Annotated[str, typer.Argument(help="The user's email (stored lower-case).")]
ExpiresIn = Annotated[
    int | None,
    typer.Option(
        "--expires-in",
        metavar="DAYS",
        min=1,
        max=MAX_TOKEN_DAYS,
        help="The token stops working after this many days (default: no expiry).",
    ),
]
STORE_NOW = "Store this token now: it is not shown again (only its SHA-256 hash is stored)."


@app.command("add")
def add(
    email: Email,
    admin: Annotated[bool, typer.Option("--admin", help="Give the user the admin role.")] = False,
    expires_in: ExpiresIn = None,
    as_email: AsOption = None,
) -> None:
    """Create a user and print its API token (shown this once; only its hash is stored)."""
    with cli_errors(), open_db() as db:
        with db.transaction() as session:
            actor = actor_for(session, as_email)
            user, token = create_user(session, email, is_admin=admin, expires_at=token_expiry(expires_in))
            record(session, actor, Action.USER_CREATE, f"user:{user.id}", audit_details(user))
            user_id, stored_email, expires = user.id, user.email, user.token_expires_at
        echo(f"created user {user_id} {stored_email}{' (admin)' if admin else ''}")
        echo(f"token: {token}")
        if expires is not None:
            echo(f"expires: {expires.isoformat()}")
        echo(STORE_NOW)


@app.command("rotate-token")
def rotate(email: Email, expires_in: ExpiresIn = None, as_email: AsOption = None) -> None:
    """Give the user a new API token (printed this once); the old one stops working at once, a revocation is lifted."""
    with cli_errors(), open_db() as db:
        with db.transaction() as session:
            actor = actor_for(session, as_email)
            user = get_user_by_email(session, email)
            token = rotate_token(session, user, expires_at=token_expiry(expires_in))
            record(session, actor, Action.TOKEN_ROTATE, f"user:{user.id}", audit_details(user))
            user_id, stored_email, expires = user.id, user.email, user.token_expires_at
        echo(f"rotated the token of user {user_id} {stored_email}; the old token no longer works")
        echo(f"token: {token}")
        if expires is not None:
            echo(f"expires: {expires.isoformat()}")
        echo(STORE_NOW)


@app.command("revoke")
def revoke(email: Email, as_email: AsOption = None) -> None:
    """Stop the user's API token working at once (401); `rotate-token` issues a new one."""
    with cli_errors(), open_db() as db:
        with db.transaction() as session:
            actor = actor_for(session, as_email)
            user = get_user_by_email(session, email)
            revoked_at = revoke_token(session, user)
            record(session, actor, Action.TOKEN_REVOKE, f"user:{user.id}", audit_details(user))
            user_id, stored_email = user.id, user.email
        echo(f"revoked the token of user {user_id} {stored_email} (since {revoked_at.isoformat()})")
