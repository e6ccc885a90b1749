"""instaloader's ``Profile``, ``Post`` and ``PostComment`` as the provider's results.

Reading a property may make a request (instaloader loads what a node lacks on first
use), so these functions run in the provider's worker thread, inside a call's bounds.

Counts instaloader cannot give are 0 and named in ``unavailable``:

* ``mediacount`` is ``None`` when Instagram hides it (logged out, the profile page has
  ``all_media_count: null``): ``posts_count``.
* ``igtvcount``: the sources instaloader 4.16 reads (the profile page, the profile
  GraphQL query) have no IGTV count and instaloader reports 0 for them, so a 0 is listed
  as ``igtv_video_count``; a positive count is Instagram's own.
* ``video_view_count`` and ``video_play_count`` are ``None`` for pictures and when
  Instagram leaves them out; plays and views are different numbers and one never stands
  in for the other.

Pinned posts. A profile can pin up to three posts above its timeline, out of date order;
instaloader's own downloader allows for three (``possibly_pinned=3``). The provider reads
``max_posts + 3`` posts, sorts them newest first and keeps ``max_posts``: a pinned post
is kept only if it is among the newest, and none of the newest is pushed out.

Post types: ``GraphSidecar`` is a carousel; a video is a reel (``product_type`` "clips"
since 2022; the older feed and IGTV videos also count as reels, the result types having no
plain video); anything else is an image.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from instaloader import Post, PostComment, Profile, get_json_structure

from codvid.scrapers.base import (
    PostType,
    ProfileResult,
    ReelResult,
    ScrapedComment,
    ScrapedPost,
)
from codvid.scrapers.text import post_link

PROVIDER_NAME = "instaloader"
PINNED_MAX = 3
"""Posts a profile can pin above its timeline."""
COMMENT_READ_FACTOR = 5
"""Comments read per comment kept: the top by likes among the first ones Instagram gives."""
_RAW_KEYS = 40
_RAW_TEXT = 300


def reel_link(shortcode: str) -> str:
    return f"https://www.instagram.com/reel/{shortcode}/"


def newest_posts(posts: Iterator[Post], max_posts: int) -> list[Post]:
    """The ``max_posts`` newest of the first ``max_posts + PINNED_MAX`` posts, newest first."""
    read: dict[str, Post] = {}
    for post in islice(posts, max_posts + PINNED_MAX):
        read.setdefault(post.shortcode, post)
    ordered = sorted(read.values(), key=lambda post: post.date_utc, reverse=True)
    return ordered[:max_posts]


def profile_result(profile: Profile, posts: Sequence[Post]) -> ProfileResult:
    unavailable: list[str] = []
    scraped = tuple(post_result(post) for post in posts)
    igtv = profile.igtvcount or 0
    if not igtv:
        unavailable.append("igtv_video_count")
    return ProfileResult(
        username=profile.username.lower(),
        full_name=profile.full_name or "",
        biography=profile.biography or "",
        icon_pic_url=profile.profile_pic_url or "",
        followers=_count(profile.followers, "followers", unavailable),
        follows_count=_count(profile.followees, "follows_count", unavailable),
        posts_count=_count(profile.mediacount, "posts_count", unavailable),
        igtv_video_count=igtv,
        posts=scraped,
        provider=PROVIDER_NAME,
        is_demo=False,
        raw={
            "profile": _scalars(get_json_structure(profile)["node"]),
            "posts": [_post_raw(post) for post in posts],
        },
        unavailable=tuple(sorted(unavailable)),
    )


def post_result(post: Post) -> ScrapedPost:
    unavailable: list[str] = []
    kind = post_type(post)
    return ScrapedPost(
        post_id=post.shortcode,
        post_url=post_link(post.shortcode),
        timestamp=epoch(post.date_utc),
        type=kind,
        is_reel=kind == "reel",
        caption=post.caption or "",
        likes_count=_count(post.likes, "likes_count", unavailable),
        comments_count=_count(post.comments, "comments_count", unavailable),
        video_view_count=_count(post.video_view_count, "video_view_count", unavailable),
        video_play_count=_count(post.video_play_count, "video_play_count", unavailable),
        hashtags=_words(post.caption_hashtags),
        mentions=_words(post.caption_mentions),
        unavailable=tuple(unavailable),
    )


def reel_result(post: Post) -> ReelResult:
    unavailable: list[str] = []
    kind = post_type(post)
    return ReelResult(
        shortcode=post.shortcode,
        reel_url=reel_link(post.shortcode) if kind == "reel" else post_link(post.shortcode),
        caption=post.caption or "",
        likes=_count(post.likes, "likes", unavailable),
        comments=_count(post.comments, "comments", unavailable),
        views=_count(post.video_view_count, "views", unavailable),
        plays=_count(post.video_play_count, "plays", unavailable),
        timestamp=epoch(post.date_utc),
        hashtags=_words(post.caption_hashtags),
        mentions=_words(post.caption_mentions),
        owner_username=post.owner_username.lower(),
        provider=PROVIDER_NAME,
        is_demo=False,
        raw=_post_raw(post),
        unavailable=tuple(unavailable),
    )


def top_comments(comments: Iterable[PostComment], max_comments: int) -> tuple[ScrapedComment, ...]:
    """The most liked of the first ``COMMENT_READ_FACTOR * max_comments`` comments."""
    read = [comment_result(c) for c in islice(comments, COMMENT_READ_FACTOR * max_comments)]
    read.sort(key=lambda comment: comment.likes_count, reverse=True)
    return tuple(read[:max_comments])


def comment_result(comment: PostComment) -> ScrapedComment:
    likes = comment.likes_count
    return ScrapedComment(
        text=comment.text or "",
        owner_username=comment.owner.username.lower(),
        timestamp=epoch(comment.created_at_utc),
        likes_count=likes if isinstance(likes, int) and likes > 0 else 0,
    )


def post_type(post: Post) -> PostType:
    if post.typename == "GraphSidecar":
        return "carousel"
    if post.is_video:
        return "reel"
    return "image"


def product_type(post: Post) -> str | None:
    """Instagram's ``product_type`` ("clips", "feed", "carousel_container", "igtv"): not a
    property of ``Post``, so read from its node, or from the iPhone-format media a
    logged-in timeline gives."""
    node = get_json_structure(post)["node"]
    value = node.get("product_type") or (node.get("iphone_struct") or {}).get("product_type")
    return value if isinstance(value, str) else None


def epoch(moment: datetime) -> float:
    """instaloader's times are naive UTC."""
    return moment.replace(tzinfo=UTC).timestamp()


def _count(value: object, name: str, unavailable: list[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        unavailable.append(name)
        return 0
    return value


def _words(words: Iterable[str]) -> tuple[str, ...]:
    """Bare words (instaloader lowercases them), in order, each once."""
    return tuple(dict.fromkeys(word for word in words if word))


def _post_raw(post: Post) -> dict[str, Any]:
    return {
        "shortcode": post.shortcode,
        "typename": post.typename,
        "product_type": product_type(post),
        "node": _scalars(get_json_structure(post)["node"]),
    }


def _scalars(node: Mapping[str, Any]) -> dict[str, Any]:
    """The plain fields of an instaloader node, bounded, for the audit trail."""
    kept: dict[str, Any] = {}
    for key, value in node.items():
        if len(kept) >= _RAW_KEYS:
            break
        if isinstance(value, str):
            kept[key] = value[:_RAW_TEXT]
        elif value is None or isinstance(value, bool | int) or _finite(value):
            kept[key] = value
    return kept


def _finite(value: object) -> bool:
    return isinstance(value, float) and math.isfinite(value)
