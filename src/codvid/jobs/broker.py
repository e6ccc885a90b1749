"""The taskiq broker and the one task it runs: execute a scrape run by id.

The embedded default uses taskiq's in-memory broker, whose "receiver" is the API process
itself. Scaled-out brokers (RabbitMQ, Redis) plug in here in a later version; the task and
everything it calls stay the same.
"""

from __future__ import annotations

from typing import Annotated

from taskiq import AsyncBroker, Context, InMemoryBroker, TaskiqDepends

from codvid.config import Settings
from codvid.errors import ConfigurationError
from codvid.jobs import pipeline
from codvid.jobs.context import JobContext

SCRAPE_TASK = "codvid.jobs.scrape_run"


async def scrape_run(run_id: str, context: Annotated[Context, TaskiqDepends()]) -> None:
    jobs: JobContext = context.state.jobs
    await pipeline.execute(jobs, run_id)


def build_broker(settings: Settings) -> AsyncBroker:
    if settings.broker_url != "memory://":
        raise ConfigurationError(
            "CODVID_BROKER_URL: only memory:// (the in-process broker) is available in this version"
        )
    broker = InMemoryBroker(max_stored_results=1, propagate_exceptions=False)
    broker.register_task(scrape_run, task_name=SCRAPE_TASK)
    return broker


def is_in_process(settings: Settings) -> bool:
    """With the in-process broker this process owns every run: at start, any run left
    active belongs to a process that is gone."""
    return settings.broker_url == "memory://"
