"""The job queue, the workers that execute runs, and the periodic loops."""

from __future__ import annotations

from typing import Self

from pydantic import field_validator, model_validator

from codvid.kit.settings import SettingsGroup, setting


class JobSettings(SettingsGroup):
    broker_url: str = setting("BROKER_URL", "memory://")
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
        if value != "memory://":
            raise ValueError("only memory:// (the in-process broker) is available in this version")
        return value

    @model_validator(mode="after")
    def _heartbeat_fits(self) -> Self:
        if self.stale_after <= 2 * self.heartbeat_interval:
            raise ValueError("CODVID_STALE_AFTER must be more than twice CODVID_HEARTBEAT_INTERVAL")
        return self
