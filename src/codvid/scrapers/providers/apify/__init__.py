"""The ``apify`` scraper: Instagram data from Apify's actors (see :mod:`.provider`)."""

from __future__ import annotations

from typing import Protocol

from codvid.errors import ConfigurationError
from codvid.scrapers.providers.apify.provider import ApifyProvider
from codvid.scrapers.providers.apify.settings import ApifySettings
from codvid.scrapers.settings import ScrapingSettings


class ApifyOptions(Protocol):
    """What the Apify provider reads of the settings (``codvid.config.Settings``)."""

    @property
    def apify(self) -> ApifySettings: ...

    @property
    def scraping(self) -> ScrapingSettings: ...


def from_settings(settings: ApifyOptions) -> ApifyProvider:
    options = settings.apify
    if options.token is None:
        raise ConfigurationError("the apify scraper needs CODVID_APIFY_TOKEN")
    return ApifyProvider(
        token=options.token.get_secret_value(),
        api_url=options.api_url,
        profile_actor=options.profile_actor,
        reel_actor=options.reel_actor,
        comment_actor=options.comment_actor,
        max_charge_usd=options.max_charge_usd,
        timeout=settings.scraping.timeout,
    )


__all__ = ["ApifyOptions", "ApifyProvider", "from_settings"]
