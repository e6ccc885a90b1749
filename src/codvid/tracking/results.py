"""Provider results as the contract stores and returns them (contract 3.3-3.5, CR-13/15).

Counts are emitted under both spellings the clients read; hashtags and mentions stay
bare; every stored comment carries its sentiment label; demo data says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from codvid.scrapers import ProfileResult, ReelResult, ScrapedComment, ScrapedPost
from codvid.sentiment import Verdict, counts
from codvid.tracking.documents import (
    PROFILE_NUMBERS,
    REEL_NUMBERS,
    Comment,
    Post,
    PostNumbers,
    ProfileData,
    ReelData,
    SnapshotNumbers,
)


def comment(item: ScrapedComment, verdict: Verdict) -> Comment:
    """A comment as stored: its label under the contract's name, its language, and what
    scored it (``unknown`` beside a ``neutral`` label when its language has no lexicon)."""
    return {
        "text": item.text,
        "sentiment": verdict.label,
        "owner_username": item.owner_username,
        "username": item.owner_username,
        "timestamp": item.timestamp,
        "likes_count": item.likes_count,
        "likes": item.likes_count,
        "language": verdict.language,
        "sentiment_source": verdict.source,
    }


@dataclass(frozen=True, slots=True)
class TopComments:
    """A post's or reel's top comments as stored, with when they were fetched and the
    comment count then: comments are fetched again only when that count moves."""

    comments: list[Comment] = field(default_factory=list)
    fetched_at: float | None = None
    count_at_fetch: int | None = None

    @classmethod
    def fetched(
        cls, items: Sequence[ScrapedComment], labels: Sequence[Verdict], at: float, count: int
    ) -> TopComments:
        labelled = [comment(c, label) for c, label in zip(items, labels, strict=True)]
        return cls(labelled, at, count)

    @classmethod
    def stored(cls, holder: Mapping[str, Any]) -> TopComments:
        """What a stored post or ``reel_data`` holds (carried over to the next scrape)."""
        return cls(
            list(holder.get("top_comments", [])),
            holder.get("comments_fetched_at"),
            holder.get("comments_count_at_fetch"),
        )

    def due(self, comments_count: int, change: float) -> bool:
        """Whether to fetch again: never fetched, or the count moved by more than
        ``change`` (a share) since. A post without comments has none to fetch."""
        if comments_count == 0:
            return False
        if self.fetched_at is None or self.count_at_fetch is None:
            return True
        return abs(comments_count - self.count_at_fetch) > change * max(self.count_at_fetch, 1)

    def fields(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"top_comments": self.comments}
        if self.fetched_at is not None:
            shown["comments_fetched_at"] = self.fetched_at
            shown["comments_count_at_fetch"] = self.count_at_fetch
        return shown


def post(item: ScrapedPost, top: TopComments) -> Post:
    stored: Post = {
        "post_id": item.post_id,
        "post_url": item.post_url,
        "timestamp": item.timestamp,
        "type": item.type,
        "is_reel": item.is_reel,
        "caption": item.caption,
        "likes_count": item.likes_count,
        "likes": item.likes_count,
        "comments_count": item.comments_count,
        "comments": item.comments_count,
        "video_view_count": item.video_view_count,
        "video_play_count": item.video_play_count,
        "hashtags": list(item.hashtags),
        "mentions": list(item.mentions),
        **top.fields(),  # type: ignore[typeddict-item]
    }
    if item.unavailable:
        stored["unavailable_metrics"] = list(item.unavailable)
    return stored


def profile_data(
    result: ProfileResult, tops: Sequence[TopComments], scraped_at: float
) -> ProfileData:
    """``target_profile_data``; ``tops[i]`` are post ``i``'s top comments."""
    data: ProfileData = {
        "username": result.username,
        "full_name": result.full_name,
        "biography": result.biography,
        "icon_pic_url": result.icon_pic_url,
        "followers": result.followers,
        "following": result.follows_count,
        "follows_count": result.follows_count,
        "posts_count": result.posts_count,
        "igtv_video_count": result.igtv_video_count,
        "ig_tv_video_count": result.igtv_video_count,
        "scraped_posts": [post(p, top) for p, top in zip(result.posts, tops, strict=True)],
        "data_source": result.provider,
        "is_demo": result.is_demo,
        "scraped_at": scraped_at,
    }
    if result.unavailable:
        data["unavailable_metrics"] = list(result.unavailable)
    return data


def reel_data(result: ReelResult, top: TopComments, scraped_at: float) -> ReelData:
    data: ReelData = {
        "caption": result.caption,
        "likes": result.likes,
        "comments": result.comments,
        "views": result.views,
        "plays": result.plays,
        "timestamp": result.timestamp,
        "hashtags": list(result.hashtags),
        "mentions": list(result.mentions),
        "owner_username": result.owner_username,
        **top.fields(),  # type: ignore[typeddict-item]
        "sentiment_analysis": counts(c["sentiment"] for c in top.comments),
        "data_source": result.provider,
        "is_demo": result.is_demo,
        "scraped_at": scraped_at,
    }
    if result.unavailable:
        data["unavailable_metrics"] = list(result.unavailable)
    return data


def profile_snapshot(result: ProfileResult) -> SnapshotNumbers:
    """The numbers kept for history on every successful profile scrape, with the names of
    those the provider could not give (so history reads them as unknown, not as 0)."""
    snapshot: SnapshotNumbers = {
        "followers": result.followers,
        "follows_count": result.follows_count,
        "posts_count": result.posts_count,
        "posts": [_post_numbers(p) for p in result.posts],
    }
    unavailable = [name for name in result.unavailable if name in PROFILE_NUMBERS]
    if unavailable:
        snapshot["unavailable"] = unavailable
    return snapshot


def _post_numbers(post: ScrapedPost) -> PostNumbers:
    numbers: PostNumbers = {
        "post_id": post.post_id,
        "published_at": post.timestamp,
        "is_reel": post.is_reel,
        "plays": post.video_play_count,
        "views": post.video_view_count,
        "likes": post.likes_count,
        "comments": post.comments_count,
    }
    if post.unavailable:
        numbers["unavailable"] = list(post.unavailable_as_reel())
    return numbers


def reel_snapshot(result: ReelResult) -> SnapshotNumbers:
    snapshot: SnapshotNumbers = {
        "plays": result.plays,
        "views": result.views,
        "likes": result.likes,
        "comments": result.comments,
        "published_at": result.timestamp,
    }
    unavailable = [name for name in result.unavailable if name in REEL_NUMBERS]
    if unavailable:
        snapshot["unavailable"] = unavailable
    return snapshot
