"""Hashtags and mentions from a caption, as bare words in order of first appearance; a
post's link from its shortcode."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Not after a word character, so URL fragments (``page#top``), HTML entities (``&#39;``)
# and e-mail addresses (``me@example.com``) are not taken for tags.
_HASHTAG = re.compile(r"(?<![\w&#])#(\w+)")
_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9._]{1,30})")


def parse_hashtags(caption: str | None) -> list[str]:
    """Hashtags without ``#``, de-duplicated case-insensitively, first spelling kept.

    Instagram ignores all-digit tags (``#1``), so they are skipped.
    """
    tags = (tag for tag in _HASHTAG.findall(caption or "") if not tag.isdigit())
    return _unique(tags)


def parse_mentions(caption: str | None) -> list[str]:
    """Mentioned usernames without ``@``, lowercased (usernames are case-insensitive)."""
    # A username cannot end with a dot: "thanks @maya." mentions "maya".
    names = (name.rstrip(".").lower() for name in _MENTION.findall(caption or ""))
    return _unique(name for name in names if name)


def _unique(words: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    kept: list[str] = []
    for word in words:
        key = word.casefold()
        if key not in seen:
            seen.add(key)
            kept.append(word)
    return kept


def post_link(shortcode: str) -> str:
    """The public link of a post (or reel) by its shortcode."""
    return f"https://www.instagram.com/p/{shortcode}/"
