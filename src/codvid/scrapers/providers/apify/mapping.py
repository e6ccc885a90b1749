"""Apify dataset items to the provider-neutral results, and nothing else (no I/O).

The actors' items are foreign JSON: every field is checked for its type before it is
used, and a field the result needs but the item lacks or spoils becomes a
:class:`MalformedResponse` naming it (so one bad profile fails alone). Counts follow the
convention of :mod:`codvid.scrapers.base`: a count the item lacks, or hides (Apify writes
``-1`` for a like count the owner hid), is 0 and named in ``unavailable``. Plays
(``videoPlayCount``) and views (``videoViewCount``) are different numbers and are never
swapped for each other.

``raw`` keeps the fields this module reads (and a few that explain them), not the whole
item: a profile item carries CDN links, related profiles and comment samples that would
only bloat the audit trail.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from codvid.scrapers.base import (
    MalformedResponse,
    PostType,
    ProfilePrivate,
    ProfileResult,
    ReelResult,
    ScrapedComment,
    ScrapedPost,
)
from codvid.scrapers.text import parse_hashtags, parse_mentions, post_link

PROVIDER_NAME = "apify"
MAX_TEXT = 2_200
"""Instagram's caption limit; longer strings in ``raw`` are cut to it."""

_PROFILE_FIELDS = (
    "inputUrl", "id", "username", "url", "fullName", "biography", "followersCount",
    "followsCount", "postsCount", "igtvVideoCount", "private", "verified",
    "isBusinessAccount", "businessCategoryName", "profilePicUrl", "profilePicUrlHD",
    "error", "errorDescription",
)  # fmt: skip
_POST_FIELDS = (
    "inputUrl", "id", "shortCode", "url", "type", "productType", "caption", "hashtags",
    "mentions", "timestamp", "likesCount", "commentsCount", "videoViewCount",
    "videoPlayCount", "ownerUsername", "isPinned", "error", "errorDescription",
)  # fmt: skip
_COMMENT_FIELDS = (
    "id", "postUrl", "inputUrl", "text", "ownerUsername", "timestamp", "likesCount",
    "repliesCount",
)  # fmt: skip
_POST_TYPES: dict[str, PostType] = {"Image": "image", "Sidecar": "carousel", "Video": "reel"}
_POST_PATHS = ("p", "reel", "reels", "tv")


class _Fields:
    """Typed reads of one item; every failure names the field (``latestPosts[2].timestamp``)."""

    def __init__(self, item: Mapping[str, Any], where: str = "") -> None:
        self.item = item
        self.where = where
        self.unavailable: list[str] = []

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def fail(self, key: str, problem: str) -> MalformedResponse:
        return MalformedResponse(f"Malformed response from Apify: {self.path(key)} {problem}")

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.item.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(key, "is missing" if value is None else "is not a non-empty string")
        return value

    def count(self, key: str, name: str) -> int:
        """A count, or 0 with ``name`` listed as unavailable when the item lacks or hides it."""
        value = self.item.get(key)
        if value is None or value == -1:
            self.unavailable.append(name)
            return 0
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a count, got {type(value).__name__}")
        if not math.isfinite(value) or value < 0 or value != int(value):
            raise self.fail(key, f"must be a count, got {value!r}")
        return int(value)

    def time(self, key: str) -> float:
        value = self.item.get(key)
        moment = parse_time(value)
        if moment is None:
            raise self.fail(key, "is missing" if value is None else f"is not a time: {value!r}")
        return moment

    def words(self, key: str, fallback: Callable[[str], list[str]], caption: str) -> list[str]:
        value = self.item.get(key)
        if value is None:
            return fallback(caption)
        if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
            raise self.fail(key, "must be a list of strings")
        return value


