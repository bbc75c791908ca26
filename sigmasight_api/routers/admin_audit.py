"""`GET /admin/audit`: who launched, canceled, amended or changed a token or a symbol record, newest first."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from sigmasight_api import pagination
from sigmasight_api.deps import AdminUser, SessionDep
from sigmasight_api.errors import ApiError
from sigmasight_api.schemas.audit import AuditEntryPublic
from sigmasight_api.schemas.common import ErrorPublic, Page
from sigmasight_resources.audit import Action
from sigmasight_resources.db import audit_log

router = APIRouter(prefix="/admin/audit", tags=["admin"])


@router.get("", response_model=Page[AuditEntryPublic], responses={422: {"model": ErrorPublic}})
def list_audit(
    _: AdminUser,
    session: SessionDep,
    actor_id: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="the user who asked")] = None,
    action: Annotated[Action | None, Query()] = None,
    target: Annotated[str | None, Query(min_length=1, max_length=200, description="exact target")] = None,
    since: Annotated[datetime | None, Query(description="at or after (ISO 8601; no offset: UTC)")] = None,
    until: Annotated[datetime | None, Query(description="before (ISO 8601; no offset: UTC)")] = None,
    limit: pagination.Limit = 50,
    cursor: pagination.Cursor = None,
) -> Page[AuditEntryPublic]:
    """Audit rows matching every given filter, newest first, paginated."""
    since, until = _utc(since), _utc(until)
    if since is not None and until is not None and until <= since:
        raise ApiError(422, "invalid_range", f"until {until.isoformat()} is not after since {since.isoformat()}")
    where = audit_log.AuditFilter(actor_id, action.value if action else None, target, since, until)
    rows = audit_log.page(session, where, pagination.decode(cursor, int), limit + 1)
    rows, next_cursor = pagination.page(rows, limit, lambda r: r.id)
    return Page(items=[AuditEntryPublic.model_validate(r, from_attributes=True) for r in rows], next_cursor=next_cursor)


def _utc(value: datetime | None) -> datetime | None:
    """Stored times are UTC (SQLite keeps no offset), so filters are compared in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
