"""Throttles for credential endpoints, on the ``limits`` library (moving windows)."""

from __future__ import annotations

from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from codvid.auth.settings import AuthSettings
from codvid.errors import TooManyRequests
from codvid.kit.clock import now

MESSAGE = "Too many attempts, please try again later"


@dataclass(frozen=True)
class Throttle:
    """Counts attempts per key in a moving window."""

    limiter: MovingWindowRateLimiter
    rate: RateLimitItem
    scope: str

    async def attempt(self, *key: str) -> None:
        """Count one attempt, in one atomic step (so parallel attempts cannot all slip
        under the limit), or refuse it with 429 when the window is full; a refused
        attempt is not counted."""
        if not await self.limiter.hit(self.rate, self.scope, *key):
            stats = await self.limiter.get_window_stats(self.rate, self.scope, *key)
            raise TooManyRequests(MESSAGE, retry_after=max(1, int(stats.reset_time - now())))

    async def forget(self, *key: str) -> None:
        await self.limiter.clear(self.rate, self.scope, *key)


@dataclass(frozen=True)
class Throttles:
    login_pair: Throttle
    login_email: Throttle
    login_client: Throttle
    lookup_client: Throttle
    signup_client: Throttle


def build_throttles(settings: AuthSettings, counters: Storage | None = None) -> Throttles:
    """Throttles counting in ``counters``: the process's memory by default (the embedded
    default), Redis when the processes of a deployment must share them."""
    limiter = MovingWindowRateLimiter(counters or MemoryStorage())

    def throttle(rate: str, scope: str) -> Throttle:
        return Throttle(limiter, parse(rate), f"codvid-auth:{scope}")

    return Throttles(
        login_pair=throttle(settings.login_rate_per_email_client, "login-pair"),
        login_email=throttle(settings.login_rate_per_email, "login-email"),
        login_client=throttle(settings.login_rate_per_client, "login-client"),
        lookup_client=throttle(settings.lookup_rate_per_client, "lookup-client"),
        signup_client=throttle(settings.signup_rate_per_client, "signup-client"),
    )
