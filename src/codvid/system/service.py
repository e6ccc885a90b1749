"""Whether this process can serve: alive (it answers at all) and ready (what it needs
answers in time: the storage, and the broker once there is one between processes)."""

from __future__ import annotations

import asyncio

from codvid.errors import ServiceUnavailable
from codvid.storage import StorageError, Store

CHECK_TIMEOUT = 2.0


async def readiness(store: Store) -> dict[str, str]:
    """Every check by name, ``"ok"``; ServiceUnavailable naming the first that fails."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            await store.ping()
    except (StorageError, TimeoutError) as exc:
        reason = str(exc) or f"no answer within {CHECK_TIMEOUT:g} s"
        raise ServiceUnavailable(f"Not ready: storage: {reason}", retry_after=5) from None
    return {"storage": "ok"}
