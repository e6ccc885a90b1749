"""Sign-up, log-in and caller identification. No HTTP here: callers pass the client's
address for throttling."""

from __future__ import annotations

from dataclasses import dataclass

from codvid.auth.passwords import hash_password, verify_password
from codvid.auth.schemas import Credentials
from codvid.auth.settings import AuthSettings
from codvid.auth.throttle import Throttles, build_throttles
from codvid.auth.tokens import TokenIssuer
from codvid.errors import BadRequest, InvalidCredentials, NotFound, Unauthorized
from codvid.storage import Document, Store
from codvid.users import service as users

MISSING_TOKEN = "Unauthorized: missing session token while accessing non-public routes"


class EmailRequired(BadRequest):
    legacy_key = True
    message = "Email parameter required"


class UserNotFound(NotFound):
    legacy_key = True
    message = "User not found"


@dataclass(frozen=True)
class AuthContext:
    """What the auth services need besides the store; built once at start."""

    tokens: TokenIssuer
    throttles: Throttles
    min_password_length: int

    @classmethod
    def build(cls, settings: AuthSettings, secret: str) -> AuthContext:
        return cls(
            tokens=TokenIssuer(secret, settings.jwt_lifetime_days * 86400),
            throttles=build_throttles(settings),
            min_password_length=settings.min_password_length,
        )


async def signup(
    store: Store, auth: AuthContext, credentials: Credentials, client: str
) -> tuple[str, str]:
    """Create the account and return ``(token, user_id)``: the new user is logged in."""
    await auth.throttles.signup_client.check(client)
    await auth.throttles.signup_client.hit(client)
    if len(credentials.password) < auth.min_password_length:
        raise BadRequest(
            f"Invalid password: must be at least {auth.min_password_length} characters"
        )
    user = await users.create_user(
        store, credentials.email, await hash_password(credentials.password)
    )
    return auth.tokens.issue(user["_id"]), user["_id"]


async def login(
    store: Store, auth: AuthContext, credentials: Credentials, client: str
) -> tuple[str, str]:
    """Return ``(token, user_id)``. Only failures count towards the throttles, so a user
    who types the password right is never locked out by their own successes."""
    await auth.throttles.login_client.check(client)
    await auth.throttles.login_email.check(credentials.email)
    user = await users.find_by_email(store, credentials.email)
    valid = await verify_password(users.password_hash(user) if user else None, credentials.password)
    if user is None or not valid:
        await auth.throttles.login_client.hit(client)
        await auth.throttles.login_email.hit(credentials.email)
        if user is None:
            raise InvalidCredentials("Email is not linked to an account.")
        raise InvalidCredentials("wrong password.")
    return auth.tokens.issue(user["_id"]), user["_id"]


async def authenticate(store: Store, auth: AuthContext, authorization: str | None) -> Document:
    """The user behind an ``Authorization: Bearer`` header, or 401."""
    if not authorization:
        raise Unauthorized(MISSING_TOKEN)
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    # What requests use of the caller: the id, and the notes the assistant reads.
    user = await users.get_user(store, auth.tokens.user_id(token.strip()), ["global_data"])
    if user is None:
        raise Unauthorized()
    return user


async def lookup_uuid(
    store: Store, auth: AuthContext, email: str | None, authorization: str | None, client: str
) -> str:
    """``get_uuid``: by ``email`` (public, throttled like login), or the caller's own id
    when a valid token is sent without an email (update 8)."""
    if email is None:
        if authorization:
            return str((await authenticate(store, auth, authorization))["_id"])
        raise EmailRequired()
    await auth.throttles.login_client.check(client)
    await auth.throttles.login_client.hit(client)
    user = await users.find_by_email(store, email.strip().lower())
    if user is None:
        raise UserNotFound()
    return str(user["_id"])
