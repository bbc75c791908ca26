"""`POST /admin/users`: create a user and answer its token once (only the hash is stored)."""

from fastapi import APIRouter
from sqlalchemy.exc import IntegrityError

from sigmasight_api.deps import AdminUser, DbDep
from sigmasight_api.errors import ApiError
from sigmasight_api.schemas.common import ErrorPublic
from sigmasight_api.schemas.users import UserCreate, UserCreated
from sigmasight_resources.users import UserError, UserExistsError, create_user

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post(
    "/users",
    status_code=201,
    response_model=UserCreated,
    responses={409: {"model": ErrorPublic}, 422: {"model": ErrorPublic}},
)
def add_user(body: UserCreate, _: AdminUser, db: DbDep) -> UserCreated:
    try:
        with db.transaction() as session:
            user, token = create_user(session, body.email, is_admin=body.is_admin)
            public = UserCreated(
                id=user.id, email=user.email, is_admin=user.is_admin, created_at=user.created_at, token=token
            )
    except UserExistsError as exc:
        raise ApiError(409, "user_exists", str(exc)) from exc
    except IntegrityError as exc:  # a concurrent request registered the same email between check and insert
        raise ApiError(409, "user_exists", f"a user with email {body.email.strip().lower()} already exists") from exc
    except UserError as exc:
        raise ApiError(422, "invalid_user", str(exc)) from exc
    return public
