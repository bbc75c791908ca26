"""The `--as EMAIL` option of audited commands, and the actor it names (else the OS login).

The CLI holds no token, so by default it records the operating-system login (`os:<login>`):
the one identity it can vouch for, recorded in the audit row even under `--as`. `--as` attributes
the action to a registered SigmaSight user; an unknown email is refused (exit 2) before anything runs.
"""

from typing import Annotated

import typer
from sqlalchemy.orm import Session

from sigmasight_resources.audit import Actor, cli_actor
from sigmasight_resources.users import get_user_by_email

AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        metavar="EMAIL",
        help="Record the action as this registered user (default: your OS login, os:<login>).",
    ),
]


def actor_for(session: Session, as_email: str | None) -> Actor:
    """The actor of this command: the `--as` user (LookupError when unknown), else the OS login."""
    return cli_actor(get_user_by_email(session, as_email) if as_email is not None else None)
