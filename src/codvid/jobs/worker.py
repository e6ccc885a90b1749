"""The worker role of one process: at most ``concurrency`` jobs at once, and a stop that
lets running jobs finish within a grace period, then cancels the rest.

A cancelled job sees ``CancelledError`` where it is, and records why it stopped (the
scrape pipeline does); a job still waiting for a slot when the stop comes does not start
at all, so its work stays queued for the next process to pick up.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any


class Worker:
    def __init__(self, concurrency: int, worker_id: str) -> None:
        self.worker_id = worker_id
        self._slots = asyncio.Semaphore(concurrency)
        self.inflight: set[asyncio.Task[Any]] = set()
        self.stopping = False

    async def run(self, job: Callable[[], Awaitable[None]]) -> None:
        current = asyncio.current_task()
        assert current is not None
        self.inflight.add(current)
        try:
            async with self._slots:
                if not self.stopping:
                    await job()
        except asyncio.CancelledError:
            if not self.stopping:
                raise
            # Cancelled by stop(): the job recorded why it ended; nothing went wrong here.
        finally:
            self.inflight.discard(current)

    async def stop(self, grace: float = 0) -> None:
        self.stopping = True
        running = list(self.inflight)
        if running and grace > 0:
            await asyncio.wait(running, timeout=grace)
        for task in running:
            task.cancel()
        for task in running:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
