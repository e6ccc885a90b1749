"""instaloader's failures as the provider errors of :mod:`codvid.scrapers.base`.

instaloader raises few exception types and rewraps most HTTP failures: with one attempt,
``get_json`` turns a 429 or 401 into a plain ``ConnectionException`` whose cause is the
original. So the mapping reads the whole ``__cause__`` chain, and the status and
``Retry-After`` of the last answer that :class:`.context.Meter` saw.

Decisions (see ``docs/providers/instaloader.md``):

* 401 "Please wait a few minutes before you try again" is Instagram's throttle, not an
  auth failure: :class:`RateLimited`, 5 minutes unless Instagram says otherwise.
* 403 to a request without the session is Instagram refusing logged-out traffic from
  this address for a while (it often follows a first successful page): :class:`RateLimited`,
  30 minutes. To a request with the session it means the account or its session is
  refused: :class:`AccessDenied`, since waiting does not fix it. (instaloader loads profile
  pages anonymously even with a session, so this is decided per request.)
* An empty or missing answer to a lookup of one shortcode means the post does not exist
  (Instagram answers deleted and private posts that way): :class:`ReelNotFound`.
* A ``KeyError`` and the like raised inside instaloader means Instagram sent a shape
  instaloader does not know: :class:`MalformedResponse`. Raised anywhere else, it is a bug
  and propagates.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import instaloader
import requests
from instaloader.exceptions import (
    AbortDownloadException,
    BadResponseException,
    ConnectionException,
    InstaloaderException,
    LoginRequiredException,
    PostChangedException,
    PrivateProfileNotFollowedException,
    ProfileNotExistsException,
    QueryReturnedBadRequestException,
    QueryReturnedNotFoundException,
    TooManyRequestsException,
)

from codvid.scrapers.base import (
    AccessDenied,
    MalformedResponse,
    ProfilePrivate,
    ProviderRunFailed,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    ScraperError,
)
from codvid.scrapers.providers.instaloader.context import Answer

SESSION_SETTING = "CODVID_INSTALOADER_SESSION_FILE"
WAIT_RETRY_AFTER = 300.0
"""Instagram says "a few minutes" and no number."""
ANONYMOUS_BLOCK_RETRY_AFTER = 1800.0
ACTION_BLOCK_RETRY_AFTER = 3600.0

LOGIN_NEEDED = (
    "Instagram wants a logged-in session for this; the operator can set " + SESSION_SETTING
)
SESSION_REFUSED = (
    f"Instagram refused the session of {SESSION_SETTING}; "
    "the operator must log in again and make a new session file"
)
WAIT = "Instagram asked to wait a few minutes before trying again"
ANONYMOUS_BLOCKED = (
    "Instagram refused anonymous access for now; "
    f"a session file ({SESSION_SETTING}) makes this rarer"
)
_WAIT_TEXT = "wait a few minutes"
_INSTALOADER_DIR = os.path.dirname(os.path.abspath(instaloader.__file__)) + os.sep
_DETAIL_LIMIT = 300

Missing = Callable[[], ScraperError]


def translate(
    exc: BaseException,
    *,
    answer: Answer | None,
    logged_in: bool,
    missing: Missing,
    lookup: bool = False,
) -> ScraperError:
    """The provider error for ``exc``; ``missing()`` is the not-found error of what was
    asked, and ``lookup`` says the call looked up a single shortcode. Raises ``exc`` again
    if it is no failure of Instagram or instaloader (a bug)."""
    if isinstance(exc, ScraperError):
        return exc
    chain = list(_chain(exc))
    raw = _raw(exc, answer)
    detail = " ".join(str(link) for link in chain)
    told = answer.retry_after if answer is not None else None
    found = _network(chain, raw) or _instaloader(chain, raw, told, logged_in, missing, lookup)
    if found is not None:
        return found
    if isinstance(exc, ConnectionException):
        status = answer.status if answer is not None else 0
        by_status = _by_status(status, detail, answer, missing, raw)
        return by_status or ProviderUnavailable(raw=raw)
    if isinstance(exc, InstaloaderException):
        return ProviderRunFailed(f"instaloader failed: {type(exc).__name__}", raw=raw)
    if isinstance(exc, KeyError | TypeError | ValueError | IndexError | AssertionError) and (
        _raised_in_instaloader(exc)
    ):
        return MalformedResponse(
            "Malformed response from scraper: Instagram sent data instaloader cannot read",
            raw=raw,
        )
    raise exc


def _network(chain: list[BaseException], raw: dict[str, Any]) -> ScraperError | None:
    for link in chain:
        if isinstance(link, requests.Timeout):
            return ProviderTimeout("Instagram did not answer in time", raw=raw)
        if isinstance(link, json.JSONDecodeError):
            # Also requests' own JSONDecodeError, which is a RequestException too.
            return MalformedResponse(
                "Malformed response from scraper: Instagram's answer is not JSON", raw=raw
            )
        if isinstance(link, requests.RequestException):
            return ProviderUnavailable("Instagram could not be reached", raw=raw)
    return None


def _instaloader(
    chain: list[BaseException],
    raw: dict[str, Any],
    told: float | None,
    logged_in: bool,
    missing: Missing,
    lookup: bool,
) -> ScraperError | None:
    exc = chain[0]
    if isinstance(exc, ProfileNotExistsException | QueryReturnedNotFoundException):
        return _with_raw(missing(), raw)
    if isinstance(exc, PrivateProfileNotFollowedException):
        return ProfilePrivate(raw=raw)
    if isinstance(exc, LoginRequiredException):
        return AccessDenied(LOGIN_NEEDED if not logged_in else SESSION_REFUSED, raw=raw)
    if isinstance(exc, AbortDownloadException):
        if "feedback_required" in str(exc):
            return RateLimited(
                "Instagram blocked actions of this account for a while",
                retry_after=ACTION_BLOCK_RETRY_AFTER,
                raw=raw,
            )
        return AccessDenied(SESSION_REFUSED, raw=raw)
    if any(isinstance(link, TooManyRequestsException) for link in chain):
        return RateLimited(WAIT, retry_after=told or WAIT_RETRY_AFTER, raw=raw)
    if isinstance(exc, BadResponseException | PostChangedException):
        if lookup:
            return _with_raw(missing(), raw)
        return MalformedResponse(
            "Malformed response from scraper: Instagram's answer lacks the expected data",
            raw=raw,
        )
    if isinstance(exc, QueryReturnedBadRequestException):
        return _bad_request(raw)
    return None


def _by_status(
    status: int,
    detail: str,
    answer: Answer | None,
    missing: Missing,
    raw: dict[str, Any],
) -> ScraperError | None:
    """The error an HTTP status means; ``None`` for a status that says nothing. Whether
    a refusal is of the session depends on whether that request carried it."""
    told = answer.retry_after if answer is not None else None
    logged_in = answer is not None and answer.with_session
    asked_to_wait = _WAIT_TEXT in detail.lower()
    if status == 429:
        return RateLimited(WAIT, retry_after=told or WAIT_RETRY_AFTER, raw=raw)
    if status == 401:
        if asked_to_wait or not logged_in:
            return RateLimited(WAIT, retry_after=told or WAIT_RETRY_AFTER, raw=raw)
        return AccessDenied(SESSION_REFUSED, raw=raw)
    if status == 403:
        if logged_in:
            return AccessDenied(SESSION_REFUSED, raw=raw)
        return RateLimited(
            ANONYMOUS_BLOCKED, retry_after=told or ANONYMOUS_BLOCK_RETRY_AFTER, raw=raw
        )
    if status == 404:
        return _with_raw(missing(), raw)
    if status == 400:
        return _bad_request(raw)
    if status >= 500:
        return ProviderUnavailable(f"Instagram failed on its side ({status})", raw=raw)
    if asked_to_wait:
        # A 200 with {"status": "fail", "message": "Please wait a few minutes..."}.
        return RateLimited(WAIT, retry_after=told or WAIT_RETRY_AFTER, raw=raw)
    return None


def by_status(answer: Answer | None, *, missing: Missing, detail: str = "") -> ScraperError | None:
    """The error of a failed answer that instaloader swallowed (its login test does)."""
    if answer is None:
        return None
    raw = {"status": answer.status, "url": answer.url}
    return _by_status(answer.status, detail, answer, missing, raw)


def _bad_request(raw: dict[str, Any]) -> MalformedResponse:
    return MalformedResponse(
        "Malformed response from scraper: Instagram rejected instaloader's query (400); "
        "instaloader may need an update",
        raw=raw,
    )


def _with_raw(error: ScraperError, raw: dict[str, Any]) -> ScraperError:
    error.raw = raw
    return error


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)


def _raw(exc: BaseException, answer: Answer | None) -> dict[str, Any]:
    raw: dict[str, Any] = {"error": type(exc).__name__, "detail": str(exc)[:_DETAIL_LIMIT]}
    if answer is not None:
        raw["status"] = answer.status
        raw["url"] = answer.url
    return raw


def _raised_in_instaloader(exc: BaseException) -> bool:
    trace = exc.__traceback__
    if trace is None:
        return False
    while trace.tb_next is not None:
        trace = trace.tb_next
    return os.path.abspath(trace.tb_frame.f_code.co_filename).startswith(_INSTALOADER_DIR)
