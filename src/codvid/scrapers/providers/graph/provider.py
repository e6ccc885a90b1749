"""The ``graph`` provider: other accounts' public data through Meta's Business Discovery.

Each profile is one ``GET /{version}/{ig-user-id}?fields=business_discovery.username(...)``
on the operator's own professional account (:mod:`.query`), plus one request per further
page of media, until ``max_posts`` posts, the account's ``media_count``, an empty page, a
missing or repeated cursor, or :data:`MAX_PAGES` pages. Business Discovery takes one
username, so ``batch_size`` is 1: each call of :meth:`GraphProvider.fetch_profiles` is
one profile, and the caller's guard counts and spaces them. (Meta's batch API would save
round trips only; Meta counts every request inside a batch against the same limits.)

The access token travels in the ``Authorization: Bearer`` header, which the Graph API
accepts as OAuth 2.0 prescribes, so request URLs (which httpx logs at INFO) hold none.
Whatever is kept of an answer is scrubbed of the token first (:func:`.errors.scrub`).

Errors are read from ``error.code`` (:mod:`.errors`). Call-wide failures (credentials,
throttling, timeouts, Meta's own faults) are raised, so the guard can retry or rest;
those of one profile (not found or personal, data that cannot be used) are its entry in
the batch. The usage headers of every answer are read: once any share of the allowance
reaches ``usage_ceiling`` percent, the next call raises :class:`RateLimited` without
reaching Meta, for as long as Meta said or :data:`.errors.DEFAULT_RETRY_AFTER`.

Reels cannot be looked up by shortcode (:class:`.errors.ReelLookupUnsupported`), and
other accounts' comment texts are not given (``comments_available`` is false).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from codvid.scrapers.base import (
    CommentBatch,
    Cost,
    MalformedResponse,
    PostRef,
    ProfileBatch,
    ProfileNotFound,
    ProfileResult,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    ReelNotFound,
    ReelResult,
    ScraperError,
)
from codvid.scrapers.providers.graph import errors, mapping, query

DEFAULT_API_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v25.0"
PAGE_SIZE = 50
"""Media asked for per page. Meta documents no maximum; clients report pages of 50."""
MAX_PAGES = 10
"""Pages read for one profile at most, however small Meta's pages are."""
MAX_BODY = 4 * 1024 * 1024
"""Bytes of one answer read at most (a page of 50 posts is about 100 KiB)."""
USAGE_CEILING = 95.0
"""Percent of an allowance after which no further call goes out until the rest is over."""
MAX_CONNECTIONS = 4
EXCERPT = 300
"""Characters kept of an answer that is not the JSON expected."""


