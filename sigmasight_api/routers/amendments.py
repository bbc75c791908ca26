"""Trades after onboarding: `POST /portfolios/{id}/amendments` exits, marks or adds positions from a CSV.

The work is `sigmasight_assets.amendments.amend_portfolio`, shared with `sigmasight portfolios amend`;
this router only maps its outcome and errors onto HTTP. The recomputation is the daemon's (the close
sensor, after a queued day-level run when new symbols need closes); `status_url` follows it.
"""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from sigmasight_api.deps import CurrentUser, DbDep, InstanceDep, OwnedPortfolio, SettingsDep
from sigmasight_api.errors import ApiError
from sigmasight_api.routers.portfolios import NOT_FOUND, _read_file
from sigmasight_api.schemas.amendments import AmendedPositionPublic, AmendmentAccepted, DayRunPublic
from sigmasight_api.schemas.common import ErrorDetail, ErrorPublic
from sigmasight_assets.amendments import amend_portfolio
from sigmasight_resources.amendments import PortfolioBusyError
from sigmasight_resources.audit import api_actor
from sigmasight_resources.portfolio_import import MAX_IMPORT_BYTES, PortfolioImportError, PortfolioNotFoundError

router = APIRouter(prefix="/portfolios", tags=["portfolios"])


@router.post(
    "/{portfolio_id}/amendments",
    status_code=202,
    response_model=AmendmentAccepted,
    responses={**NOT_FOUND, 409: {"model": ErrorPublic}, 413: {"model": ErrorPublic}, 422: {"model": ErrorPublic}},
)
def amend(
    portfolio: OwnedPortfolio,
    user: CurrentUser,
    db: DbDep,
    instance: InstanceDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description=f"CSV with the import's columns, at most {MAX_IMPORT_BYTES} bytes")],
) -> AmendmentAccepted:
    """Exit, mark or add positions all-or-nothing; 422 lists every problem with its line and field.

    A row whose symbol and entry date match an open position sets its exit or (PRIVATE) its mark; any
    other row adds a position. Results from the earliest day touched are deleted at once and recomputed
    by the daemon. Owner or admin; 409 while a run writing the portfolio is queued or in progress.
    """
    data = _read_file(file)
    try:
        amended = amend_portfolio(db, instance, settings, portfolio.id, data, api_actor(user))
    except PortfolioImportError as exc:
        raise _rejected(exc) from exc
    except PortfolioBusyError as exc:
        raise ApiError(409, "portfolio_busy", str(exc)) from exc
    except PortfolioNotFoundError as exc:  # deleted since the ownership check
        raise ApiError(404, "portfolio_not_found", f"portfolio {portfolio.id} not found") from exc
    result, run = amended.result, amended.day_run
    return AmendmentAccepted(
        portfolio_id=portfolio.id,
        added=result.count("add"),
        exited=result.count("exit"),
        marked=result.count("mark"),
        changes=[
            AmendedPositionPublic(line=c.line, action=c.action, position_id=c.position_id, symbol=c.symbol)
            for c in result.changes
        ],
        recompute_from=result.earliest,
        rows_deleted=sum(result.deleted.values()),
        day_run=None if run is None else DayRunPublic(run_id=run.run_id, start=run.start, end=run.end),
        status_url=f"/api/v1/portfolios/{portfolio.id}/onboarding",
    )


def _rejected(exc: PortfolioImportError) -> ApiError:
    details = [ErrorDetail(line=p.line, field=p.field, message=p.message) for p in exc.problems]
    return ApiError(
        422, "invalid_import", f"{len(exc.problems)} problem(s) in the amendment; nothing was written", details
    )