def parse_time(value: object) -> float | None:
    """Epoch seconds from the actors' ISO 8601 times (``2026-06-22T17:24:20.000Z``) or an
    epoch number; ``None`` if it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) and value > 0 else None
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    epoch = moment.timestamp()
    return epoch if epoch > 0 else None


def shortcode_of(url: object) -> str | None:
    """The shortcode in a post, reel or comment URL (``/p/{code}/``, ``/reel/{code}/``,
    ``/p/{code}/c/{comment}``)."""
    if not isinstance(url, str):
        return None
    parts = [part for part in urlsplit(url).path.split("/") if part]
    for index, part in enumerate(parts[:-1]):
        if part in _POST_PATHS:
            return parts[index + 1]
    return None


def handle(name: str) -> str:
    """A username as Instagram compares them: no ``@``, lowercase."""
    return name.strip().lstrip("@").lower()


def username_of(item: Mapping[str, Any]) -> str | None:
    """Which username a profile item answers: its ``username``, or for an error item the
    profile URL it was made for (``inputUrl``)."""
    username = item.get("username")
    if isinstance(username, str) and username.strip():
        return handle(username)
    for key in ("inputUrl", "url", "input"):
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        if "/" not in value:
            return handle(value)
        parts = [part for part in urlsplit(value.strip()).path.split("/") if part]
        if parts and parts[0] not in _POST_PATHS:
            return parts[0].lower()
    return None


def is_error(item: Mapping[str, Any]) -> bool:
    return bool(item.get("error"))


def is_private(item: Mapping[str, Any]) -> bool:
    """A private profile: Apify gives the account but no posts."""
    return item.get("private") is True and not item.get("latestPosts")


def profile(item: Mapping[str, Any], *, max_posts: int, origin: Mapping[str, Any]) -> ProfileResult:
    """A profile item of the profile scraper. Raises :class:`ProfilePrivate` for a private
    profile and :class:`MalformedResponse` for an item it cannot use."""
    if is_private(item):
        raise ProfilePrivate(
            f"Profile @{username_of(item)} is private",
            raw={**origin, "item": bounded(item, _PROFILE_FIELDS)},
        )
    fields = _Fields(item)
    username = handle(fields.text("username", required=True))
    posts_value = item.get("latestPosts", [])
    if not isinstance(posts_value, list):
        raise fields.fail("latestPosts", "must be a list")
    posts = newest(
        (post(entry, where=f"latestPosts[{index}]") for index, entry in enumerate(posts_value)),
        max_posts,
    )
    picture = fields.text("profilePicUrlHD") or fields.text("profilePicUrl")
    counts = {
        "followers": fields.count("followersCount", "followers"),
        "follows_count": fields.count("followsCount", "follows_count"),
        "posts_count": fields.count("postsCount", "posts_count"),
        "igtv_video_count": fields.count("igtvVideoCount", "igtv_video_count"),
    }
    kept = {entry.post_id for entry in posts}
    raw_item = bounded(item, _PROFILE_FIELDS) | {
        "latestPosts": [
            bounded(entry, _POST_FIELDS)
            for entry in posts_value
            if isinstance(entry, dict) and entry.get("shortCode") in kept
        ]
    }
    return ProfileResult(
        username=username,
        full_name=fields.text("fullName"),
        biography=fields.text("biography"),
        icon_pic_url=picture,
        posts=posts,
        provider=PROVIDER_NAME,
        is_demo=False,
        raw={**origin, "item": raw_item},
        unavailable=tuple(fields.unavailable),
        **counts,
    )


def post(item: object, *, where: str) -> ScrapedPost:
    """One entry of ``latestPosts`` (or a post item of the generic scraper)."""
    if not isinstance(item, Mapping):
        raise MalformedResponse(f"Malformed response from Apify: {where} is not an object")
    fields = _Fields(item, where)
    shortcode = fields.text("shortCode", required=True)
    kind = post_type(fields)
    caption = fields.text("caption")
    return ScrapedPost(
        post_id=shortcode,
        post_url=permalink(fields.text("url"), shortcode),
        timestamp=fields.time("timestamp"),
        type=kind,
        is_reel=kind == "reel",
        caption=caption,
        likes_count=fields.count("likesCount", "likes_count"),
        comments_count=fields.count("commentsCount", "comments_count"),
        video_view_count=fields.count("videoViewCount", "video_view_count"),
        video_play_count=fields.count("videoPlayCount", "video_play_count"),
        hashtags=tuple(hashtags(fields.words("hashtags", parse_hashtags, caption))),
        mentions=tuple(mentions(fields.words("mentions", parse_mentions, caption))),
        unavailable=tuple(fields.unavailable),
    )


def post_type(fields: _Fields) -> PostType:
    """``productType: clips`` is a reel; otherwise by ``type``. Instagram has published every
    feed video as a reel since 2022, so a ``Video`` without ``clips`` counts as one too."""
    if fields.item.get("productType") == "clips":
        return "reel"
    kind = fields.item.get("type")
    if kind not in _POST_TYPES:
        raise fields.fail("type", f"is not Image, Video or Sidecar: {kind!r}")
    return _POST_TYPES[kind]


def reel(item: Mapping[str, Any], *, origin: Mapping[str, Any]) -> ReelResult:
    """A post item of the generic scraper asked for one reel URL."""
    found = post(item, where="item")
    fields = _Fields(item, "item")
    owner = handle(fields.text("ownerUsername", required=True))
    return found.as_reel(
        owner=owner,
        provider=PROVIDER_NAME,
        raw={**origin, "item": bounded(item, _POST_FIELDS)},
        reel_url=f"https://www.instagram.com/reel/{found.post_id}/",
    )


def comment(item: Mapping[str, Any]) -> ScrapedComment | None:
    """A comment item, or ``None`` if it has no usable time (nothing else is required:
    stickers have no text, deleted authors no name)."""
    timestamp = parse_time(item.get("timestamp"))
    if timestamp is None:
        return None
    text, owner, count = item.get("text"), item.get("ownerUsername"), item.get("likesCount")
    # A like count the actor lacks or hides (-1) ranks the comment as unliked.
    likes = count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 0
    if not isinstance(owner, str):
        nested = item.get("owner")
        owner = nested.get("username") if isinstance(nested, Mapping) else None
    return ScrapedComment(
        text=text if isinstance(text, str) else "",
        owner_username=owner.lower() if isinstance(owner, str) else "",
        timestamp=timestamp,
        likes_count=likes,
    )


def comment_post(item: Mapping[str, Any], wanted: Iterable[str]) -> str | None:
    """The shortcode a comment item belongs to, among those asked for: from ``postUrl`` (what
    the comment scraper writes), else ``inputUrl`` or ``commentUrl``."""
    wanted = set(wanted)
    for key in ("postUrl", "inputUrl", "commentUrl", "url"):
        code = shortcode_of(item.get(key))
        if code in wanted:
            return code
    return None


def top_comments(
    found: Sequence[tuple[str, ScrapedComment]], limit: int
) -> tuple[ScrapedComment, ...]:
    """The ``limit`` most liked, ties newest first, each comment once."""
    unique = dict(found)
    ranked = sorted(unique.values(), key=lambda entry: (-entry.likes_count, -entry.timestamp))
    return tuple(ranked[:limit])


def newest(posts: Iterable[ScrapedPost], limit: int) -> tuple[ScrapedPost, ...]:
    """Newest first (pinned posts lead ``latestPosts`` out of order), each post once."""
    unique: dict[str, ScrapedPost] = {}
    for entry in posts:
        unique.setdefault(entry.post_id, entry)
    return tuple(sorted(unique.values(), key=lambda entry: -entry.timestamp)[:limit])


def permalink(url: str, shortcode: str) -> str:
    if url.startswith("https://") and shortcode_of(url) == shortcode:
        return url
    return post_link(shortcode)


def hashtags(words: Iterable[str]) -> list[str]:
    return _unique(word.strip().lstrip("#") for word in words)


def mentions(words: Iterable[str]) -> list[str]:
    return _unique(word.strip().lstrip("@").rstrip(".").lower() for word in words)


def _unique(words: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for word in words:
        if word and " " not in word and word.casefold() not in seen:
            seen.add(word.casefold())
            kept.append(word)
    return kept


def bounded(item: object, keys: Sequence[str]) -> dict[str, Any]:
    """The listed fields of an item, long strings cut to :data:`MAX_TEXT` characters."""
    if not isinstance(item, Mapping):
        return {"unexpected": _cut(repr(item))}
    return {key: _json_safe(item[key]) for key in keys if key in item}


def bounded_comment(item: Mapping[str, Any]) -> dict[str, Any]:
    return bounded(item, _COMMENT_FIELDS)


def _json_safe(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return _cut(value)
    if isinstance(value, bool | int) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if depth < 2 and isinstance(value, list):
        return [_json_safe(entry, depth + 1) for entry in value[:50]]
    if depth < 2 and isinstance(value, Mapping):
        return {str(key): _json_safe(entry, depth + 1) for key, entry in list(value.items())[:50]}
    return _cut(repr(value))


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"
