"""The worker role's limits: at most ``concurrency`` jobs at once, and a stop that cancels
running jobs and keeps waiting ones from starting."""

from __future__ import annotations

import asyncio
from functools import partial

import pytest

from codvid.jobs.worker import Worker

pytestmark = pytest.mark.anyio


async def test_at_most_concurrency_jobs_run_at_once() -> None:
    worker = Worker(concurrency=2, worker_id="w")
    running = peak = 0
    release = asyncio.Event()

    async def job() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await release.wait()
        running -= 1

    jobs = [asyncio.create_task(worker.run(job)) for _ in range(5)]
    await asyncio.sleep(0.01)
    assert (running, len(worker.inflight)) == (2, 5)
    release.set()
    await asyncio.wait_for(asyncio.gather(*jobs), 5)
    assert peak == 2 and not worker.inflight


async def test_stop_cancels_running_jobs_and_waiting_ones_never_start() -> None:
    worker = Worker(concurrency=1, worker_id="w")
    started: list[int] = []
    cancelled: list[int] = []

    async def job(number: int) -> None:
        started.append(number)
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.append(number)
            raise

    jobs = [asyncio.create_task(worker.run(partial(job, n))) for n in range(3)]
    await asyncio.sleep(0.01)
    await asyncio.wait_for(worker.stop(), 2)

    assert started == [0] and cancelled == [0]
    assert all(task.done() for task in jobs) and not worker.inflight
    await worker.run(lambda: job(9))  # a job sent after the stop does not start either
    assert started == [0]
