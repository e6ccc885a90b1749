"""Check a provider's result before anything is stored.

Providers are typed, but a real one maps foreign JSON into these dataclasses and can
still slip: ``None`` where a count belongs, a negative number, ``NaN``, a missing
username. The run code passes every result through :func:`check_profile` or
:func:`check_reel`; a :class:`MalformedResponse` then ends the run as failed with the
first problem found as its reason, and the previous data stays untouched.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar, get_args

from codvid.scrapers.base import (
    MalformedResponse,
    PostType,
    ProfileResult,
    ReelResult,
    ScrapedComment,
    ScrapedPost,
)

_USERNAME = re.compile(r"[A-Za-z0-9._]{1,30}")
_SHORTCODE = re.compile(r"[A-Za-z0-9_-]{5,64}")
_POST_TYPES: tuple[str, ...] = get_args(PostType)

T = TypeVar("T")
PROFILE_COUNTS = ("followers", "follows_count", "posts_count", "igtv_video_count")
POST_COUNTS = ("likes_count", "comments_count", "video_view_count", "video_play_count")
REEL_COUNTS = ("likes", "comments", "views", "plays")


def check_profile(result: object) -> ProfileResult:
    """``result`` if it is a well-formed profile; else MalformedResponse naming the field,
    with the result's raw payload (what was received is kept for the audit)."""
    with _keeping_raw(result):
        return _profile(result)


def check_reel(result: object) -> ReelResult:
    """``result`` if it is a well-formed reel; else MalformedResponse, as above."""
    with _keeping_raw(result):
        return _reel(result)


@contextmanager
def _keeping_raw(result: object) -> Iterator[None]:
    try:
        yield
    except MalformedResponse as exc:
        raw = getattr(result, "raw", None)
        if exc.raw is None and isinstance(raw, dict):
            exc.raw = raw
        raise


def _profile(result: object) -> ProfileResult:
    if not isinstance(result, ProfileResult):
        _fail("result", f"must be a ProfileResult, got {type(result).__name__}")
    _match(result.username, "username", _USERNAME)
    for name in ("full_name", "biography", "icon_pic_url"):
        _text(getattr(result, name), name)
    for name in ("followers", "follows_count", "posts_count", "igtv_video_count"):
        _count(getattr(result, name), name)
    seen: set[str] = set()
    for index, post in enumerate(_items(result.posts, "posts", ScrapedPost)):
        _post(post, f"posts[{index}]")
        if post.post_id in seen:
            _fail(f"posts[{index}].post_id", f"repeats {post.post_id!r}")
        seen.add(post.post_id)
    _origin(result.provider, result.is_demo, result.raw)
    _unavailable(result.unavailable, "unavailable", PROFILE_COUNTS)
    return result


def _reel(result: object) -> ReelResult:
    if not isinstance(result, ReelResult):
        _fail("result", f"must be a ReelResult, got {type(result).__name__}")
    _match(result.shortcode, "shortcode", _SHORTCODE)
    _text(result.reel_url, "reel_url", required=True)
    _text(result.caption, "caption")
    for name in ("likes", "comments", "views", "plays"):
        _count(getattr(result, name), name)
    _time(result.timestamp, "timestamp")
    _words(result.hashtags, "hashtags", "#")
    _words(result.mentions, "mentions", "@")
    _match(result.owner_username, "owner_username", _USERNAME)
    _comments(result.comments_list, "comments_list")
    _origin(result.provider, result.is_demo, result.raw)
    _unavailable(result.unavailable, "unavailable", REEL_COUNTS)
    return result


def _post(post: ScrapedPost, path: str) -> None:
    _text(post.post_id, f"{path}.post_id", required=True)
    _text(post.post_url, f"{path}.post_url", required=True)
    _time(post.timestamp, f"{path}.timestamp")
    if post.type not in _POST_TYPES:
        _fail(f"{path}.type", f"must be one of {', '.join(_POST_TYPES)}, got {post.type!r}")
    if post.is_reel is not (post.type == "reel"):
        _fail(f"{path}.is_reel", f"must be {post.type == 'reel'} for type {post.type!r}")
    _text(post.caption, f"{path}.caption")
    for name in ("likes_count", "comments_count", "video_view_count", "video_play_count"):
        _count(getattr(post, name), f"{path}.{name}")
    _words(post.hashtags, f"{path}.hashtags", "#")
    _words(post.mentions, f"{path}.mentions", "@")
    _comments(post.comments, f"{path}.comments")
    _unavailable(post.unavailable, f"{path}.unavailable", POST_COUNTS)


def _unavailable(names: object, path: str, known: tuple[str, ...]) -> None:
    if not isinstance(names, tuple):
        _fail(path, f"must be a tuple, got {type(names).__name__}")
    for index, name in enumerate(names):
        if name not in known:
            _fail(f"{path}[{index}]", f"must name a count field ({', '.join(known)})")


def _comments(comments: object, path: str) -> None:
    for index, comment in enumerate(_items(comments, path, ScrapedComment)):
        at = f"{path}[{index}]"
        _text(comment.text, f"{at}.text")
        # Instagram shows deleted or unknown authors with an empty name; keep the comment.
        _text(comment.owner_username, f"{at}.owner_username")
        _time(comment.timestamp, f"{at}.timestamp")
        _count(comment.likes_count, f"{at}.likes_count")


def _origin(provider: object, is_demo: object, raw: object) -> None:
    _text(provider, "provider", required=True)
    if not isinstance(is_demo, bool):
        _fail("is_demo", f"must be a boolean, got {type(is_demo).__name__}")
    if not isinstance(raw, dict):
        _fail("raw", f"must be a dict, got {type(raw).__name__}")
    try:
        json.dumps(raw, allow_nan=False)
    except (TypeError, ValueError) as exc:
        _fail("raw", f"must be JSON-serialisable ({exc})")


def _items(value: object, path: str, kind: type[T]) -> tuple[T, ...]:
    if not isinstance(value, tuple):
        _fail(path, f"must be a tuple, got {type(value).__name__}")
    for index, item in enumerate(value):
        if not isinstance(item, kind):
            _fail(f"{path}[{index}]", f"must be a {kind.__name__}, got {type(item).__name__}")
    return value


def _words(value: object, path: str, prefix: str) -> None:
    if not isinstance(value, tuple):
        _fail(path, f"must be a tuple, got {type(value).__name__}")
    for index, word in enumerate(value):
        if not isinstance(word, str) or not word or word.startswith(prefix):
            _fail(f"{path}[{index}]", f"must be a bare non-empty word without {prefix!r}")


def _text(value: object, path: str, *, required: bool = False) -> str:
    if not isinstance(value, str):
        _fail(path, f"must be a string, got {type(value).__name__}")
    if required and not value.strip():
        _fail(path, "must not be empty")
    return value


def _match(value: object, path: str, pattern: re.Pattern[str]) -> None:
    if not pattern.fullmatch(_text(value, path, required=True)):
        _fail(path, f"is not valid: {value!r}")


def _count(value: object, path: str) -> None:
    # bool is an int subclass, but True is no count.
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(path, f"must be an integer, got {type(value).__name__}")
    if value < 0:
        _fail(path, f"must not be negative, got {value}")


def _time(value: object, path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(path, f"must be epoch seconds, got {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        _fail(path, f"must be a finite positive epoch, got {value}")


def _fail(path: str, problem: str) -> NoReturn:
    raise MalformedResponse(f"Malformed response from scraper: {path} {problem}")
