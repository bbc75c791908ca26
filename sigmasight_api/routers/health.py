"""`GET /healthz`: the results DB and the Dagster instance answer, else 503."""

import logging
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from sigmasight_api.deps import DbDep, InstanceDep
from sigmasight_api.errors import ApiError
from sigmasight_api.schemas.common import ErrorPublic
from sigmasight_resources.db.engine import ping

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


class HealthPublic(BaseModel):
    status: Literal["ok"]
    results_db: Literal["ok"]
    dagster_instance: Literal["ok"]


@router.get("/healthz", response_model=HealthPublic, responses={503: {"model": ErrorPublic}})
def healthz(db: DbDep, instance: InstanceDep) -> HealthPublic:
    try:
        ping(db.engine)
    except SQLAlchemyError as exc:
        raise ApiError(503, "results_db_unavailable", f"results database unreachable: {type(exc).__name__}") from exc
    try:
        instance.get_runs_count()
    except (SQLAlchemyError, OSError) as exc:  # SQLite and dagster-postgres storage both sit on SQLAlchemy
        log.warning("Dagster instance health check failed", exc_info=True)
        raise ApiError(503, "dagster_unavailable", f"Dagster instance unreachable: {type(exc).__name__}") from exc
    return HealthPublic(status="ok", results_db="ok", dagster_instance="ok")
