"""Symbols recorded unavailable: list them with since when and whether a re-check is due; clear one (audited)."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response

from sigmasight_api import pagination
from sigmasight_api.deps import AdminUser, DbDep, SessionDep, SettingsDep
from sigmasight_api.errors import ApiError
from sigmasight_api.schemas.audit import UnavailableSymbolEntry
from sigmasight_api.schemas.common import ErrorPublic, Page
from sigmasight_assets.pipeline.vendor import sessions_since
from sigmasight_resources.audit import Action, api_actor, record
from sigmasight_resources.db import unavailable

router = APIRouter(prefix="/admin/symbols/unavailable", tags=["admin"])
Symbol = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9.\-]*$")]


@router.get("", response_model=Page[UnavailableSymbolEntry], responses={422: {"model": ErrorPublic}})
def list_unavailable(
    _: AdminUser,
    session: SessionDep,
    settings: SettingsDep,
    limit: pagination.Limit = 100,
    cursor: pagination.Cursor = None,
) -> Page[UnavailableSymbolEntry]:
    """Every symbol the vendor last answered with no closes, by symbol, paginated."""
    rows = unavailable.page(session, pagination.decode(cursor, str), limit + 1)
    rows, next_cursor = pagination.page(rows, limit, lambda r: r.symbol)
    now = datetime.now(UTC)
    items = []
    for row in rows:
        waited = sessions_since(row.checked_at, now)
        items.append(
            UnavailableSymbolEntry(
                symbol=row.symbol,
                reason=row.reason,
                since=row.since,
                checked_at=row.checked_at,
                sessions_since_check=waited,
                recheck_due=waited >= settings.unavailable_cooloff_sessions,
            )
        )
    return Page(items=items, next_cursor=next_cursor)


@router.delete("/{symbol}", status_code=204, responses={404: {"model": ErrorPublic}, 422: {"model": ErrorPublic}})
def clear_unavailable(symbol: Symbol, admin: AdminUser, db: DbDep) -> Response:
    """Forget the record: the next market_prices run asks the vendor for the symbol. Audited."""
    symbol = symbol.upper()
    with db.transaction() as session:
        row = unavailable.clear(session, symbol)
        if row is None:
            raise ApiError(404, "symbol_not_found", f"symbol {symbol} is not recorded unavailable")
        details = {"reason": row.reason, "since": _iso(row.since), "checked_at": _iso(row.checked_at)}
        record(session, api_actor(admin), Action.UNAVAILABLE_CLEAR, symbol, details)
    return Response(status_code=204)


def _iso(value: datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
