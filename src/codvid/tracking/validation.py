"""Input rules for tracking (contract 7.5, 7.6, 7.9), as pydantic annotated types."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

USERNAME = re.compile(r"^[A-Za-z0-9._]{1,30}$")
REEL_URL = re.compile(
    r"^https://(?:www\.)?instagram\.com/(?:reel|reels|p)/([A-Za-z0-9_-]{5,64})/?(?:\?[^#\s]*)?$"
)
SHORTCODE = re.compile(r"^[A-Za-z0-9_-]{5,64}$")
INTERVAL_MIN, INTERVAL_MAX, INTERVAL_DEFAULT = 0.5, 30.0, 2.0
INTERVAL_MESSAGE = f"must be a number from {INTERVAL_MIN:g} to {INTERVAL_MAX:g}"
TaskStatus = Literal["active", "paused"]


def _username(value: str) -> str:
    """Instagram's own rule: 1-30 letters, digits, ``.`` and ``_``; stored lowercase.
    A leading ``@`` (as people paste it) is dropped."""
    value = value.strip().removeprefix("@")
    if not USERNAME.fullmatch(value):
        raise ValueError("Invalid Instagram username format")
    return value.lower()


def _interval(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(INTERVAL_MESSAGE)
    # Compared as given: an integer of thousands of digits has no float.
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(INTERVAL_MESSAGE)
    if not INTERVAL_MIN <= value <= INTERVAL_MAX:
        raise ValueError(INTERVAL_MESSAGE)
    return float(value)


def _reel_url(value: str) -> str:
    value = value.strip()
    if not REEL_URL.fullmatch(value):
        raise ValueError("Invalid Instagram reel URL format")
    return value


def reel_shortcode(url: str) -> str:
    match = REEL_URL.fullmatch(url)
    assert match is not None, "validated before"
    return match.group(1)


def _shortcode(value: str) -> str:
    if not SHORTCODE.fullmatch(value):
        raise ValueError("Invalid reel id format")
    return value


Username = Annotated[
    str,
    AfterValidator(_username),
    WithJsonSchema({"type": "string", "pattern": r"^@?[A-Za-z0-9._]{1,30}$"}),
]
Interval = Annotated[
    float,
    BeforeValidator(_interval),
    WithJsonSchema({"type": "number", "minimum": INTERVAL_MIN, "maximum": INTERVAL_MAX}),
]
ReelUrl = Annotated[
    str,
    AfterValidator(_reel_url),
    WithJsonSchema({"type": "string", "pattern": REEL_URL.pattern}),
]
Shortcode = Annotated[
    str,
    AfterValidator(_shortcode),
    WithJsonSchema({"type": "string", "pattern": SHORTCODE.pattern}),
]
