"""Jobs by name on a taskiq broker: sending from any role, executing in the worker role.

A sender only needs the job's name, so a process that never executes a job (an API
process beside separate workers) imports nothing of the code that does.
"""

from __future__ import annotations

import logging

import stamina
from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

from codvid.jobs.broker import CONNECT_TIMEOUT, QueueUnavailable
from codvid.jobs.ports import Enqueue, Handler
from codvid.jobs.worker import Worker

log = logging.getLogger(__name__)
SEND_ATTEMPTS = 5
"""A send that fails is tried again after pauses that double from 0.1 s, each with up to
1 s of jitter (stamina's default), all within :data:`~codvid.jobs.broker.CONNECT_TIMEOUT`:
the first uses of a connection after the broker restarted fail while the client
reconnects. Sending a job twice is harmless (delivery is at least once anyway)."""


def sender(broker: AsyncBroker, name: str) -> Enqueue:
    kicker: AsyncKicker[[str], None] = AsyncKicker(task_name=name, broker=broker, labels={})

    async def enqueue(argument: str) -> None:
        try:
            async for attempt in stamina.retry_context(
                on=Exception,
                attempts=SEND_ATTEMPTS,
                timeout=CONNECT_TIMEOUT,
                wait_initial=0.1,
                wait_max=1.0,
            ):
                with attempt:
                    await kicker.kiq(argument)
        except Exception as exc:
            # The driver's text may name hosts and credentials: logged, never answered.
            log.warning("job %s(%s) not sent: %s: %s", name, argument, type(exc).__name__, exc)
            raise QueueUnavailable() from exc

    return enqueue


def handle(broker: AsyncBroker, name: str, handler: Handler, worker: Worker) -> None:
    """Execute the job ``name`` with ``handler``, within the limits of ``worker``."""

    async def execute(argument: str) -> None:
        await worker.run(lambda: handler(argument))

    broker.register_task(execute, task_name=name)
