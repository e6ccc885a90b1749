"""The ``demo`` scraper: deterministic synthetic Instagram data, labelled as such."""

from __future__ import annotations

from codvid.scrapers.providers.demo.provider import FAILURE_PREFIXES, DemoProvider, Failure
from codvid.scrapers.settings import ScrapingSettings


def from_settings(settings: ScrapingSettings) -> DemoProvider:
    return DemoProvider(step_delay=settings.step_delay)


__all__ = ["FAILURE_PREFIXES", "DemoProvider", "Failure", "from_settings"]
