"""Business Discovery payloads as provider-neutral results.

What the Graph API does not give is said, never guessed (0, and the field named in
``unavailable``):

* ``video_play_count`` of every post: Meta gives no plays for other accounts' media
  (``plays`` was an owner insight, and was retired in 2025);
* ``video_view_count`` when ``view_count`` is absent: Meta gives views for reels only;
* ``likes_count`` when ``like_count`` is absent: Meta omits it when the owner hides likes;
* ``comments_count``, ``followers``, ``follows_count``, ``posts_count`` when absent;
* ``igtv_video_count`` always: Business Discovery has no such field.

A value that is present but wrong (a count that is no count, a time that does not parse,
a post with neither shortcode nor permalink) makes the whole profile a
:class:`MalformedResponse`: the previous data is then kept, not overwritten with guesses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NoReturn

from codvid.scrapers.base import (
    Cost,
    MalformedResponse,
    PostType,
    ProfileResult,
    ReelResult,
    ScrapedPost,
)
from codvid.scrapers.text import parse_hashtags, parse_mentions

PROVIDER_NAME = "graph"
_PERMALINK = re.compile(r"instagram\.com/(?:[A-Za-z0-9._]+/)?(?:p|reels?|tv)/([A-Za-z0-9_-]+)")
_USERNAME = re.compile(r"[a-z0-9._]{1,30}")


def profile(
    asked: str,
    discovery: Mapping[str, Any],
    media: Sequence[object],
    *,
    max_posts: int,
    raw: dict[str, Any],
) -> ProfileResult:
    """The profile of ``asked`` (lowercased) from its ``business_discovery`` object and the
    media items of every page read, newest first, at most ``max_posts``."""
    unavailable: list[str] = ["igtv_video_count"]
    at = "business_discovery"
    followers = _count(discovery, "followers_count", "followers", unavailable, at)
    follows = _count(discovery, "follows_count", "follows_count", unavailable, at)
    posts_count = _count(discovery, "media_count", "posts_count", unavailable, at)
    posts: dict[str, ScrapedPost] = {}
    for index, item in enumerate(media):
        got = post(item, f"media[{index}]")
        posts.setdefault(got.post_id, got)
    newest = sorted(posts.values(), key=lambda p: p.timestamp, reverse=True)[:max_posts]
    return ProfileResult(
        username=_username(discovery.get("username"), asked),
        full_name=_text(discovery, "name", at),
        biography=_text(discovery, "biography", at),
        icon_pic_url=_text(discovery, "profile_picture_url", at),
        followers=followers,
        follows_count=follows,
        posts_count=posts_count,
        igtv_video_count=0,
        posts=tuple(newest),
        provider=PROVIDER_NAME,
        is_demo=False,
        raw=raw,
        unavailable=tuple(sorted(unavailable)),
    )


def post(item: object, path: str) -> ScrapedPost:
    """One IG Media object of Business Discovery's ``media`` edge."""
    if not isinstance(item, Mapping):
        _fail(path, "is not an object")
    shortcode = _shortcode(item, path)
    caption = _text(item, "caption", path)
    kind = post_type(item.get("media_type"), item.get("media_product_type"))
    unavailable: list[str] = ["video_play_count"]
    return ScrapedPost(
        post_id=shortcode,
        post_url=_permalink(item, shortcode, kind, path),
        timestamp=_time(item.get("timestamp"), f"{path}.timestamp"),
        type=kind,
        is_reel=kind == "reel",
        caption=caption,
        likes_count=_count(item, "like_count", "likes_count", unavailable, path),
        comments_count=_count(item, "comments_count", "comments_count", unavailable, path),
        video_view_count=_count(item, "view_count", "video_view_count", unavailable, path),
        video_play_count=0,
        hashtags=tuple(parse_hashtags(caption)),
        mentions=tuple(parse_mentions(caption)),
        unavailable=tuple(sorted(unavailable)),
    )


def reel(found: ScrapedPost, owner: str, raw: dict[str, Any], cost: Cost) -> ReelResult:
    """A reel task's result from the media item found among its owner's media."""
    return found.as_reel(owner=owner, provider=PROVIDER_NAME, raw=raw, cost=cost)


def post_type(media_type: object, product_type: object) -> PostType:
    """Reels by ``media_product_type``; albums by ``media_type``. A plain feed ``VIDEO``
    counts as a reel too: Instagram has published every new feed video as a reel since
    2022, and a video has views, which an image has not."""
    if product_type == "REELS" or media_type == "VIDEO":
        return "reel"
    if media_type == "CAROUSEL_ALBUM":
        return "carousel"
    return "image"


def _shortcode(item: Mapping[str, Any], path: str) -> str:
    code = item.get("shortcode")
    if isinstance(code, str) and code:
        return code
    link = item.get("permalink")
    found = _PERMALINK.search(link) if isinstance(link, str) else None
    if found is None:
        _fail(path, "has neither a shortcode nor a permalink")
    return found.group(1)


def _permalink(item: Mapping[str, Any], shortcode: str, kind: PostType, path: str) -> str:
    link = item.get("permalink")
    if link is None:
        section = "reel" if kind == "reel" else "p"
        return f"https://www.instagram.com/{section}/{shortcode}/"
    if not isinstance(link, str) or not link.startswith("https://"):
        _fail(f"{path}.permalink", "is not an https link")
    return link


def _count(
    obj: Mapping[str, Any], source: str, target: str, unavailable: list[str], path: str
) -> int:
    value = obj.get(source)
    if value is None:
        unavailable.append(target)
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        _fail(f"{path}.{source}", f"is not a count: {value!r}")
    return value


def _text(obj: Mapping[str, Any], key: str, path: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        _fail(f"{path}.{key}", f"is not text: {type(value).__name__}")
    return value


def _time(value: object, path: str) -> float:
    """Meta's ISO 8601 with a ``+0000`` offset (``2019-04-05T07:56:32+0000``)."""
    if not isinstance(value, str):
        _fail(path, "is missing")
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").timestamp()
    except ValueError:
        _fail(path, f"is not a time: {value[:40]!r}")


def _username(value: object, asked: str) -> str:
    if isinstance(value, str) and _USERNAME.fullmatch(value.lower()):
        return value.lower()
    return asked


def _fail(path: str, problem: str) -> NoReturn:
    raise MalformedResponse(f"Malformed response from the Graph API: {path} {problem}")
