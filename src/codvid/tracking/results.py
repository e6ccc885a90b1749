"""Provider results as the contract stores and returns them (contract 3.3-3.5, CR-13/15).

Counts are emitted under both spellings the clients read; hashtags and mentions stay
bare; every stored comment carries its sentiment label; demo data says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from codvid.scrapers import ProfileResult, ReelResult, ScrapedComment, ScrapedPost
from codvid.sentiment import Label, counts
from codvid.tracking.documents import (
    Comment,
    Post,
    ProfileData,
    ReelData,
    SnapshotNumbers,
)


def comment(item: ScrapedComment, label: Label) -> Comment:
    return {
        "text": item.text,
        "sentiment": label,
        "owner_username": item.owner_username,
        "username": item.owner_username,
        "timestamp": item.timestamp,
        "likes_count": item.likes_count,
        "likes": item.likes_count,
    }


def post(item: ScrapedPost, labels: Sequence[Label]) -> Post:
    return {
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
        "top_comments": [comment(c, label) for c, label in zip(item.comments, labels, strict=True)],
    }


def profile_data(
    result: ProfileResult, labels: Sequence[Sequence[Label]], scraped_at: float
) -> ProfileData:
    """``target_profile_data``; ``labels[i]`` are the labels of post ``i``'s comments."""
    return {
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
        "scraped_posts": [post(p, ls) for p, ls in zip(result.posts, labels, strict=True)],
        "data_source": result.provider,
        "is_demo": result.is_demo,
        "scraped_at": scraped_at,
    }


def reel_data(result: ReelResult, labels: Sequence[Label], scraped_at: float) -> ReelData:
    return {
        "caption": result.caption,
        "likes": result.likes,
        "comments": result.comments,
        "views": result.views,
        "plays": result.plays,
        "timestamp": result.timestamp,
        "hashtags": list(result.hashtags),
        "mentions": list(result.mentions),
        "owner_username": result.owner_username,
        "top_comments": [
            comment(c, label) for c, label in zip(result.comments_list, labels, strict=True)
        ],
        "sentiment_analysis": counts(labels),
        "data_source": result.provider,
        "is_demo": result.is_demo,
        "scraped_at": scraped_at,
    }


def profile_snapshot(result: ProfileResult) -> SnapshotNumbers:
    """The numbers kept for history on every successful profile scrape."""
    return {
        "followers": result.followers,
        "follows_count": result.follows_count,
        "posts_count": result.posts_count,
        "posts": [
            {
                "post_id": p.post_id,
                "plays": p.video_play_count,
                "views": p.video_view_count,
                "likes": p.likes_count,
                "comments": p.comments_count,
            }
            for p in result.posts
        ],
    }


def reel_snapshot(result: ReelResult) -> SnapshotNumbers:
    return {
        "plays": result.plays,
        "views": result.views,
        "likes": result.likes,
        "comments": result.comments,
    }
