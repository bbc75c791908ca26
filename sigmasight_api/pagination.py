"""Keyset pagination: `limit` and an opaque `cursor` holding the last key of the previous page.

Keyset, not offset, so a page is one indexed range scan however deep the client pages.
"""

import base64
import binascii
import json
from typing import Annotated, Any

from fastapi import Query

from sigmasight_api.errors import ApiError

MAX_LIMIT = 500

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
Cursor = Annotated[str | None, Query(max_length=512, description="`next_cursor` of the previous page")]


def encode(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str | None, kind: type) -> Any:
    """The key inside `cursor` (None for the first page); 422 `invalid_cursor` when it was not ours."""
    if cursor is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    if not isinstance(key, kind) or isinstance(key, bool):
        raise invalid()
    return key


def invalid() -> ApiError:
    return ApiError(422, "invalid_cursor", "cursor is not one this API returned")


def page(rows: list, limit: int, key) -> tuple[list, str | None]:
    """Split `limit + 1` fetched rows into the page and the cursor of the next one."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode(key(rows[-1]))
    return rows, None
