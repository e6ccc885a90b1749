"""The ``instaloader`` scraper: Instagram's web endpoints through instaloader, free and
slow, best with a session file (comments need one)."""

from __future__ import annotations

from typing import Protocol

from codvid.errors import ConfigurationError
from codvid.scrapers.providers.instaloader.loader import Session
from codvid.scrapers.providers.instaloader.provider import InstaloaderProvider
from codvid.scrapers.providers.instaloader.settings import InstaloaderSettings
from codvid.scrapers.settings import ScrapingSettings


class InstaloaderOptions(Protocol):
    """What the instaloader provider reads of the settings (``codvid.config.Settings``)."""

    @property
    def scraping(self) -> ScrapingSettings: ...

    @property
    def instaloader(self) -> InstaloaderSettings: ...


def from_settings(settings: InstaloaderOptions) -> InstaloaderProvider:
    """The provider, with the session file read now (a missing or foreign file stops the
    start with its reason, rather than every run later)."""
    options = settings.instaloader
    session = None
    if options.session_file is not None:
        if not options.username:
            raise ConfigurationError(
                "CODVID_INSTALOADER_SESSION_FILE needs CODVID_INSTALOADER_USERNAME"
            )
        session = Session.read(options.session_file.expanduser(), options.username)
    return InstaloaderProvider(timeout=settings.scraping.timeout, session=session)


__all__ = ["InstaloaderProvider", "Session", "from_settings"]
