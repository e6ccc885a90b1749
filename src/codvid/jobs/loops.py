"""Periodic work (the scheduler role): each loop runs its job, then sleeps its interval.

A failing pass is logged and tried again at the next interval; one bad pass never ends
the loop. ``stop`` cancels every loop and waits until each has ended.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from codvid.kit.cancelling import cancelling

log = logging.getLogger(__name__)


class Loops:
    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[None]] = []

    def every(self, name: str, seconds: float, job: Callable[[], Awaitable[object]]) -> None:
        async def loop() -> None:
            while True:
                try:
                    await job()
                except Exception:
                    if cancelling():  # the error stands for the stop we were asked for
                        raise asyncio.CancelledError() from None
                    log.exception("%s failed; trying again in %g s", name, seconds)
                await asyncio.sleep(seconds)

        self._tasks.append(asyncio.create_task(loop(), name=name))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        # The loops' own ends (cancelled) are expected; a cancellation of ``stop`` itself
        # still reaches its caller.
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
