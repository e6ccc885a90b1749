"""The job machinery of one process, started and stopped with the API (its lifespan)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from taskiq import AsyncBroker

from codvid.config import Settings
from codvid.jobs import scheduler, sweeper
from codvid.jobs.broker import SCRAPE_TASK, build_broker, is_in_process
from codvid.jobs.context import JobContext, build_context
from codvid.storage import Store

log = logging.getLogger(__name__)


class JobRuntime:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.settings = settings
        self.store = store
        self.context: JobContext = build_context(store, settings)
        self.broker: AsyncBroker = build_broker(settings)
        self.broker.state.jobs = self.context
        self._loops: list[asyncio.Task[None]] = []

    async def enqueue(self, run_id: str) -> None:
        task = self.broker.find_task(SCRAPE_TASK)
        assert task is not None
        await task.kiq(run_id)

    async def start(self) -> None:
        await self.broker.startup()
        if is_in_process(self.settings):
            await sweeper.recover(self.store, self.enqueue)
        settings = self.settings
        self._loops.append(
            self._every(
                settings.sweeper_interval,
                lambda: sweeper.sweep(
                    self.store,
                    self.enqueue,
                    settings.stale_after,
                    resend=not is_in_process(settings),
                ),
            )
        )
        if settings.scheduler_enabled:
            self._loops.append(
                self._every(
                    settings.scheduler_interval,
                    lambda: scheduler.schedule_due(
                        self.store, self.enqueue, settings.scheduler_batch
                    ),
                )
            )

    def _every(self, seconds: float, job: Callable[[], Awaitable[object]]) -> asyncio.Task[None]:
        async def loop() -> None:
            while True:
                try:
                    await job()
                except Exception:
                    log.exception("periodic job failed; trying again in %g s", seconds)
                await asyncio.sleep(seconds)

        return asyncio.create_task(loop())

    async def stop(self) -> None:
        """Stop the loops, then the runs in flight (they record why they stopped)."""
        self.context.stopping = True
        for loop in self._loops:
            loop.cancel()
        for task in list(self.context.inflight):
            task.cancel()
        for task in [*self._loops, *self.context.inflight]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.broker.shutdown()
