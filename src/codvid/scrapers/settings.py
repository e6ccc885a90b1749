"""Where Instagram data comes from, and how much of it one run takes."""

from __future__ import annotations

from pydantic import field_validator

from codvid.kit.settings import SettingsGroup, setting
from codvid.scrapers.registry import SCRAPERS


class ScrapingSettings(SettingsGroup):
    provider: str = setting("SCRAPER_PROVIDER", "demo")
    step_delay: float = setting("SCRAPER_STEP_DELAY", 0.5, ge=0, le=60)
    """Demo provider: seconds per fetch step."""
    timeout: float = setting("SCRAPE_TIMEOUT", 120, gt=0, le=3600)
    max_posts: int = setting("SCRAPE_MAX_POSTS", 12, ge=1, le=100)
    max_comments: int = setting("SCRAPE_MAX_COMMENTS", 10, ge=0, le=100)

    @field_validator("provider")
    @classmethod
    def _registered(cls, value: str) -> str:
        return SCRAPERS.check(value)
