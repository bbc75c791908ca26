"""Request dependencies as `Annotated` aliases: settings, results DB session, Dagster instance, caller, portfolio.

Ownership is decided in exactly one place, `get_portfolio`: owner or admin, else 404 — a
non-owner cannot tell a foreign portfolio from a missing one.

FastAPI runs every plain `def` dependency in a worker thread, one hand-off each, and under
concurrency each hand-off waits for the GIL behind other requests. So the accessors of
`app.state` are `async def` (no I/O), the session opens on the event loop (no I/O until its
first query) and closes in a thread, and `get_portfolio` authenticates in the same thread call
as its lookup: a portfolio read makes three hand-offs instead of six.
"""

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
import dagster as dg
from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sigmasight_api.errors import ApiError
from sigmasight_resources.db.models import Portfolio, User
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.settings import Settings
from sigmasight_resources.users import TokenRejected, authenticate

_bearer = HTTPBearer(auto_error=False, description="the token from `sigmasight users add` or POST /admin/users")


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_db(request: Request) -> ResultsDB:
    return request.app.state.db


async def get_instance(request: Request) -> dg.DagsterInstance:
    return request.app.state.instance


async def get_asset_graph(request: Request):
    """The code location's asset graph (partitions definitions and checks), built once at start-up."""
    return request.app.state.asset_graph


SettingsDep = Annotated[Settings, Depends(get_settings)]
DbDep = Annotated[ResultsDB, Depends(get_db)]
InstanceDep = Annotated[dg.DagsterInstance, Depends(get_instance)]
AssetGraphDep = Annotated[object, Depends(get_asset_graph)]


async def get_session(db: DbDep) -> AsyncIterator[Session]:
    """One read transaction per request; writes open their own so they commit before the response.

    Commit (or rollback, re-raising) runs in a thread, shielded so a dropped client cannot skip it.
    """
    transaction = db.transaction()
    session = transaction.__enter__()  # creates the Session only: no connection until the first query
    try:
        yield session
    except BaseException as exc:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(transaction.__exit__, type(exc), exc, exc.__traceback__)
        raise
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(transaction.__exit__, None, None, None)


SessionDep = Annotated[Session, Depends(get_session)]


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def get_current_user(session: SessionDep, credentials: Credentials) -> User:
    """The token's user; 401 for a missing, unknown, revoked or expired token (the token is never logged or echoed)."""
    return _authenticate(session, credentials)


def _authenticate(session: Session, credentials: HTTPAuthorizationCredentials | None) -> User:
    if credentials is None:
        raise ApiError(401, "unauthorized", "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    try:
        return authenticate(session, credentials.credentials)
    except TokenRejected as exc:
        raise ApiError(401, exc.code, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_admin(user: CurrentUser) -> User:
    if not user.is_admin:
        raise ApiError(403, "forbidden", "admin role required")
    return user


AdminUser = Annotated[User, Depends(get_admin)]


def get_portfolio(
    session: SessionDep, credentials: Credentials, portfolio_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> Portfolio:
    """The active portfolio if the caller owns it or is an admin, else 404; authenticates as `get_current_user` does."""
    user = _authenticate(session, credentials)
    portfolio = session.get(Portfolio, portfolio_id)
    if portfolio is None or portfolio.deleted_at is not None or not (user.is_admin or portfolio.owner_id == user.id):
        raise ApiError(404, "portfolio_not_found", f"portfolio {portfolio_id} not found")
    return portfolio


OwnedPortfolio = Annotated[Portfolio, Depends(get_portfolio)]
