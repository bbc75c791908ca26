"""Who asked: the actor of a launch, cancel, amendment or token/symbol change, its run tag and its audit row.

An API caller is its user. A CLI command is its SigmaSight user when run with `--as EMAIL`
(which must be registered), else the operating-system login (`os:<login>`): the CLI needs no
token, so the login is the only identity it can vouch for, and it is recorded in the row's
details even under `--as`. Runs a request launches carry `sigmasight/requested_by=<actor tag>`
(`user:<id>` or `os:<login>`); the audit row (`audit_log`) holds the email, the action, its
target and details.
"""

import getpass
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from sigmasight_resources.db import audit_log
from sigmasight_resources.db.models import AuditEntry, User

REQUESTED_BY_TAG = "sigmasight/requested_by"
CANCELED_BY_TAG = "sigmasight/canceled_by"


class Action(StrEnum):
    """The audited actions (the `action` column); clients may filter on them."""

    RUN_LAUNCH = "run.launch"
    RUN_CANCEL = "run.cancel"
    PORTFOLIO_AMEND = "portfolio.amend"
    USER_CREATE = "user.create"
    TOKEN_ROTATE = "user.rotate_token"
    TOKEN_REVOKE = "user.revoke"
    UNAVAILABLE_CLEAR = "symbol.unavailable_clear"


class Source(StrEnum):
    API = "api"
    CLI = "cli"


@dataclass(frozen=True)
class Actor:
    """Who asked: a SigmaSight user (`user_id` set) or an OS login; `source` is the API or the CLI."""

    user_id: int | None
    name: str  # the user's email, or os:<login>
    source: Source
    os_user: str | None = None  # for the CLI: the login, also under --as

    @property
    def tag(self) -> str:
        """The `sigmasight/requested_by` value: `user:<id>` or `os:<login>`."""
        return f"user:{self.user_id}" if self.user_id is not None else self.name


def os_login() -> str:
    """The login running this process; its numeric uid when the system has no name for it."""
    try:
        return getpass.getuser()
    except OSError:  # no LOGNAME/USER and no passwd entry (e.g. an arbitrary container uid)
        return f"uid{os.getuid()}"


def api_actor(user: User) -> Actor:
    return Actor(user.id, user.email, Source.API)


def cli_actor(user: User | None) -> Actor:
    """The CLI's actor: `user` when given with --as, else the OS login; the login is kept either way."""
    login = os_login()
    if user is None:
        return Actor(None, f"os:{login}", Source.CLI, login)
    return Actor(user.id, user.email, Source.CLI, login)


def record(session: Session, actor: Actor, action: Action, target: str, details: dict | None = None) -> AuditEntry:
    """Append one audit row in the caller's transaction (so it commits with the change, or not at all)."""
    body = dict(details or {})
    if actor.os_user is not None:
        body["os_user"] = actor.os_user
    entry = AuditEntry(
        at=datetime.now(UTC),
        actor_id=actor.user_id,
        actor=actor.name,
        source=actor.source.value,
        action=action.value,
        target=target[:200],
        details=body,
    )
    return audit_log.append(session, entry)
