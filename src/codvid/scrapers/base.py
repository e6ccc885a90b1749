"""The scraper provider interface and its provider-neutral results.

Times are epoch seconds (UTC); every count is an ``int``, never ``None`` (the original
clients add them up): a provider that cannot give a number reports 0 and names the field
in ``unavailable`` of the object that holds it, so it is read as unknown, not as zero.
Hashtags and mentions are bare words (no ``#`` or ``@``). A result says what fetching it
cost when the provider says so (``cost``).

A provider answers three questions, so that a run fetches only what changed (comments are
most of what a paid provider charges for): the profiles of many usernames in one call
(``batch_size`` at most), a single reel, and the top comments of chosen posts. Profile
posts and reels come back without comments; comments come from :meth:`fetch_comments`.

Errors a provider raises; each message is short enough to be the failure reason of a run,
and names no credential. ``transient`` errors may succeed if tried again soon (the caller
retries them with back-off); ``permanent`` ones are a fact about the target that will not
change by itself (the scheduler stops retrying the task until its user changes it)::

    ScraperError              any provider failure
    ├── ProfileNotFound       the profile does not exist or is private        permanent
    │   ├── ProfilePrivate    the profile is private                          permanent
    │   └── NotBusinessAccount  not a business or creator account (Graph API) permanent
    ├── ReelNotFound          the reel does not exist, is private or deleted  permanent
    ├── RateLimited           the source throttled us; ``retry_after`` s      transient
    ├── ProviderTimeout       the source did not answer in time               transient
    ├── ProviderUnavailable   the source failed on its side (5xx, network)    transient
    ├── AccessDenied          the source refused our credentials or plan
    ├── ProviderRunFailed     the source's own scraper run failed or aborted
    └── MalformedResponse     the source answered with data we cannot use

``raw`` on an error keeps what the source sent, if anything, for the run's audit trail.
Anything else a provider raises is a bug, not a scraping failure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol

from codvid.kit.providers import Provider, ProviderError

PostType = Literal["reel", "image", "carousel"]


class ScraperError(ProviderError):
    message = "Scraper failed"
    transient: ClassVar[bool] = False
    permanent: ClassVar[bool] = False

    def __init__(self, message: str | None = None, *, raw: Any = None) -> None:
        super().__init__(message)
        self.raw = raw


class ProfileNotFound(ScraperError):
    message = "Profile not found or private"
    permanent = True


class ProfilePrivate(ProfileNotFound):
    message = "Profile is private"


class NotBusinessAccount(ProfileNotFound):
    message = (
        "Profile not found, or not a business or creator account "
        "(the Graph API sees no personal accounts)"
    )


class ReelNotFound(ScraperError):
    message = "Reel not found, private or deleted"
    permanent = True


class ReelOwnerUnknown(ScraperError):
    """The source finds a reel only through its account, and the account is not known.

    Neither transient nor permanent: the caller may find the owner and ask again."""

    message = "This provider finds a reel only through its account, which is not known"


class RateLimited(ScraperError):
    message = "Rate limited by Instagram, try again later"
    transient = True

    def __init__(
        self, message: str | None = None, *, retry_after: float | None = None, raw: Any = None
    ) -> None:
        super().__init__(message, raw=raw)
        self.retry_after = retry_after


class ProviderTimeout(ScraperError):
    message = "Connection timeout"
    transient = True


class ProviderUnavailable(ScraperError):
    message = "The data provider is unavailable, try again later"
    transient = True


class AccessDenied(ScraperError):
    message = "The data provider refused the service's credentials; the operator must check them"


class ProviderRunFailed(ScraperError):
    message = "The data provider's scraper run failed"


class MalformedResponse(ScraperError):
    message = "Malformed response from scraper"


@dataclass(frozen=True, kw_only=True, slots=True)
class Cost:
    """What one fetch cost: money when the provider charges (Apify), and calls made."""

    usd: float | None = None
    items: int = 0
    """Results the provider charged for."""
    calls: int = 0
    """Requests made to the provider."""


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
    comments: tuple[ScrapedComment, ...] = ()
    """The top comments (see :meth:`ScraperProvider.fetch_comments`)."""
    unavailable: tuple[str, ...] = ()
    """Count fields of this post the provider cannot give (e.g. ``video_play_count``)."""

    def ref(self) -> PostRef:
        return PostRef(
            shortcode=self.post_id,
            url=self.post_url,
            timestamp=self.timestamp,
            comments_count=self.comments_count,
        )

    def as_reel(
        self,
        *,
        owner: str,
        provider: str,
        raw: dict[str, Any],
        reel_url: str | None = None,
        cost: Cost | None = None,
    ) -> ReelResult:
        """This post as a reel task's result (its unavailable counts renamed)."""
        return ReelResult(
            shortcode=self.post_id,
            reel_url=reel_url or self.post_url,
            caption=self.caption,
            likes=self.likes_count,
            comments=self.comments_count,
            views=self.video_view_count,
            plays=self.video_play_count,
            timestamp=self.timestamp,
            hashtags=self.hashtags,
            mentions=self.mentions,
            owner_username=owner,
            provider=provider,
            is_demo=False,
            raw=raw,
            unavailable=self.unavailable_as_reel(),
            cost=cost,
        )

    def unavailable_as_reel(self) -> tuple[str, ...]:
        """This post's unavailable counts by the names a reel gives them (``plays``,
        ``views``, ``likes``, ``comments``)."""
        return tuple(sorted(_REEL_COUNTS[name] for name in self.unavailable))


