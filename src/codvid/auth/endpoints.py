from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query

from codvid.api.deps import ClientAddress, StoreDep, envelope
from codvid.api.envelope import AUTH_RESPONSES, ErrorBody
from codvid.api.routing import route
from codvid.auth import service
from codvid.auth.dependencies import AuthDep
from codvid.auth.schemas import Credentials, SignupResponse, TokenResponse, UuidBody, UuidResponse
from codvid.kit.schemas import MessageBody

router = APIRouter(prefix="/auth", tags=["auth"])
THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorBody, "description": "Too many attempts"}
}
CredentialsBody = Annotated[Credentials, envelope(Credentials)]


@route(
    router, "/signup", ["POST"], status_code=201, responses=THROTTLED, summary="Create an account"
)
async def signup(
    credentials: CredentialsBody, store: StoreDep, auth: AuthDep, client: ClientAddress
) -> SignupResponse:
    user_token, user_id = await service.signup(store, auth, credentials, client)
    return SignupResponse(
        token=user_token,
        user_id=user_id,
        response=MessageBody(message="User registered successfully"),
    )


@route(router, "/login", ["POST"], status_code=201, responses=THROTTLED, summary="Log in")
async def login(
    credentials: CredentialsBody, store: StoreDep, auth: AuthDep, client: ClientAddress
) -> TokenResponse:
    user_token, user_id = await service.login(store, auth, credentials, client)
    return TokenResponse(token=user_token, user_id=user_id)


@route(
    router,
    "/get_uuid",
    ["GET"],
    responses={**THROTTLED, **AUTH_RESPONSES, 404: {"model": ErrorBody}},
    summary="A user's id by email, or the caller's own id",
)
async def get_uuid(
    store: StoreDep,
    auth: AuthDep,
    client: ClientAddress,
    email: Annotated[str | None, Query(max_length=254)] = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> UuidResponse:
    uuid = await service.lookup_uuid(store, auth, email, authorization, client)
    return UuidResponse(uuid=uuid, response=UuidBody(uuid=uuid))
