"""The scraper provider interface and its provider-neutral results.

Times are epoch seconds (UTC); every count is an ``int``, never ``None``: a provider that
lacks a number reports 0. Hashtags and mentions are bare words (no ``#`` or ``@``).

Errors a provider raises; each message is short enough to be the failure reason of a run::

    ScraperError              any provider failure
    ├── ProfileNotFound       the profile does not exist or is private
    ├── ReelNotFound          the reel does not exist, is private or was deleted
    ├── RateLimited           the source throttled us; ``retry_after`` seconds if known
    ├── ProviderTimeout       the source did not answer in time
    └── MalformedResponse     the source answered with data we cannot use

Anything else a provider raises is a bug, not a scraping failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from codvid.kit.providers import Provider, ProviderError

PostType = Literal["reel", "image", "carousel"]


class ScraperError(ProviderError):
    message = "Scraper failed"


class ProfileNotFound(ScraperError):
    message = "Profile not found or private"


class ReelNotFound(ScraperError):
    message = "Reel not found, private or deleted"


class RateLimited(ScraperError):
    message = "Rate limited by Instagram, try again later"

    def __init__(self, message: str | None = None, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderTimeout(ScraperError):
    message = "Connection timeout"


class MalformedResponse(ScraperError):
    message = "Malformed response from scraper"


@dataclass(frozen=True, kw_only=True, slots=True)
class ScrapedComment:
    text: str
    """Empty for stickers and GIFs."""
    owner_username: str
    timestamp: float
    likes_count: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ScrapedPost:
    post_id: str
    """The shortcode."""
    post_url: str
    timestamp: float
    type: PostType
    is_reel: bool
    caption: str
    likes_count: int
    comments_count: int
    video_view_count: int
    video_play_count: int
    hashtags: tuple[str, ...]
    mentions: tuple[str, ...]
    comments: tuple[ScrapedComment, ...]
    """The top comments fetched, at most the ``max_comments`` asked for."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ProfileResult:
    username: str
    full_name: str
    biography: str
    icon_pic_url: str
    followers: int
    follows_count: int
    posts_count: int
    igtv_video_count: int
    posts: tuple[ScrapedPost, ...]
    """The most recent posts, newest first, at most the ``max_posts`` asked for."""
    provider: str
    is_demo: bool
    raw: dict[str, Any]
    """The provider's own payload, JSON-serialisable, kept for auditing."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ReelResult:
    shortcode: str
    reel_url: str
    caption: str
    likes: int
    comments: int
    views: int
    plays: int
    timestamp: float
    hashtags: tuple[str, ...]
    mentions: tuple[str, ...]
    owner_username: str
    comments_list: tuple[ScrapedComment, ...]
    provider: str
    is_demo: bool
    raw: dict[str, Any]


class ScraperProvider(Provider, Protocol):
    """A source of public Instagram data.

    Implementations must not block the event loop, raise only :class:`ScraperError`
    subclasses for failures of the source, and leave retries to the caller.
    """

    async def fetch_profile(
        self, username: str, *, max_posts: int, max_comments: int
    ) -> ProfileResult: ...

    async def fetch_reel(self, shortcode: str, *, max_comments: int) -> ReelResult: ...
