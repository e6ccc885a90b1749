"""Webhook deliveries: where they may go, how often they are retried, how many are kept."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_settings import NoDecode

from codvid.kit.settings import SettingsGroup, comma_separated, setting

DEFAULT_RETRY_SCHEDULE = (5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0, 10800.0, 21600.0, 43200.0)
"""Seconds before each retry: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h, 12 h, about
23 hours in all, so a receiver down for most of a day still gets the delivery."""


def _seconds(value: Any) -> Any:
    return comma_separated(value, "seconds")


Delay = Annotated[float, Field(gt=0, le=7 * 86_400)]
MOST_PER_USER = 100
"""The highest ``CODVID_WEBHOOK_MAX_PER_USER``: what one read of a user's webhooks takes."""


class AlertSettings(SettingsGroup):
    allow_private: bool = setting("WEBHOOK_ALLOW_PRIVATE", False)
    """Let webhooks reach loopback, private and link-local addresses, and plain http: for
    tests and self-hosted receivers on the same network. Off, only https to public
    addresses."""
    retry_schedule: Annotated[tuple[Delay, ...], NoDecode, BeforeValidator(_seconds)] = setting(
        "WEBHOOK_RETRY_SCHEDULE", DEFAULT_RETRY_SCHEDULE, min_length=1, max_length=20
    )
    """Seconds before each retry of a failed delivery; after the last, it is given up."""
    timeout: float = setting("WEBHOOK_TIMEOUT", 10, gt=0, le=60)
    """Seconds one delivery attempt may take in all: resolving, connecting, sending and
    reading the answer's head."""
    concurrency: int = setting("WEBHOOK_CONCURRENCY", 8, ge=1, le=100)
    """Deliveries one scheduler process sends at once."""
    poll_interval: float = setting("WEBHOOK_POLL_INTERVAL", 1, gt=0, le=60)
    """Seconds between two looks for due deliveries."""
    max_per_user: int = setting("WEBHOOK_MAX_PER_USER", 10, ge=1, le=MOST_PER_USER)
    deliveries_kept: int = setting("WEBHOOK_DELIVERIES_KEPT", 200, ge=10, le=10_000)
    """Deliveries kept per webhook, the newest; older ones are deleted, even unsent ones
    (counted in the webhook's ``dropped_deliveries``)."""
