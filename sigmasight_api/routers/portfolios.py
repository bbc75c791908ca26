"""Portfolios: list, read, change settings, soft-delete, upload a positions CSV, record cash flows, poll onboarding."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile

from sigmasight_api import pagination
from sigmasight_api.deps import CurrentUser, DbDep, InstanceDep, OwnedPortfolio, SessionDep
from sigmasight_api.errors import ApiError
from sigmasight_api.onboarding import onboarding_status
from sigmasight_api.schemas.common import ErrorDetail, ErrorPublic, Page
from sigmasight_api.schemas.portfolios import (
    CashFlowPublic,
    CashFlowsCreated,
    OnboardingPublic,
    PortfolioCreated,
    PortfolioPublic,
    PortfolioUpdate,
)
from sigmasight_resources.cash_flows import add_cash_flows, list_cash_flows, parse_cash_flows
from sigmasight_resources.db.models import CashFlow, Portfolio, User
from sigmasight_resources.db.queries import active_portfolios_page, position_counts
from sigmasight_resources.portfolio_import import (
    MAX_IMPORT_BYTES,
    MAX_NAME_LENGTH,
    MAX_SYMBOL_LENGTH,
    PortfolioImportError,
    PortfolioNameTakenError,
    PortfolioNotFoundError,
    benchmark_of,
    create_portfolio,
    delete_portfolio,
    set_benchmark,
    validate_import,
)

router = APIRouter(prefix="/portfolios", tags=["portfolios"])
NOT_FOUND = {404: {"model": ErrorPublic}}


def _public(session, portfolios: list[Portfolio]) -> list[PortfolioPublic]:
    """Portfolios with their position counts, in one query for the whole page."""
    counts = position_counts(session, [p.id for p in portfolios])
    return [
        PortfolioPublic(
            id=p.id,
            name=p.name,
            owner_id=p.owner_id,
            positions=counts.get(p.id, 0),
            inception_equity=p.inception_equity,
            benchmark=benchmark_of(p),
            created_at=p.created_at,
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


@router.patch("/{portfolio_id}", response_model=PortfolioPublic, responses={**NOT_FOUND, 422: {"model": ErrorPublic}})
def update_portfolio(portfolio: OwnedPortfolio, db: DbDep, update: PortfolioUpdate) -> PortfolioPublic:
    """Change the portfolio's settings (the benchmark); 422 `validation_error` naming the field, nothing written.

    Stored results keep the benchmark they were computed with until their days are recomputed (a forced run).
    """
    try:
        with db.transaction() as session:
            if "benchmark" in update.model_fields_set:
                set_benchmark(session, portfolio.id, update.benchmark)
            return _public(session, [session.get(Portfolio, portfolio.id)])[0]
    except PortfolioImportError as exc:
        raise ApiError(422, "validation_error", "the request is invalid", _details(exc)) from exc
    except PortfolioNotFoundError as exc:  # deleted since the ownership check
        raise ApiError(404, "portfolio_not_found", f"portfolio {portfolio.id} not found") from exc


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
    equity: Annotated[
        float | None, Form(description="inception equity: the cash the portfolio starts with, > 0")
    ] = None,
    benchmark: Annotated[
        str | None,
        Form(max_length=MAX_SYMBOL_LENGTH, description="the ticker tracking error is measured against; default SPY"),
    ] = None,
) -> PortfolioCreated:
    """Import a positions CSV all-or-nothing; 422 lists every problem with its line and field."""
    data = _read_file(file)
    try:
        clean, specs = validate_import(data, name, today=date.today(), equity=equity, benchmark=benchmark)
        with db.transaction() as session:
            portfolio = create_portfolio(
                session, session.get(User, user.id), clean, specs, inception_equity=equity, benchmark=benchmark
            )
            created = PortfolioCreated(
                id=portfolio.id,
                name=portfolio.name,
                positions=len(specs),
                inception_equity=portfolio.inception_equity,
                benchmark=benchmark_of(portfolio),
                status_url=f"/api/v1/portfolios/{portfolio.id}/onboarding",
            )
    except PortfolioNameTakenError as exc:
        raise ApiError(409, "portfolio_name_taken", str(exc), _details(exc)) from exc
    except PortfolioImportError as exc:
        raise _invalid(exc) from exc
    response.headers["Location"] = f"/api/v1/portfolios/{created.id}"
    return created


def _read_file(file: UploadFile) -> bytes:
    """The upload's bytes; 413 over the import limit."""
    data = file.file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ApiError(413, "payload_too_large", f"the file is over the {MAX_IMPORT_BYTES:,}-byte limit")
    return data


def _invalid(exc: PortfolioImportError) -> ApiError:
    return ApiError(
        422, "invalid_import", f"{len(exc.problems)} problem(s) in the import; nothing was written", _details(exc)
    )


def _details(exc: PortfolioImportError) -> list[ErrorDetail]:
    return [ErrorDetail(line=p.line, field=p.field, message=p.message) for p in exc.problems]


def _flow(row: CashFlow) -> CashFlowPublic:
    return CashFlowPublic(id=row.id, date=row.flow_date, amount=row.amount, created_at=row.created_at)


@router.post(
    "/{portfolio_id}/cash-flows",
    status_code=201,
    response_model=CashFlowsCreated,
    responses={**NOT_FOUND, 413: {"model": ErrorPublic}, 422: {"model": ErrorPublic}},
)
def record_cash_flows(
    portfolio: OwnedPortfolio,
    db: DbDep,
    file: Annotated[UploadFile, File(description=f"cash-flow CSV (date,amount), at most {MAX_IMPORT_BYTES} bytes")],
) -> CashFlowsCreated:
    """Record deposits (> 0) and withdrawals (< 0) all-or-nothing; 422 lists every problem with its line and field.

    Stored results change from a flow's date on once the portfolio's days are recomputed (a forced portfolio run).
    """
    data = _read_file(file)
    try:
        flows = parse_cash_flows(data, today=date.today())
    except PortfolioImportError as exc:
        raise _invalid(exc) from exc
    try:
        with db.transaction() as session:
            items = [_flow(row) for row in add_cash_flows(session, portfolio.id, flows)]
    except PortfolioNotFoundError as exc:  # deleted since the ownership check
        raise ApiError(404, "portfolio_not_found", f"portfolio {portfolio.id} not found") from exc
    return CashFlowsCreated(portfolio_id=portfolio.id, count=len(items), items=items)


@router.get(
    "/{portfolio_id}/cash-flows",
    response_model=Page[CashFlowPublic],
    responses={**NOT_FOUND, 422: {"model": ErrorPublic}},
)
def cash_flows(
    session: SessionDep, portfolio: OwnedPortfolio, limit: pagination.Limit = 100, cursor: pagination.Cursor = None
) -> Page[CashFlowPublic]:
    """The portfolio's cash flows in the order they were recorded."""
    after = pagination.decode(cursor, int)
    rows, next_cursor = pagination.page(list_cash_flows(session, portfolio.id, after, limit + 1), limit, lambda r: r.id)
    return Page(items=[_flow(row) for row in rows], next_cursor=next_cursor)


@router.get("/{portfolio_id}/onboarding", response_model=OnboardingPublic, responses=NOT_FOUND)
def onboarding(portfolio: OwnedPortfolio, instance: InstanceDep, session: SessionDep) -> OnboardingPublic:
    """Status of the runs that compute this portfolio (Dagster instance) and the days it has results for."""
    return onboarding_status(instance, session, portfolio.id)
