"""Every scraper provider by name (see :mod:`codvid.kit.providers`)."""

from __future__ import annotations

from codvid.kit.providers import ProviderRegistry
from codvid.scrapers.base import ScraperProvider

SCRAPERS: ProviderRegistry[ScraperProvider] = ProviderRegistry(
    "scraper", {"demo": "codvid.scrapers.providers.demo:from_settings"}
)
