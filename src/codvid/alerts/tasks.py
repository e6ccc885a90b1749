"""The alerts package's periodic work, declared for the scheduler role to run."""

from __future__ import annotations

from codvid.alerts.delivery import Deliverer
from codvid.alerts.settings import AlertSettings
from codvid.tracking.tasks import Loop


def loops(deliverer: Deliverer, settings: AlertSettings) -> list[Loop]:
    """``(name, interval, pass)``: sending the due webhook deliveries."""
    return [("webhook deliveries", settings.poll_interval, deliverer.deliver_due)]
