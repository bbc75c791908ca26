"""Admin user endpoints: create a user, rotate or revoke its token; each change is audited with it.

A token is answered once (only its hash is stored). Rotation and revocation take effect on the next
request: every request looks the token up afresh (`users.authenticate`).
"""

from typing import Annotated

from fastapi import APIRouter, Body, Path
from sqlalchemy.exc import IntegrityError

from sigmasight_api.deps import AdminUser, DbDep
from sigmasight_api.errors import ApiError
from sigmasight_api.schemas.common import ErrorPublic
from sigmasight_api.schemas.users import TokenRotate, UserCreate, UserCreated, UserRevoked
from sigmasight_resources.audit import Action, api_actor, record
from sigmasight_resources.db.models import User
from sigmasight_resources.users import (
    UserError,
    UserExistsError,
    UserNotFoundError,
    audit_details,
    create_user,
    get_user,
    revoke_token,
    rotate_token,
    token_expiry,
)

router = APIRouter(prefix="/admin", tags=["admin"])
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOT_FOUND = {404: {"model": ErrorPublic}, 422: {"model": ErrorPublic}}


@router.post(
    "/users",
    status_code=201,
    response_model=UserCreated,
    responses={409: {"model": ErrorPublic}, 422: {"model": ErrorPublic}},
)
def add_user(body: UserCreate, admin: AdminUser, db: DbDep) -> UserCreated:
    """Create a user; its token (optionally expiring) is in this answer only."""
    try:
        with db.transaction() as session:
            user, token = create_user(
                session, body.email, is_admin=body.is_admin, expires_at=token_expiry(body.expires_in_days)
            )
            record(session, api_actor(admin), Action.USER_CREATE, f"user:{user.id}", audit_details(user))
            public = _created(user, token)
    except UserExistsError as exc:
        raise ApiError(409, "user_exists", str(exc)) from exc
    except IntegrityError as exc:  # a concurrent request registered the same email between check and insert
        raise ApiError(409, "user_exists", f"a user with email {body.email.strip().lower()} already exists") from exc
    except UserError as exc:
        raise ApiError(422, "invalid_user", str(exc)) from exc
    return public


@router.post("/users/{user_id}/rotate-token", response_model=UserCreated, responses=NOT_FOUND)
def rotate_user_token(
    user_id: UserId, admin: AdminUser, db: DbDep, body: Annotated[TokenRotate | None, Body()] = None
) -> UserCreated:
    """Issue the user a new token (answered once) and lift any revocation; the old token gets 401 at once."""
    expires_in_days = body.expires_in_days if body else None
    with db.transaction() as session:
        user = _user(session, user_id)
        token = rotate_token(session, user, expires_at=token_expiry(expires_in_days))
        record(session, api_actor(admin), Action.TOKEN_ROTATE, f"user:{user.id}", audit_details(user))
        return _created(user, token)


@router.post(
    "/users/{user_id}/revoke", response_model=UserRevoked, responses={**NOT_FOUND, 409: {"model": ErrorPublic}}
)
def revoke_user_token(user_id: UserId, admin: AdminUser, db: DbDep) -> UserRevoked:
    """Stop the user's token working (401 `token_revoked` from the next request); rotate-token issues a new one.

    An admin cannot revoke its own token here (409): that could lock the last admin out; rotate it instead.
    """
    if user_id == admin.id:
        raise ApiError(409, "cannot_revoke_own_token", "rotate your own token, or revoke it with the CLI")
    with db.transaction() as session:
        user = _user(session, user_id)
        revoked_at = revoke_token(session, user)
        record(session, api_actor(admin), Action.TOKEN_REVOKE, f"user:{user.id}", audit_details(user))
        return UserRevoked(
            id=user.id,
            email=user.email,
            is_admin=user.is_admin,
            created_at=user.created_at,
            token_expires_at=user.token_expires_at,
            token_revoked_at=revoked_at,
        )


def _user(session, user_id: int) -> User:
    try:
        return get_user(session, user_id)
    except UserNotFoundError as exc:
        raise ApiError(404, "user_not_found", str(exc)) from exc


def _created(user: User, token: str) -> UserCreated:
    return UserCreated(
        id=user.id,
        email=user.email,
        is_admin=user.is_admin,
        created_at=user.created_at,
        token=token,
        token_expires_at=user.token_expires_at,
    )
