"""Shared steps of every result read: find the date (default latest), its provenance and data quality.

One result read is three small indexed queries — anchor row, data_quality row, the rows
themselves — whatever the portfolio's size.
"""

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from sigmasight_api.errors import ApiError
from sigmasight_api.schemas.common import DataQualityPublic, Provenance
from sigmasight_resources.db.report import number, quality_object
from sigmasight_resources.db.result_reads import data_quality_row, result_provenance


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def anchor(session: Session, table, portfolio_id: int, day: date | None) -> Provenance:
    """The result's date (`day`, else the latest) and the run that wrote it; 404 `result_not_found` if none."""
    row = result_provenance(session, table, portfolio_id, day)
    if row is None:
        when = day.isoformat() if day else "any date"
        raise ApiError(404, "result_not_found", f"portfolio {portfolio_id} has no {table.__tablename__} for {when}")
    return Provenance(as_of=row.date, run_id=row.run_id, materialized_at=aware(row.computed_at))


def quality(session: Session, portfolio_id: int, day: date, asset: str) -> DataQualityPublic | None:
    data = quality_object(data_quality_row(session, portfolio_id, day, asset))
    return DataQualityPublic(**data) if data else None


def values(row, fields) -> dict:
    """The named columns of a row, non-finite floats as None."""
    return {f: number(getattr(row, f)) for f in fields}
