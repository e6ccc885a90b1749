"""The ``fields`` expansions the provider sends to Business Discovery.

Business Discovery is a field of the operator's own IG user, expanded with the target's
username; the target's ``media`` edge is expanded inside it, and paged with ``after``
cursors that Meta returns but does not turn into ``next`` links
(developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/business_discovery,
"Pagination")::

    business_discovery.username(bluebottle){followers_count,...,media.limit(50){id,...}}
    business_discovery.username(bluebottle){media.limit(50).after(QVFIU...){id,...}}

The username and the cursor are pasted into that expression, so both are checked first:
a username is Instagram's alphabet only, a cursor Meta's base64 alphabet, both bounded.
"""

from __future__ import annotations

import re

PROFILE_FIELDS = (
    "username",
    "name",
    "biography",
    "profile_picture_url",
    "followers_count",
    "follows_count",
    "media_count",
)
MEDIA_FIELDS = (
    "id",
    "shortcode",
    "permalink",
    "caption",
    "timestamp",
    "media_type",
    "media_product_type",
    "like_count",
    "comments_count",
    "view_count",
)
"""``view_count`` is the reel views Meta gives Business Discovery only (paid and organic);
there is no plays field for other accounts' media, and no ``media_url`` is needed."""

_USERNAME = re.compile(r"[a-z0-9._]{1,30}")
_CURSOR = re.compile(r"[A-Za-z0-9_=-]{1,1024}")


def valid_username(username: str) -> bool:
    return _USERNAME.fullmatch(username) is not None


def usable_cursor(cursor: object) -> str | None:
    """``cursor`` if it can be pasted into a field expansion as it is, else ``None``."""
    if isinstance(cursor, str) and _CURSOR.fullmatch(cursor):
        return cursor
    return None


def profile_fields(username: str, *, limit: int) -> str:
    """The first request for ``username``: the profile and, unless ``limit`` is 0, its
    newest ``limit`` media."""
    fields = list(PROFILE_FIELDS)
    if limit > 0:
        fields.append(_media(limit, after=None))
    return _discovery(username, fields)


def media_fields(username: str, *, limit: int, after: str) -> str:
    """A further page of ``username``'s media, after ``after``."""
    return _discovery(username, [_media(limit, after=after)])


def _discovery(username: str, fields: list[str]) -> str:
    if not valid_username(username):
        raise ValueError(f"not an Instagram username: {username!r}")
    return f"business_discovery.username({username}){{{','.join(fields)}}}"


def _media(limit: int, *, after: str | None) -> str:
    if limit < 1:
        raise ValueError(f"media limit must be positive, got {limit}")
    if after is not None and usable_cursor(after) is None:
        raise ValueError("not a usable paging cursor")
    paged = "" if after is None else f".after({after})"
    return f"media.limit({limit}){paged}{{{','.join(MEDIA_FIELDS)}}}"
