"""Users and their API tokens.

A token is `secrets.token_urlsafe(32)` (256 bits of randomness), shown to its user once and
stored only as its SHA-256 hex digest. `find_user_by_token` hashes the presented token first
and looks the user up by that digest: the database compares digests, never the secret, so
the comparison's timing tells an attacker nothing about the token (finding a token whose
digest shares a prefix with a stored one is as hard as inverting SHA-256). The fetched row's
digest is then compared again with `hmac.compare_digest`, so the check does not depend on
how the database collates or compares strings.

A token stops working at once when it is rotated (its digest is replaced), revoked
(`token_revoked_at`) or past its optional expiry (`token_expires_at`): `authenticate` checks
all three on every request and says which one refused it.

Emails are normalized (surrounding whitespace removed, lower-cased) before they are stored
or looked up, so `Ann@Example.com` and `ann@example.com` are one user.
"""

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigmasight_resources.db.models import User

TOKEN_BYTES = 32
MAX_TOKEN_DAYS = 3650
MAX_EMAIL_LENGTH = 320
MAX_TOKEN_LENGTH = 512  # far above a token_urlsafe(32) token (43 chars); longer input is rejected unhashed

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


class UserError(ValueError):
    """A user cannot be created as asked (invalid email, email already registered)."""


class UserExistsError(UserError):
    """A user with this email already exists."""


class UserNotFoundError(LookupError):
    """No user has this email (or id)."""


class TokenRejected(Exception):
    """A presented token does not authenticate; `code` says why (stable), the message says so to people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def normalize_email(email: str) -> str:
    """The stored form of `email`; raise `UserError` when it is not a plausible address."""
    if not isinstance(email, str):
        raise UserError("email must be text")
    value = email.strip().lower()
    if not value:
        raise UserError("email must not be empty")
    if len(value) > MAX_EMAIL_LENGTH:
        raise UserError(f"email is longer than {MAX_EMAIL_LENGTH} characters")
    if not value.isprintable() or not _EMAIL.fullmatch(value) or ".." in value.split("@")[1]:
        raise UserError(f"{email.strip()!r} is not a valid email address (expected name@domain.tld)")
    return value


def hash_token(token: str) -> str:
    """SHA-256 hex digest of a token: the only form in which tokens are stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def find_user_by_email(session: Session, email: str) -> User | None:
    """The user with this email (normalized), or None; an invalid email raises `UserError`."""
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def get_user_by_email(session: Session, email: str) -> User:
    """The user with this email, else `UserNotFoundError` (a `LookupError`)."""
    user = find_user_by_email(session, email)
    if user is None:
        raise UserNotFoundError(f"no user with email {normalize_email(email)}")
    return user


def token_expiry(days: int | None, now: datetime | None = None) -> datetime | None:
    """When a token issued now for `days` days stops working (None: never); `UserError` outside 1..3650."""
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS:
        raise UserError(f"expires_in_days must be a whole number of days from 1 to {MAX_TOKEN_DAYS}, got {days!r}")
    return (now or datetime.now(UTC)) + timedelta(days=days)


def get_user(session: Session, user_id: int) -> User:
    """The user with this id, else `UserNotFoundError`."""
    user = session.get(User, user_id)
    if user is None:
        raise UserNotFoundError(f"no user with id {user_id}")
    return user


def create_user(
    session: Session, email: str, is_admin: bool = False, expires_at: datetime | None = None
) -> tuple[User, str]:
    """Add a user in the caller's transaction; return it and its token (the only copy).

    Raises `UserError` for an invalid email and `UserExistsError` when it is taken.
    """
    normalized = normalize_email(email)
    if session.scalar(select(User.id).where(User.email == normalized)) is not None:
        raise UserExistsError(f"a user with email {normalized} already exists")
    token = new_token()
    user = User(
        email=normalized,
        is_admin=bool(is_admin),
        token_hash=hash_token(token),
        created_at=datetime.now(UTC),
        token_expires_at=expires_at,
    )
    session.add(user)
    session.flush()
    return user, token


def ensure_user(session: Session, email: str, is_admin: bool = False) -> User:
    """The user with this email, created (with a token nobody is shown) when absent.

    Used for the demo owner; give such a user a usable token with `rotate_token`.
    """
    user = find_user_by_email(session, email)
    if user is None:
        user, _ = create_user(session, email, is_admin=is_admin)
    return user


def rotate_token(session: Session, user: User, expires_at: datetime | None = None) -> str:
    """Replace the user's token (lifting a revocation); return the new one. The old one stops working."""
    token = new_token()
    user.token_hash = hash_token(token)
    user.token_expires_at = expires_at
    user.token_revoked_at = None
    session.flush()
    return token


def revoke_token(session: Session, user: User) -> datetime:
    """Stop the user's token working; when it was revoked (the first revocation's time if already)."""
    if user.token_revoked_at is None:
        user.token_revoked_at = datetime.now(UTC)
        session.flush()
    return _utc(user.token_revoked_at)


def find_user_by_token(session: Session, token: str) -> User | None:
    """The user holding `token` (revoked or expired alike), or None for an unknown, empty or malformed token."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = hash_token(token)
    user = session.scalar(select(User).where(User.token_hash == digest))
    if user is None or not hmac.compare_digest(user.token_hash, digest):
        return None
    return user


def authenticate(session: Session, token: str, now: datetime | None = None) -> User:
    """The user of a valid token; `TokenRejected` (unauthorized, token_revoked, token_expired) otherwise."""
    user = find_user_by_token(session, token)
    if user is None:
        raise TokenRejected("unauthorized", "invalid bearer token")
    if user.token_revoked_at is not None:
        raise TokenRejected(
            "token_revoked",
            f"this token was revoked at {_utc(user.token_revoked_at).isoformat()}; ask an admin for a new one",
        )
    now = now or datetime.now(UTC)
    if user.token_expires_at is not None and _utc(user.token_expires_at) <= now:
        raise TokenRejected(
            "token_expired",
            f"this token expired at {_utc(user.token_expires_at).isoformat()}; ask an admin for a new one",
        )
    return user


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def audit_details(user: User) -> dict:
    """What an audit row says about a user it changed: never the token or its hash."""
    expires = _utc(user.token_expires_at).isoformat() if user.token_expires_at else None
    return {"email": user.email, "is_admin": user.is_admin, "token_expires_at": expires}
