"""With CODVID_REDIS_URL, the login throttles of every process count together."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from codvid.auth.throttle import build_throttles
from codvid.errors import TooManyRequests
from codvid.kit.ratelimits import close_counter_storage, counter_storage
from tests.conftest import MakeSettings

pytestmark = pytest.mark.anyio

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def two_processes(make_settings: MakeSettings) -> AsyncIterator[list[Any]]:
    """The counters of two processes on one Redis, each with its own connections."""
    settings = make_settings(redis_url=REDIS_URL, login_rate_per_email="2/minute")
    storages = [counter_storage(settings.counters) for _ in range(2)]
    try:
        try:
            await storages[0].check()
        except Exception as exc:
            pytest.skip(f"Redis is not reachable at {REDIS_URL} ({type(exc).__name__})")
        yield [build_throttles(settings.auth, storage) for storage in storages]
    finally:
        for storage in storages:
            await close_counter_storage(storage)


async def test_attempts_in_one_process_count_in_the_other(two_processes: list[Any]) -> None:
    first, second = two_processes
    email = f"{uuid.uuid4().hex}@example.com"  # nothing left over from another run counts
    await first.login_email.attempt(email)
    await second.login_email.attempt(email)
    with pytest.raises(TooManyRequests):
        await first.login_email.attempt(email)
    with pytest.raises(TooManyRequests):
        await second.login_email.attempt(email)
    await first.login_email.forget(email)
    await second.login_email.attempt(email)  # forgotten for both


async def test_without_redis_each_process_counts_alone(make_settings: MakeSettings) -> None:
    settings = make_settings(login_rate_per_email="1/minute")
    first, second = (build_throttles(settings.auth) for _ in range(2))
    await first.login_email.attempt("a@example.com")
    await second.login_email.attempt("a@example.com")
    with pytest.raises(TooManyRequests):
        await first.login_email.attempt("a@example.com")
