"""Portfolios: list, read, soft-delete, upload a positions CSV, and poll its onboarding status."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile

from sigmasight_api import pagination
from sigmasight_api.deps import CurrentUser, DbDep, InstanceDep, OwnedPortfolio, SessionDep
from sigmasight_api.errors import ApiError
from sigmasight_api.onboarding import onboarding_status
from sigmasight_api.schemas.common import ErrorDetail, ErrorPublic, Page
from sigmasight_api.schemas.portfolios import OnboardingPublic, PortfolioCreated, PortfolioPublic
from sigmasight_resources.db.models import Portfolio, User
from sigmasight_resources.db.queries import active_portfolios_page, position_totals
from sigmasight_resources.portfolio_import import (
    MAX_IMPORT_BYTES,
    MAX_NAME_LENGTH,
    PortfolioImportError,
    PortfolioNameTakenError,
    create_portfolio,
    delete_portfolio,
    validate_import,
)

router = APIRouter(prefix="/portfolios", tags=["portfolios"])
NOT_FOUND = {404: {"model": ErrorPublic}}


def _public(session, portfolios: list[Portfolio]) -> list[PortfolioPublic]:
    """Portfolios with their position counts, in one query for the whole page."""
    counts = position_totals(session, [p.id for p in portfolios])
    return [
        PortfolioPublic(
            id=p.id, name=p.name, owner_id=p.owner_id, positions=counts.get(p.id, 0), created_at=p.created_at
        )
        for p in portfolios
    ]


@router.get("", response_model=Page[PortfolioPublic])
def list_portfolios(
    session: SessionDep, user: CurrentUser, limit: pagination.Limit = 100, cursor: pagination.Cursor = None
) -> Page[PortfolioPublic]:
    """The caller's active portfolios (every active one for an admin), by id."""
    after = pagination.decode(cursor, int)
    fetched = active_portfolios_page(session, None if user.is_admin else user.id, after, limit + 1)
    rows, next_cursor = pagination.page(fetched, limit, lambda p: p.id)
    return Page(items=_public(session, rows), next_cursor=next_cursor)


@router.get("/{portfolio_id}", response_model=PortfolioPublic, responses=NOT_FOUND)
def get_portfolio(session: SessionDep, portfolio: OwnedPortfolio) -> PortfolioPublic:
    return _public(session, [portfolio])[0]


@router.delete("/{portfolio_id}", status_code=204, response_class=Response, responses=NOT_FOUND)
def remove_portfolio(portfolio: OwnedPortfolio, db: DbDep) -> Response:
    """Soft delete: the portfolio disappears from reads and runs; its stored results stay."""
    with db.transaction() as session:
        delete_portfolio(session, portfolio.id)
    return Response(status_code=204)


@router.post(
    "",
    status_code=201,
    response_model=PortfolioCreated,
    responses={409: {"model": ErrorPublic}, 413: {"model": ErrorPublic}, 422: {"model": ErrorPublic}},
)
def upload_portfolio(
    response: Response,
    user: CurrentUser,
    db: DbDep,
    name: Annotated[str, Form(max_length=MAX_NAME_LENGTH * 4)],
    file: Annotated[UploadFile, File(description=f"positions CSV, at most {MAX_IMPORT_BYTES} bytes")],
) -> PortfolioCreated:
    """Import a positions CSV all-or-nothing; 422 lists every problem with its line and field."""
    data = file.file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ApiError(413, "payload_too_large", f"the file is over the {MAX_IMPORT_BYTES:,}-byte limit")
    try:
        clean, specs = validate_import(data, name, today=date.today())
        with db.transaction() as session:
            portfolio = create_portfolio(session, session.get(User, user.id), clean, specs)
            created = PortfolioCreated(
                id=portfolio.id,
                name=portfolio.name,
                positions=len(specs),
                status_url=f"/api/v1/portfolios/{portfolio.id}/onboarding",
            )
    except PortfolioNameTakenError as exc:
        raise ApiError(409, "portfolio_name_taken", str(exc), _details(exc)) from exc
    except PortfolioImportError as exc:
        raise ApiError(
            422, "invalid_import", f"{len(exc.problems)} problem(s) in the import; nothing was written", _details(exc)
        ) from exc
    response.headers["Location"] = f"/api/v1/portfolios/{created.id}"
    return created


def _details(exc: PortfolioImportError) -> list[ErrorDetail]:
    return [ErrorDetail(line=p.line, field=p.field, message=p.message) for p in exc.problems]


@router.get("/{portfolio_id}/onboarding", response_model=OnboardingPublic, responses=NOT_FOUND)
def onboarding(portfolio: OwnedPortfolio, instance: InstanceDep, session: SessionDep) -> OnboardingPublic:
    """Status of the runs that compute this portfolio (Dagster instance) and the days it has results for."""
    return onboarding_status(instance, session, portfolio.id)
