"""Sign-up, log-in and caller identification. No HTTP here: callers pass the client's
address for throttling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from codvid.auth.passwords import PasswordHashing
from codvid.auth.schemas import Credentials
from codvid.auth.settings import AuthSettings
from codvid.auth.throttle import Throttles, build_throttles
from codvid.auth.tokens import TokenIssuer
from codvid.errors import BadRequest, InvalidCredentials, NotFound, Unauthorized
from codvid.storage import Document, Store
from codvid.users import service as users

if TYPE_CHECKING:
    from limits.aio.storage import Storage

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
    hashing: PasswordHashing
    min_password_length: int

    @classmethod
    def build(
        cls, settings: AuthSettings, secret: str, counters: Storage | None = None
    ) -> AuthContext:
        """``counters``: where the throttles count (see :func:`build_throttles`)."""
        return cls(
            tokens=TokenIssuer(secret, settings.jwt_lifetime_days * 86400),
            throttles=build_throttles(settings, counters),
            hashing=PasswordHashing(settings.password_hash_concurrency),
            min_password_length=settings.min_password_length,
        )


async def signup(
    store: Store, auth: AuthContext, credentials: Credentials, client: str
) -> tuple[str, str]:
    """Create the account and return ``(token, user_id)``: the new user is logged in."""
    await auth.throttles.signup_client.attempt(client)
    if len(credentials.password) < auth.min_password_length:
        raise BadRequest(
            f"Invalid password: must be at least {auth.min_password_length} characters"
        )
    user = await users.create_user(
        store, credentials.email, await auth.hashing.hash(credentials.password)
    )
    return auth.tokens.issue(user["_id"]), user["_id"]


async def login(
    store: Store, auth: AuthContext, credentials: Credentials, client: str
) -> tuple[str, str]:
    """Return ``(token, user_id)``.

    Every attempt is counted before the password is checked, in one atomic step per
    throttle, so parallel guesses cannot all be checked against a limit read before any
    of them was counted. The limits follow OWASP's advice against lock-out: the tight
    one is per (email, client address), and a success clears it; the per-email one,
    across addresses, is higher, so failures from one address never lock the owner out
    of the account from another.
    """
    email = credentials.email
    await auth.throttles.login_client.attempt(client)
    await auth.throttles.login_email.attempt(email)
    await auth.throttles.login_pair.attempt(email, client)
    user = await users.find_by_email(store, email)
    hashed = users.password_hash(user) if user else None
    if not await auth.hashing.verify(hashed, credentials.password) or user is None:
        if user is None:
            raise InvalidCredentials("Email is not linked to an account.")
        raise InvalidCredentials("wrong password.")
    await auth.throttles.login_pair.forget(email, client)
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
    """``get_uuid``: by ``email`` (public, throttled per client address, apart from
    logins), or the caller's own id when a valid token is sent without an email (update 8)."""
    if email is None:
        if authorization:
            return str((await authenticate(store, auth, authorization))["_id"])
        raise EmailRequired()
    await auth.throttles.lookup_client.attempt(client)
    user = await users.find_by_email(store, email.strip().lower())
    if user is None:
        raise UserNotFound()
    return str(user["_id"])
