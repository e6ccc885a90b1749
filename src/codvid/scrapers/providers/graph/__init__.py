"""The ``graph`` scraper: other accounts' public data through the Instagram Graph API's
Business Discovery, with the operator's own token and professional account.

Free and official, but narrower than scraping: business and creator accounts only, no
plays, no comment texts, no reel lookup by link (see :mod:`.provider`).
"""

from __future__ import annotations

from typing import Protocol

from codvid.errors import ConfigurationError
from codvid.scrapers.providers.graph.errors import ReelLookupUnsupported
from codvid.scrapers.providers.graph.provider import GraphProvider
from codvid.scrapers.providers.graph.settings import GraphSettings
from codvid.scrapers.settings import ScrapingSettings


class GraphOptions(Protocol):
    """What the graph provider reads of the settings (``codvid.config.Settings``)."""

    @property
    def graph(self) -> GraphSettings: ...

    @property
    def scraping(self) -> ScrapingSettings: ...


def from_settings(settings: GraphOptions) -> GraphProvider:
    options = settings.graph
    missing = options.missing()
    if missing or options.access_token is None:
        raise ConfigurationError(f"the graph scraper provider needs {missing}")
    return GraphProvider(
        access_token=options.access_token.get_secret_value(),
        ig_user_id=options.ig_user_id,
        api_url=options.api_url,
        api_version=options.api_version,
        timeout=settings.scraping.timeout,
    )


__all__ = ["GraphOptions", "GraphProvider", "ReelLookupUnsupported", "from_settings"]
