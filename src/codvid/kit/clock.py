"""Time as the API speaks it: epoch seconds, UTC."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> float:
    return time.time()


def day_month_year(epoch: float) -> str:
    """The project ``date`` form, e.g. ``18-7-2025`` (no zero padding)."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return f"{moment.day}-{moment.month}-{moment.year}"


def iso(epoch: float) -> str:
    """``epoch`` as ISO 8601 in UTC to the millisecond, e.g. ``2026-12-01T22:13:20.000Z``."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
