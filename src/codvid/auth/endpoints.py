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
    router,
    "/signup",
    ["POST"],
    status_code=201,
    responses=THROTTLED,
    summary="Create an account",
    description=(
        "Creates an account and logs it in: 201 with `token` (send it as "
        "`Authorization: Bearer <token>`), `user_id` and `response.message` "
        "`User registered successfully`. Public; the body is `Credentials` in the envelope. "
        "A password shorter than the minimum (8 by default) is 400 "
        "`Invalid password: must be at least 8 characters`, an email already in use 400 "
        "`Email is already linked to an account`, a missing field 400 `missing email!` "
        "(likewise `missing auth_type!`, `missing password!`). "
        "Too many signups from one client address, or too many password checks at once, are "
        "429 with `Retry-After`."
    ),
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


@route(
    router,
    "/login",
    ["POST"],
    status_code=201,
    responses=THROTTLED,
    summary="Log in",
    description=(
        "Checks an email and password and answers 201 with a `token` for "
        "`Authorization: Bearer <token>` (valid 30 days by default) and the `user_id`. "
        "Public; the body is `Credentials` in the envelope. An unknown email is 400 "
        "`Email is not linked to an account.`, a wrong password 400 `wrong password.`, a "
        "missing field 400 as for signup. Attempts are throttled per (email, client address), "
        "per email and per client address: over a limit, 429 `Too many attempts, please try "
        "again later` with `Retry-After`; a successful login clears the first count."
    ),
)
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
    description=(
        "With `?email=` it answers the id of the account with that email, as `uuid` and "
        "`response.uuid` (public, throttled per client address: 429 with `Retry-After`); an "
        "unknown email is 404 `User not found`. Without `email` but with a valid "
        "`Authorization: Bearer` token it answers the caller's own id (update 8); a bad token "
        "is 401. With neither it is 400 `Email parameter required`. No body."
    ),
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
