"""The ``demo`` scraper: deterministic synthetic Instagram data, labelled as such."""

from __future__ import annotations

from typing import Protocol

from codvid.scrapers.providers.demo.provider import FAILURE_PREFIXES, DemoProvider, Failure
from codvid.scrapers.settings import ScrapingSettings


class DemoOptions(Protocol):
    """What the demo provider reads of the settings (``codvid.config.Settings``)."""

    @property
    def scraping(self) -> ScrapingSettings: ...


def from_settings(settings: DemoOptions) -> DemoProvider:
    return DemoProvider(step_delay=settings.scraping.step_delay)


__all__ = ["FAILURE_PREFIXES", "DemoProvider", "Failure", "from_settings"]
