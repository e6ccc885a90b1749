"""Rate limits on the ``limits`` library: how a rate is written, and where the counters
live: in this process (the embedded default) or in Redis when ``CODVID_REDIS_URL`` is set,
so that every process of a deployment counts against the same limits."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from pydantic import field_validator

from codvid.kit.settings import SettingsGroup, setting

if TYPE_CHECKING:
    from limits.aio.storage import Storage
    from redis.asyncio import ConnectionPool

RATE_LIMIT_HELP = "a rate such as '10/minute' or '100 per hour'"


def check_rate(value: str) -> str:
    """``value`` if ``limits`` can parse it, else ValueError in the settings' words."""
    from limits import parse

    try:
        parse(value)
    except ValueError as exc:
        raise ValueError(f"must be {RATE_LIMIT_HELP}") from exc
    return value


class CounterSettings(SettingsGroup):
    redis_url: str | None = setting("REDIS_URL", None)
    """``redis://host:port/db``: shared counters for every process; unset: per process."""

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://")):
            raise ValueError("must be a redis:// or rediss:// URL")
        return value


def counter_storage(settings: CounterSettings) -> Storage:
    """A fresh counter store; Redis through redis-py when configured (its connections are
    released by :func:`close_counter_storage`)."""
    from limits.aio.storage import MemoryStorage, RedisStorage
    from redis.asyncio import ConnectionPool

    if settings.redis_url is None:
        return MemoryStorage()
    pool = ConnectionPool.from_url(settings.redis_url)
    # The pool is ours, so that it can be closed; limits passes it on to redis-py.
    options: dict[str, Any] = {"connection_pool": pool}
    storage = RedisStorage(f"async+{settings.redis_url}", implementation="redispy", **options)
    _POOLS[storage] = pool
    return storage


_POOLS: weakref.WeakKeyDictionary[Storage, ConnectionPool] = weakref.WeakKeyDictionary()
"""The connection pool of each Redis counter store this process opened."""


async def close_counter_storage(storage: Storage) -> None:
    """Release what :func:`counter_storage` opened (nothing for memory counters)."""
    pool = _POOLS.pop(storage, None)
    if pool is not None:
        await pool.aclose()
