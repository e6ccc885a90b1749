"""What a Graph API failure means for a run, and what the usage headers say.

Meta answers most failures with HTTP 400, throttling included, so the meaning is in the
body's ``error.code`` (and ``error_subcode``), not in the status
(developers.facebook.com/docs/graph-api/guides/error-handling)::

    {"error": {"message": "...", "type": "OAuthException", "code": 190,
               "error_subcode": 463, "fbtrace_id": "..."}}

Usage headers (developers.facebook.com/docs/graph-api/overview/rate-limiting) carry
percentages of the allowance used in the rolling hour: ``X-App-Usage`` (Platform rate
limits, which Business Discovery is subject to) and ``X-Business-Use-Case-Usage`` (one
list per business object, with ``estimated_time_to_regain_access`` in minutes once
throttled). The provider reads them on every answer, so it can stop before Meta blocks.

No message built here names the access token: they name its setting instead.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from codvid.scrapers.base import (
    AccessDenied,
    MalformedResponse,
    NotBusinessAccount,
    ProviderRunFailed,
    ProviderUnavailable,
    RateLimited,
    ReelOwnerUnknown,
    ScraperError,
)

TOKEN_SETTING = "CODVID_GRAPH_ACCESS_TOKEN"
ACCOUNT_SETTING = "CODVID_GRAPH_IG_USER_ID"

TOKEN_CODES = frozenset({102, 190})
"""The session or the access token is invalid or expired."""
THROTTLE_CODES = frozenset({4, 17, 32, 613, 80002})
"""App, user, page, custom (Platform) and Instagram (Business Use Case) throttling."""
PERMISSION_CODES = frozenset({10, *range(200, 300)})
NOT_FOUND_CODES = frozenset({110})
NOT_FOUND_SUBCODES = frozenset({2207013})
"""``Invalid user id`` / ``Cannot find User``: missing and personal accounts alike."""
SERVICE_CODES = frozenset({1, 2})
"""Unknown error and temporary service failure, both worth trying again."""
INVALID_PARAMETER = 100

DEFAULT_RETRY_AFTER = 600.0
"""Seconds to rest when Meta throttles, or usage nears the limit, without saying for how
long: the Platform allowance is a rolling hour, so ten minutes frees a sixth of it."""
MAX_HEADER = 8192
"""Usage headers longer than this are ignored rather than parsed."""


class ReelLookupUnsupported(ReelOwnerUnknown):
    """Business Discovery reads accounts by username; a reel's link names no account.

    The service asks again with the owner when it knows it (an earlier scrape, or a
    tracked profile whose posts include the reel); else the run fails with this."""

    message = (
        "The Graph API finds a reel only through its account: track the account that "
        "posted it as a profile too"
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class Usage:
    """The usage headers of one answer."""

    percent: float | None = None
    """The highest share of any allowance used (call count, CPU time, total time)."""
    regain_after: float | None = None
    """Seconds until Meta lets calls through again, when it says."""
    headers: dict[str, Any] = field(default_factory=dict)
    """The parsed headers, for the audit trail."""


def read_usage(headers: Mapping[str, str]) -> Usage:
    """The usage headers of an answer; unreadable ones are skipped, never fatal."""
    parsed: dict[str, Any] = {}
    percents: list[float] = []
    regains: list[float] = []
    app = _json_header(headers, "x-app-usage")
    if isinstance(app, dict):
        parsed["x-app-usage"] = app
        percents += _percents(app)
    buc = _json_header(headers, "x-business-use-case-usage")
    if isinstance(buc, dict):
        parsed["x-business-use-case-usage"] = buc
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict):
                    percents += _percents(entry)
                    minutes = _number(entry.get("estimated_time_to_regain_access"))
                    if minutes is not None:
                        regains.append(minutes * 60)
    return Usage(
        percent=max(percents, default=None),
        regain_after=max(regains, default=None),
        headers=parsed,
    )


def graph_error(
    status: int, error: Mapping[str, Any], *, username: str, usage: Usage, retry_after: float | None
) -> ScraperError:
    """The failure a Graph API ``error`` object describes.

    ``retry_after`` is the answer's ``Retry-After`` header, if any (Meta rarely sends one).
    """
    raw: dict[str, Any] = {"status": status, "error": dict(error), "usage": usage.headers}
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    if code in TOKEN_CODES:
        return AccessDenied(
            f"The Graph API access token is invalid or expired (error {code}); "
            f"the operator must renew {TOKEN_SETTING}",
            raw=raw,
        )
    if code in THROTTLE_CODES or status == 429:
        wait = throttle_wait(usage, retry_after)
        return RateLimited(
            f"Rate limited by the Graph API (error {code}), try again in {_minutes(wait)}",
            retry_after=wait,
            raw=raw,
        )
    if code in NOT_FOUND_CODES or subcode in NOT_FOUND_SUBCODES or _names_username(code, error):
        return NotBusinessAccount(
            f"@{username} was not found, or is not a business or creator account "
            "(the Graph API sees no personal accounts)",
            raw=raw,
        )
    if code in PERMISSION_CODES:
        return AccessDenied(
            f"The Graph API app lacks a permission Business Discovery needs (error {code}); "
            "the operator must grant instagram_basic, instagram_manage_insights and "
            "pages_read_engagement",
            raw=raw,
        )
    if code == INVALID_PARAMETER:
        return AccessDenied(
            f"The Graph API refused the service's account (error {code}); "
            f"the operator must check {ACCOUNT_SETTING}",
            raw=raw,
        )
    if code in SERVICE_CODES or status >= 500 or error.get("is_transient") is True:
        return ProviderUnavailable(
            f"The Graph API failed on its side (error {code}), try again later", raw=raw
        )
    return ProviderRunFailed(f"The Graph API refused the request (error {code})", raw=raw)


def status_error(status: int, *, usage: Usage, retry_after: float | None, raw: Any) -> ScraperError:
    """The failure an answer without a Graph ``error`` object stands for, by its status."""
    if status == 429:
        wait = throttle_wait(usage, retry_after)
        return RateLimited(
            f"Rate limited by the Graph API, try again in {_minutes(wait)}",
            retry_after=wait,
            raw=raw,
        )
    if status >= 500:
        return ProviderUnavailable(
            f"The Graph API is unavailable (HTTP {status}), try again later", raw=raw
        )
    if status in (401, 403):
        return AccessDenied(
            f"The Graph API refused the service's credentials (HTTP {status}); "
            f"the operator must check {TOKEN_SETTING}",
            raw=raw,
        )
    return MalformedResponse(
        f"Malformed response from the Graph API: HTTP {status} without an error", raw=raw
    )


def throttle_wait(usage: Usage, retry_after: float | None) -> float:
    """Seconds to wait: the longest time Meta named, else :data:`DEFAULT_RETRY_AFTER`."""
    named = [s for s in (usage.regain_after, retry_after) if s is not None and s > 0]
    return max(named) if named else DEFAULT_RETRY_AFTER


def scrub(value: Any, secret: str) -> Any:
    """``value`` with every occurrence of ``secret`` in its strings replaced.

    Meta's standard paging links repeat the access token; anything kept for the audit
    trail passes through here first."""
    if not secret:
        return value
    if isinstance(value, str):
        return value.replace(secret, "[redacted]")
    if isinstance(value, dict):
        return {scrub(k, secret): scrub(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(item, secret) for item in value]
    return value


def _names_username(code: int | None, error: Mapping[str, Any]) -> bool:
    """An invalid-parameter error about the username asked for (not about our account,
    nor about a field the provider asked for)."""
    text = f"{error.get('message', '')} {error.get('error_user_msg', '')}".lower()
    return code == INVALID_PARAMETER and "username" in text and "field" not in text


def _json_header(headers: Mapping[str, str], name: str) -> Any:
    value = headers.get(name)
    if not value or len(value) > MAX_HEADER:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def _percents(entry: Mapping[str, Any]) -> list[float]:
    values = (_number(entry.get(key)) for key in ("call_count", "total_cputime", "total_time"))
    return [value for value in values if value is not None]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _minutes(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} min"
