"""Jobs by name on a real taskiq broker: a sender knows only the name, the handler runs
within the worker's limits, and a job nobody handles here is refused."""

from __future__ import annotations

import asyncio

import pytest
from taskiq.exceptions import TaskiqError

from codvid.config import load_settings
from codvid.jobs import queue
from codvid.jobs.broker import QueueUnavailable, build_broker, close_broker
from codvid.jobs.worker import Worker

pytestmark = pytest.mark.anyio


async def test_a_sent_job_reaches_its_handler_through_the_worker() -> None:
    broker = build_broker(load_settings().jobs)
    worker = Worker(concurrency=1, worker_id="w")
    received: list[str] = []
    done = asyncio.Event()

    async def handler(argument: str) -> None:
        received.append(argument)
        done.set()

    queue.handle(broker, "codvid.test.job", handler, worker)
    await broker.startup()
    try:
        await queue.sender(broker, "codvid.test.job")("run-1")
        await asyncio.wait_for(done.wait(), 2)
        assert received == ["run-1"]
    finally:
        await worker.stop()
        await close_broker(broker)


async def test_a_job_without_a_handler_is_refused_by_the_in_process_broker() -> None:
    broker = build_broker(load_settings().jobs)
    await broker.startup()
    try:
        with pytest.raises(QueueUnavailable) as refused:
            await queue.sender(broker, "codvid.test.nobody")("run-1")
        assert isinstance(refused.value.__cause__, TaskiqError)
    finally:
        await close_broker(broker)
