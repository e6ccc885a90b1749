"""Every scraper provider by name (see :mod:`codvid.kit.providers`)."""

from __future__ import annotations

from codvid.kit.providers import ProviderRegistry
from codvid.scrapers.base import ScraperProvider

SCRAPERS: ProviderRegistry[ScraperProvider] = ProviderRegistry(
    "scraper",
    {
        "demo": "codvid.scrapers.providers.demo:from_settings",
        "apify": "codvid.scrapers.providers.apify:from_settings",
        "graph": "codvid.scrapers.providers.graph:from_settings",
        "instaloader": "codvid.scrapers.providers.instaloader:from_settings",
    },
)
