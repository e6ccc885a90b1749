"""The job queue, the workers that execute runs, and the periodic loops."""

from __future__ import annotations

from typing import Self

from pydantic import field_validator, model_validator

from codvid.kit.settings import SettingsGroup, setting

IN_PROCESS = "memory://"
BROKER_SCHEMES = (IN_PROCESS, "amqp://", "amqps://", "redis://", "rediss://")


class JobSettings(SettingsGroup):
    broker_url: str = setting("BROKER_URL", "memory://")
    """``memory://`` (jobs inside the serving process), ``amqp://user:pass@host/vhost``
    (RabbitMQ) or ``redis://host:port/db`` (Redis streams)."""
    broker_queue: str = setting("BROKER_QUEUE", "codvid.jobs", pattern=r"^[A-Za-z0-9._:-]{1,100}$")
    """The queue (RabbitMQ) or stream (Redis) of the jobs; deployments sharing a broker
    each take their own."""
    broker_max_queued: int = setting("BROKER_MAX_QUEUED", 100_000, ge=100, le=10_000_000)
    """The most jobs the queue holds; beyond it a send fails (RabbitMQ) or the oldest
    entries are trimmed (Redis); either way the run record stays queued and the sweeper
    sends it again."""
    delivery_limit: int = setting("BROKER_DELIVERY_LIMIT", 5, ge=1, le=1000)
    """RabbitMQ: deliveries of one job (a worker died holding it each time) before it goes
    to the dead-letter queue ``<queue>.dead``."""
    concurrency: int = setting("JOB_CONCURRENCY", 4, ge=1, le=256)
    heartbeat_interval: float = setting("HEARTBEAT_INTERVAL", 2, gt=0, le=300)
    stale_after: float = setting("STALE_AFTER", 15, gt=0, le=3600)
    sweeper_interval: float = setting("SWEEPER_INTERVAL", 5, gt=0, le=3600)
    scheduler_enabled: bool = setting("SCHEDULER_ENABLED", True)
    scheduler_interval: float = setting("SCHEDULER_INTERVAL", 30, gt=0, le=86400)
    scheduler_batch: int = setting("SCHEDULER_BATCH", 100, ge=1, le=10000)
    failure_backoff: float = setting("FAILURE_BACKOFF", 300, gt=0, le=86400)
    shutdown_grace: float = setting("SHUTDOWN_GRACE", 10, ge=0, le=600)
    """Seconds a stopping process lets its running scrapes finish; the rest end as failed,
    with the reason."""

    @field_validator("broker_url")
    @classmethod
    def _available(cls, value: str) -> str:
        if not value.startswith(BROKER_SCHEMES):
            raise ValueError("must be memory://, an amqp:// (RabbitMQ) or a redis:// URL")
        if value.startswith("memory://") and value != "memory://":
            raise ValueError("memory:// takes nothing after it")
        return value

    @model_validator(mode="after")
    def _heartbeat_fits(self) -> Self:
        if self.stale_after <= 2 * self.heartbeat_interval:
            raise ValueError("CODVID_STALE_AFTER must be more than twice CODVID_HEARTBEAT_INTERVAL")
        return self


def is_in_process(settings: JobSettings) -> bool:
    """The jobs run inside the process that sends them (``memory://``)."""
    return settings.broker_url == IN_PROCESS
