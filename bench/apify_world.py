"""The fake Apify API (``tests/fakes/apify.py``) for the scraping benchmarks, and the
Instagram-like items they fill it with.

The fake is the one the provider's tests run against: real HTTP on 127.0.0.1, the
official ``apify-client`` talking to it unchanged, runs that last ``run_duration``
seconds and charge ``price_per_item`` per result written (honouring ``maxItems`` and
``maxTotalChargeUsd``), so :attr:`FakeApify.items_charged` and :attr:`FakeApify.usage_usd`
are what Apify would bill.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.fakes.apify import (  # noqa: E402  (the repository root is on the path only now)
    COMMENT_SCRAPER,
    PROFILE_SCRAPER,
    FakeApify,
    FakeRun,
    comment_item,
    post_item,
    profile_item,
)

__all__ = [
    "COMMENT_SCRAPER",
    "PROFILE_SCRAPER",
    "FakeApify",
    "FakeRun",
    "apify_env",
    "comment_item",
    "comments_for",
    "iso",
    "post_item",
    "profile_item",
    "runs_of",
    "shortcode",
]


def iso(epoch: float) -> str:
    """An epoch as the actors write timestamps (``2026-06-22T17:24:20.000Z``)."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def shortcode(profile: int, post: int) -> str:
    """A distinct, valid shortcode per (profile, post)."""
    return f"B{profile:05d}x{post:04d}"


def comments_for(code: str, count: int, epoch: float) -> list[dict[str, Any]]:
    """``count`` comment items of the post ``code`` (as the comment scraper emits them)."""
    url = f"https://www.instagram.com/p/{code}/"
    return [
        comment_item(
            url,
            f"comment {index} on {code}: love it",
            likes=(index * 7919) % 97,
            owner=f"fan{index:04d}",
            timestamp=iso(epoch - index * 60),
            comment_id=f"{code}c{index:05d}",
        )
        for index in range(count)
    ]


def apify_env(fake: FakeApify) -> dict[str, str]:
    """The ``CODVID_*`` variables that point a codvid process at ``fake``."""
    return {
        "CODVID_SCRAPER_PROVIDER": "apify",
        "CODVID_APIFY_TOKEN": fake.token,
        "CODVID_APIFY_API_URL": fake.base_url,
    }


def runs_of(fake: FakeApify, actor: str) -> list[FakeRun]:
    return [run for run in fake.runs if run.actor == actor]
