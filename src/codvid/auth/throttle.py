"""Throttles for credential endpoints, on the ``limits`` library (moving windows)."""

from __future__ import annotations

from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from codvid.auth.settings import AuthSettings
from codvid.errors import TooManyRequests
from codvid.kit.clock import now

MESSAGE = "Too many attempts, please try again later"


@dataclass(frozen=True)
class Throttle:
    """Counts events per key; ``check`` refuses once the window is full."""

    limiter: MovingWindowRateLimiter
    rate: RateLimitItem
    scope: str

    async def check(self, key: str) -> None:
        if not await self.limiter.test(self.rate, self.scope, key):
            stats = await self.limiter.get_window_stats(self.rate, self.scope, key)
            raise TooManyRequests(MESSAGE, retry_after=max(1, int(stats.reset_time - now())))

    async def hit(self, key: str) -> None:
        await self.limiter.hit(self.rate, self.scope, key)


@dataclass(frozen=True)
class Throttles:
    login_email: Throttle
    login_client: Throttle
    signup_client: Throttle


def build_throttles(settings: AuthSettings) -> Throttles:
    """In-process counters: right for the embedded default; a shared store (Redis)
    belongs with the scaled-out setup."""
    limiter = MovingWindowRateLimiter(MemoryStorage())
    return Throttles(
        login_email=Throttle(limiter, parse(settings.login_rate_per_email), "login-email"),
        login_client=Throttle(limiter, parse(settings.login_rate_per_client), "login-client"),
        signup_client=Throttle(limiter, parse(settings.signup_rate_per_client), "signup-client"),
    )
