"""Users: what a caller sees of itself, what an admin sends to create one or reissue its token, the one-time token."""

from typing import Annotated

from pydantic import BaseModel, Field

from sigmasight_api.schemas.common import Timestamp
from sigmasight_resources.users import MAX_TOKEN_DAYS

ExpiresInDays = Annotated[
    int | None,
    Field(
        ge=1,
        le=MAX_TOKEN_DAYS,
        description="the token stops working this many days from now (401 `token_expired`); null: no expiry",
    ),
]


class UserPublic(BaseModel):
    id: int
    email: str
    is_admin: bool
    created_at: Timestamp
    token_expires_at: Timestamp | None = Field(
        default=None, description="when the user's token stops working (401 `token_expired`); null: no expiry"
    )


class UserCreate(BaseModel):
    email: str = Field(max_length=320)
    is_admin: bool = False
    expires_in_days: ExpiresInDays = None


class UserCreated(UserPublic):
    token: str = Field(description="the API token, shown only in this answer; only its hash is stored")


class TokenRotate(BaseModel):
    expires_in_days: ExpiresInDays = None


class UserRevoked(UserPublic):
    token_revoked_at: Timestamp = Field(description="since when the user's token gets 401 `token_revoked`")
