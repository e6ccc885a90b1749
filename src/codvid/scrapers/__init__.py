"""Scraper providers: one interface (:mod:`.base`), adapters in :mod:`.providers`."""

from codvid.scrapers.base import (
    MalformedResponse,
    PostType,
    ProfileNotFound,
    ProfileResult,
    ProviderTimeout,
    RateLimited,
    ReelNotFound,
    ReelResult,
    ScrapedComment,
    ScrapedPost,
    ScraperError,
    ScraperProvider,
)
from codvid.scrapers.registry import SCRAPERS
from codvid.scrapers.text import parse_hashtags, parse_mentions
from codvid.scrapers.validate import check_profile, check_reel

__all__ = [
    "SCRAPERS",
    "MalformedResponse",
    "PostType",
    "ProfileNotFound",
    "ProfileResult",
    "ProviderTimeout",
    "RateLimited",
    "ReelNotFound",
    "ReelResult",
    "ScrapedComment",
    "ScrapedPost",
    "ScraperError",
    "ScraperProvider",
    "check_profile",
    "check_reel",
    "parse_hashtags",
    "parse_mentions",
]
