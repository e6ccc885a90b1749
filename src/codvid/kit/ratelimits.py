"""Rate limits on the ``limits`` library: how a rate is written, and where the counters
live: in this process (the embedded default) or in Redis when ``CODVID_REDIS_URL`` is set,
so that every process of a deployment counts against the same limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import field_validator

from codvid.kit.settings import SettingsGroup, setting

if TYPE_CHECKING:
    from limits.aio.storage import Storage

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
    """A fresh counter store; Redis through redis-py when configured."""
    from limits.aio.storage import MemoryStorage, RedisStorage

    if settings.redis_url is None:
        return MemoryStorage()
    return RedisStorage(f"async+{settings.redis_url}", implementation="redispy")
