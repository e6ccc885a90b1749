"""The Apify provider's options (its factory reads them; the settings load checks them)."""

from __future__ import annotations

from pydantic import SecretStr

from codvid.kit.settings import SettingsGroup, setting


class ApifySettings(SettingsGroup):
    token: SecretStr | None = setting("APIFY_TOKEN", None)
    api_url: str = setting("APIFY_API_URL", "https://api.apify.com")
    profile_actor: str = setting("APIFY_PROFILE_ACTOR", "apify/instagram-profile-scraper")
    reel_actor: str = setting("APIFY_REEL_ACTOR", "apify/instagram-scraper")
    """One reel by URL (``directUrls``): the generic scraper; the reel scraper takes profiles."""
    comment_actor: str = setting("APIFY_COMMENT_ACTOR", "apify/instagram-comment-scraper")
    max_charge_usd: float = setting("APIFY_MAX_CHARGE_USD", 0.5, gt=0, le=1000)
    """The most one actor run may charge (pay-per-event actors)."""

    def missing(self) -> str | None:
        """The first credential the provider needs and lacks."""
        return None if self.token else "CODVID_APIFY_TOKEN"
