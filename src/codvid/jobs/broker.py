"""The taskiq broker named by ``CODVID_BROKER_URL``.

The embedded default is taskiq's in-memory broker: a job sent is executed by this very
process, so a process that sends with it must also be a worker. Brokers between processes
(RabbitMQ, Redis) plug in here; the jobs and everything they call stay the same.
"""

from __future__ import annotations

from taskiq import AsyncBroker, InMemoryBroker

from codvid.errors import ConfigurationError
from codvid.jobs.settings import JobSettings

IN_PROCESS = "memory://"


def build_broker(settings: JobSettings) -> AsyncBroker:
    """The broker ``broker_url`` names (the settings allow only the in-process one in this
    version)."""
    if not is_in_process(settings):
        raise ConfigurationError(f"CODVID_BROKER_URL {settings.broker_url}: not available")
    return InMemoryBroker(max_stored_results=1, propagate_exceptions=False)


async def close_broker(broker: AsyncBroker) -> None:
    """Shut the broker down once the jobs it started in this process have ended (the
    worker cancelled the running ones; those not started yet end at once)."""
    if isinstance(broker, InMemoryBroker):
        await broker.wait_all()
    await broker.shutdown()


def is_in_process(settings: JobSettings) -> bool:
    return settings.broker_url == IN_PROCESS
