"""Users: what a caller sees of itself, what an admin sends to create one, and the one-time token."""

from pydantic import BaseModel, Field

from sigmasight_api.schemas.common import Timestamp


class UserPublic(BaseModel):
    id: int
    email: str
    is_admin: bool
    created_at: Timestamp


class UserCreate(BaseModel):
    email: str = Field(max_length=320)
    is_admin: bool = False


class UserCreated(UserPublic):
    token: str = Field(description="the API token, shown only in this answer; only its hash is stored")