_REEL_COUNTS = {
    "likes_count": "likes",
    "comments_count": "comments",
    "video_view_count": "views",
    "video_play_count": "plays",
}
"""A post's count fields by the names a reel gives them."""


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
    unavailable: tuple[str, ...] = ()
    """Count fields of the profile the provider cannot give."""


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
    provider: str
    is_demo: bool
    raw: dict[str, Any]
    comments_list: tuple[ScrapedComment, ...] = ()
    """The top comments (see :meth:`ScraperProvider.fetch_comments`)."""
    unavailable: tuple[str, ...] = ()
    """Count fields of the reel the provider cannot give (e.g. ``plays``, ``views``)."""
    cost: Cost | None = None

    def ref(self) -> PostRef:
        return PostRef(
            shortcode=self.shortcode,
            url=self.reel_url,
            timestamp=self.timestamp,
            comments_count=self.comments,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class PostRef:
    """A post or reel whose comments are wanted."""

    shortcode: str
    url: str
    timestamp: float
    comments_count: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ProfileBatch:
    """The answer to one :meth:`ScraperProvider.fetch_profiles` call."""

    profiles: Mapping[str, ProfileResult | ScraperError]
    """By username as asked; every username asked has an entry (its result or its own
    failure: one missing profile never fails the others)."""
    cost: Cost | None = None
    """What the whole call cost."""


@dataclass(frozen=True, kw_only=True, slots=True)
class CommentBatch:
    """The answer to one :meth:`ScraperProvider.fetch_comments` call."""

    comments: Mapping[str, tuple[ScrapedComment, ...]] = field(default_factory=dict)
    """By shortcode, the most liked first; a post the source gave nothing for is absent."""
    cost: Cost | None = None
    raw: list[Any] = field(default_factory=list)
    unreached: frozenset[str] = frozenset()
    """Shortcodes the source stopped before (a charge limit): nothing is known of their
    comments, so they are asked again next time, not stored as having none."""


class ScraperProvider(Provider, Protocol):
    """A source of public Instagram data.

    Implementations must not block the event loop, raise only :class:`ScraperError`
    subclasses for failures of the source, and leave retries and rate limits to the
    caller (:mod:`codvid.scrapers.guard`).
    """

    batch_size: int
    """The most usernames one :meth:`fetch_profiles` call takes (1: no batching)."""
    comments_available: bool
    """Whether the source gives comment text at all."""
    rate_limit: str
    """Calls the source allows by default, as ``limits`` writes a rate (``"30/minute"``);
    ``CODVID_SCRAPER_RATE_LIMIT`` overrides it."""

    async def fetch_profiles(self, usernames: Sequence[str], *, max_posts: int) -> ProfileBatch:
        """Profile details and the ``max_posts`` most recent posts of each username (at
        most ``batch_size`` of them, lowercased), posts without comments. Raises only for a
        failure of the whole call."""
        ...

    async def fetch_reel(self, shortcode: str, *, owner: str | None = None) -> ReelResult:
        """One reel's details, without comments. ``owner`` is the reel's account when the
        caller knows it; a source that finds reels only through their account raises
        :class:`ReelOwnerUnknown` without it."""
        ...

    async def fetch_comments(self, posts: Sequence[PostRef], *, max_comments: int) -> CommentBatch:
        """The ``max_comments`` most liked comments of each post. A provider without
        ``comments_available`` answers an empty batch."""
        ...
