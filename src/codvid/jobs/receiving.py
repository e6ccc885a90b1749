"""The worker role beside a broker between processes: take jobs from the queue, at most
``concurrency`` at once, each acked once it ran.

A broker that drops the connection (restarted, a network fault) ends the listening; it
starts again after a pause that doubles up to :data:`MAX_PAUSE`, so a worker outlives
its broker's restarts. On stop, no job is taken any more, the running ones get the
worker's grace period, and the jobs taken but not started go back to the queue (they
were never acked).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from taskiq import AsyncBroker
from taskiq.acks import AcknowledgeType
from taskiq.receiver import Receiver

from codvid.jobs.settings import JobSettings
from codvid.jobs.worker import Worker

log = logging.getLogger(__name__)
FIRST_PAUSE = 0.5
MAX_PAUSE = 30.0


class Receiving:
    def __init__(self, broker: AsyncBroker, worker: Worker, settings: JobSettings) -> None:
        self._worker = worker
        self._grace = settings.shutdown_grace
        self._receiver = Receiver(
            broker,
            max_async_tasks=settings.concurrency,
            max_prefetch=0,
            propagate_exceptions=False,
            run_startup=False,
            ack_type=AcknowledgeType.WHEN_EXECUTED,
            wait_tasks_timeout=settings.shutdown_grace + 1,
        )
        self._finish = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="receiver")

    async def _listen(self) -> None:
        pause = FIRST_PAUSE
        loop = asyncio.get_running_loop()
        while not self._finish.is_set():
            began = loop.time()
            try:
                await self._receiver.listen(self._finish)
                cause = "the connection ended"
            except Exception as exc:
                cause = f"{type(exc).__name__}"
            if self._finish.is_set():
                return
            if loop.time() - began > MAX_PAUSE:
                pause = FIRST_PAUSE  # it had been working: this is a new fault
            log.warning("the job queue failed (%s); listening again in %g s", cause, pause)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._finish.wait(), timeout=pause)
            pause = min(MAX_PAUSE, pause * 2)

    async def stop(self) -> None:
        """Take no more jobs; let the running ones finish within the grace period."""
        self._finish.set()
        await self._worker.stop(self._grace)
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=self._grace + 5)
            except TimeoutError:
                log.warning("the job queue's listener did not stop in time")
