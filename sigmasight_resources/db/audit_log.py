"""The audit log: append a row, read pages newest first with filters (admin API)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigmasight_resources.db.models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    """Which rows an admin asks for; None fields do not filter."""

    actor_id: int | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def append(session: Session, entry: AuditEntry) -> AuditEntry:
    """Add the row in the caller's transaction, so it lands with (or without) the change it records."""
    session.add(entry)
    session.flush()
    return entry


def page(session: Session, where: AuditFilter, before: int | None, limit: int) -> list[AuditEntry]:
    """Up to `limit` rows matching `where`, newest (highest id) first, below id `before`."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    if where.actor_id is not None:
        query = query.where(AuditEntry.actor_id == where.actor_id)
    if where.action is not None:
        query = query.where(AuditEntry.action == where.action)
    if where.target is not None:
        query = query.where(AuditEntry.target == where.target)
    if where.since is not None:
        query = query.where(AuditEntry.at >= where.since)
    if where.until is not None:
        query = query.where(AuditEntry.at < where.until)
    return list(session.scalars(query))