class GraphProvider:
    name = mapping.PROVIDER_NAME
    batch_size = 1
    comments_available = False
    rate_limit = "180/hour"
    """Under the 200 calls an hour per user of Meta's Graph API rate limit (its size for
    Business Discovery is not published), leaving room for other uses of the token; the
    usage headers pause the provider before Meta's own limit in any case."""

    def __init__(
        self,
        *,
        access_token: str,
        ig_user_id: str,
        api_url: str = DEFAULT_API_URL,
        api_version: str = DEFAULT_API_VERSION,
        timeout: float = 120.0,
        page_size: int = PAGE_SIZE,
        max_pages: int = MAX_PAGES,
        usage_ceiling: float = USAGE_CEILING,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not access_token:
            raise ValueError(f"the graph provider needs {errors.TOKEN_SETTING}")
        if not ig_user_id.isascii() or not ig_user_id.isdigit() or len(ig_user_id) > 32:
            raise ValueError(f"{errors.ACCOUNT_SETTING} must be the numeric IG user id")
        if timeout <= 0 or page_size < 1 or max_pages < 1 or not 0 < usage_ceiling <= 100:
            raise ValueError("timeout, page_size, max_pages and usage_ceiling must be positive")
        self._secret = access_token
        self._path = f"/{api_version}/{ig_user_id}"
        self._timeout = timeout
        self._page_size = page_size
        self._max_pages = max_pages
        self._ceiling = usage_ceiling
        self._clock = clock
        self._rest_until = -math.inf
        self._rest_reason = ""
        self.calls = 0
        """Requests sent to the Graph API so far."""
        self._client = httpx.AsyncClient(
            base_url=api_url.rstrip("/"),
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(
                max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
            ),
            transport=transport,
            follow_redirects=False,
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def fetch_profiles(self, usernames: Sequence[str], *, max_posts: int) -> ProfileBatch:
        if max_posts < 0:
            raise ValueError(f"max_posts must not be negative, got {max_posts}")
        if len(usernames) > self.batch_size:
            raise ValueError(f"at most {self.batch_size} username per call")
        start = self.calls
        profiles: dict[str, ProfileResult | ScraperError] = {}
        for asked in usernames:
            try:
                profiles[asked] = await self._profile(asked.lower(), max_posts)
            except (ProfileNotFound, MalformedResponse) as exc:
                profiles[asked] = exc
        return ProfileBatch(profiles=profiles, cost=Cost(usd=None, calls=self.calls - start))

    async def fetch_reel(self, shortcode: str, *, owner: str | None = None) -> ReelResult:
        """Business Discovery finds accounts by username, and a shortcode names none (since
        November 2025 Meta's oEmbed no longer says who posted a link either): the reel is
        looked for among ``owner``'s media, newest first, at most ``max_pages`` pages."""
        if owner is None:
            raise errors.ReelLookupUnsupported(raw={"shortcode": shortcode[:64]})
        username = owner.lower()
        if not query.valid_username(username):
            raise ReelNotFound(f"@{username[:40]} is not a valid Instagram username")
        start = self.calls
        fields = query.profile_fields(username, limit=self._page_size)
        cursor: str | None = None
        pages = 0
        while pages < self._max_pages:
            pages += 1
            if cursor is not None:
                fields = query.media_fields(username, limit=self._page_size, after=cursor)
            payload, usage = await self._get(fields, username)
            items, after = _media_page(_discovery(payload).get("media"))
            for index, item in enumerate(items):
                if isinstance(item, Mapping) and _names(item, shortcode):
                    raw = {"owner": username, "media": item, "usage": usage.headers}
                    found = mapping.post(item, f"media[{index}]")
                    return mapping.reel(found, username, raw, Cost(calls=self.calls - start))
            if not items or after is None or after == cursor:
                break
            cursor = after
        raise ReelNotFound(
            f"Reel {shortcode[:64]} is not among the recent posts of @{username}",
            raw={"owner": username, "pages": pages},
        )

    async def fetch_comments(self, posts: Sequence[PostRef], *, max_comments: int) -> CommentBatch:
        """Comment texts of other accounts' media are not given by the Graph API."""
        return CommentBatch(cost=Cost(usd=None, calls=0))

    async def _profile(self, username: str, max_posts: int) -> ProfileResult:
        if not query.valid_username(username):
            raise ProfileNotFound(f"@{username[:40]} is not a valid Instagram username")
        first = min(max_posts, self._page_size)
        payload, usage = await self._get(query.profile_fields(username, limit=first), username)
        discovery = _discovery(payload)
        items, cursor = _media_page(discovery.get("media"))
        known = discovery.get("media_count")
        total = known if isinstance(known, int) else math.inf
        pages = 1
        while cursor is not None and len(items) < min(max_posts, total) and pages < self._max_pages:
            limit = min(self._page_size, max_posts - len(items))
            fields = query.media_fields(username, limit=limit, after=cursor)
            payload, usage = await self._get(fields, username)
            pages += 1
            page, after = _media_page(_discovery(payload).get("media"))
            if not page:
                break
            items += page
            cursor = None if after == cursor else after
        profile_raw = {key: value for key, value in discovery.items() if key != "media"}
        raw = {
            "business_discovery": profile_raw,
            "media": items[:max_posts],
            "pages": pages,
            "usage": usage.headers,
        }
        try:
            return mapping.profile(username, discovery, items, max_posts=max_posts, raw=raw)
        except MalformedResponse as exc:
            exc.raw = raw
            raise

    async def _get(self, fields: str, username: str) -> tuple[dict[str, Any], errors.Usage]:
        """One Graph API request; its answer as a JSON object, or the failure it means."""
        self._check_rest()
        self.calls += 1
        try:
            async with self._client.stream(
                "GET", self._path, params={"fields": fields}
            ) as response:
                body = await _read(response)
        except httpx.TimeoutException:
            raise ProviderTimeout(
                f"The Graph API did not answer within {self._timeout:g} s"
            ) from None
        except httpx.TransportError as exc:
            raise ProviderUnavailable(
                f"The Graph API could not be reached ({type(exc).__name__})"
            ) from None
        usage = errors.read_usage(response.headers)
        self._note(usage)
        retry_after = _seconds(response.headers.get("retry-after"))
        status = response.status_code
        try:
            payload = errors.scrub(json.loads(body), self._secret)
        except ValueError:
            raw = {"status": status, "body": self._excerpt(body.decode("utf-8", "replace"))}
            if status != 200:
                raise self._failed(
                    errors.status_error(status, usage=usage, retry_after=retry_after, raw=raw)
                ) from None
            raise MalformedResponse(
                "Malformed response from the Graph API: the answer is not JSON", raw=raw
            ) from None
        error = payload.get("error") if isinstance(payload, dict) else None
        if isinstance(error, dict):
            failure = errors.graph_error(
                status, error, username=username, usage=usage, retry_after=retry_after
            )
            raise self._failed(failure)
        if status != 200:
            raw = {"status": status, "body": self._excerpt(json.dumps(payload))}
            raise self._failed(
                errors.status_error(status, usage=usage, retry_after=retry_after, raw=raw)
            )
        if not isinstance(payload, dict):
            raise MalformedResponse(
                "Malformed response from the Graph API: the answer is not an object",
                raw={"status": status},
            )
        return payload, usage

    def _excerpt(self, text: str) -> str:
        """The start of an answer that is kept as text (scrubbed before it is cut, so no
        piece of the token can remain)."""
        return str(errors.scrub(text, self._secret))[:EXCERPT]

    def _check_rest(self) -> None:
        left = self._rest_until - self._clock()
        if left > 0:
            raise RateLimited(
                f"{self._rest_reason}; resting {math.ceil(left)} s before calling again",
                retry_after=left,
            )

    def _note(self, usage: errors.Usage) -> None:
        """Rest before Meta throttles, once the usage headers near the ceiling."""
        if usage.percent is not None and usage.percent >= self._ceiling:
            self._rest(
                errors.throttle_wait(usage, None),
                f"The Graph API usage is at {usage.percent:g}% of its limit",
            )

    def _failed(self, failure: ScraperError) -> ScraperError:
        if isinstance(failure, RateLimited) and failure.retry_after is not None:
            self._rest(failure.retry_after, "The Graph API throttled the service")
        return failure

    def _rest(self, seconds: float, reason: str) -> None:
        until = self._clock() + seconds
        if until > self._rest_until:
            self._rest_until = until
            self._rest_reason = reason


async def _read(response: httpx.Response) -> bytes:
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > MAX_BODY:
            raise MalformedResponse(
                f"Malformed response from the Graph API: the answer exceeds {MAX_BODY} bytes",
                raw={"status": response.status_code},
            )
    return bytes(body)


def _discovery(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    found = payload.get("business_discovery")
    if not isinstance(found, Mapping):
        raise MalformedResponse(
            "Malformed response from the Graph API: no business_discovery object",
            raw={"keys": sorted(str(key) for key in payload)[:20]},
        )
    return found


def _media_page(edge: object) -> tuple[list[object], str | None]:
    """The items of a ``media`` edge and its ``after`` cursor (``None``: no further page
    to ask for). An account without media has no edge at all."""
    if edge is None:
        return [], None
    data = edge.get("data") if isinstance(edge, Mapping) else None
    if not isinstance(data, list):
        raise MalformedResponse(
            "Malformed response from the Graph API: media has no data list",
            raw={"media": type(edge).__name__},
        )
    paging = edge.get("paging") if isinstance(edge, Mapping) else None
    cursors = paging.get("cursors") if isinstance(paging, Mapping) else None
    after = cursors.get("after") if isinstance(cursors, Mapping) else None
    return list(data), query.usable_cursor(after)


def _names(item: Mapping[str, Any], shortcode: str) -> bool:
    """Whether a media item is the post with ``shortcode`` (its field, else its link)."""
    if item.get("shortcode") == shortcode:
        return True
    permalink = item.get("permalink")
    return isinstance(permalink, str) and f"/{shortcode}/" in permalink


def _seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header in seconds (the HTTP-date form is not used by Meta)."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and math.isfinite(seconds) and seconds >= 0 else None
