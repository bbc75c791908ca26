"""`GET /me`: who the token belongs to, and when it expires (so a client can ask for a new one in time)."""

from fastapi import APIRouter

from sigmasight_api.deps import CurrentUser
from sigmasight_api.schemas.users import UserPublic

router = APIRouter(tags=["me"])


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)
