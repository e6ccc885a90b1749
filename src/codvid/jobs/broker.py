"""The taskiq broker named by ``CODVID_BROKER_URL``.

* ``memory://`` (the embedded default): taskiq's in-memory broker; a job sent is executed
  by this very process, so a process that sends with it must also be a worker.
* ``amqp://`` (RabbitMQ, taskiq-aio-pika): one durable quorum queue; a job is acked after
  it ran, so a worker that dies holding it hands it back; after ``delivery_limit``
  deliveries it goes to the dead-letter queue ``<queue>.dead`` instead of killing worker
  after worker. The queue holds at most ``broker_max_queued`` jobs; a send beyond that
  fails.
* ``redis://`` (Redis streams, taskiq-redis): one stream read by one consumer group; a
  job is acked after it ran, and one a dead worker held is claimed by another after
  :data:`REDIS_RECLAIM_AFTER`. The stream is trimmed to about ``broker_max_queued``.

Whatever the broker, delivery is at least once and the run record, not the queue, says
what happened: a run executes only if it moves from queued to processing, and a run
whose message was lost (a broker that keeps nothing on disk restarted) is sent again by
the sweeper. The jobs and everything they call stay the same on every broker.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from typing import Any

from redis.exceptions import ResponseError
from taskiq import AckableMessage, AsyncBroker, InMemoryBroker
from taskiq_aio_pika import AioPikaBroker, Exchange, Queue, QueueType
from taskiq_redis import RedisStreamBroker

from codvid.errors import CodvidError
from codvid.jobs.settings import JobSettings, is_in_process

CONNECT_TIMEOUT = 10.0
"""Seconds to reach the broker before the process gives up (at start) or a send fails."""
RECONNECT_INTERVAL = 1.0
"""Seconds between attempts to reach RabbitMQ again after it dropped the connection."""
REDIS_BLOCK_MS = 2000
"""How long one read of the Redis stream waits for a job."""
REDIS_RECLAIM_AFTER = 60.0
"""Seconds after which a job that a Redis consumer took but did not ack (its worker died)
is taken by another consumer. A live worker running it longer makes the second delivery
find the run no longer queued, which does nothing."""


class QueueUnavailable(CodvidError):
    """The broker cannot be reached (or refused the job); the run is not lost: its record
    stays queued and the sweeper sends it again."""

    message = "the job queue cannot be reached"


def build_broker(settings: JobSettings, *, consumer: bool = False) -> AsyncBroker:
    """The broker ``broker_url`` names; ``consumer``: this process takes jobs from it (a
    worker beside a broker between processes)."""
    url = settings.broker_url
    broker: AsyncBroker
    if is_in_process(settings):
        return InMemoryBroker(max_stored_results=1, propagate_exceptions=False)
    if url.startswith(("amqp://", "amqps://")):
        broker = _rabbitmq(settings)
    else:
        broker = _RedisStreams(
            url,
            queue_name=settings.broker_queue,
            consumer_group_name=f"{settings.broker_queue}.workers",
            xread_block=REDIS_BLOCK_MS,
            xread_count=settings.concurrency,
            maxlen=settings.broker_max_queued,
            idle_timeout=int(REDIS_RECLAIM_AFTER * 1000),
            unacknowledged_batch_size=settings.concurrency,
            unacknowledged_lock_timeout=CONNECT_TIMEOUT,
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=REDIS_BLOCK_MS / 1000 + CONNECT_TIMEOUT,
        )
    broker.is_worker_process = consumer
    return broker


def _rabbitmq(settings: JobSettings) -> AioPikaBroker:
    name = settings.broker_queue
    arguments: dict[str, Any] = {
        "x-delivery-limit": settings.delivery_limit,
        "x-max-length": settings.broker_max_queued,
        "x-overflow": "reject-publish",
    }
    return AioPikaBroker(
        settings.broker_url,
        qos=settings.concurrency,
        exchange=Exchange(name=name),
        task_queues=[Queue(name=name, type=QueueType.QUORUM, arguments=arguments)],
        dead_letter_queue=Queue(name=f"{name}.dead", type=QueueType.QUORUM),
        timeout=CONNECT_TIMEOUT,
        reconnect_interval=RECONNECT_INTERVAL,
    )


class _RedisStreams(RedisStreamBroker):
    """A Redis stream whose consumer group comes back after the server lost it (a Redis
    that keeps nothing on disk restarted): its jobs are gone, but the sweeper sends the
    runs again, and this takes them."""

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        while True:
            try:
                async for message in super().listen():
                    yield message
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                await self._declare_consumer_group()


DRIVER_LOGGERS = ("aiormq", "aio_pika")
"""They log each failed connection attempt; at start the one line of QueueUnavailable says
it instead."""


async def open_broker(broker: AsyncBroker) -> None:
    """Connect; :class:`QueueUnavailable` (without the driver's text, which may name hosts
    and credentials) if the broker cannot be reached."""
    loggers = [logging.getLogger(name) for name in DRIVER_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        await broker.startup()
    except Exception as exc:
        await close_broker(broker)
        raise QueueUnavailable() from exc
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


async def close_broker(broker: AsyncBroker) -> None:
    """Shut the broker down once the jobs it started in this process have ended (the
    worker cancelled the running ones; those not started yet end at once)."""
    if isinstance(broker, InMemoryBroker):
        await broker.wait_all()
    await broker.shutdown()
