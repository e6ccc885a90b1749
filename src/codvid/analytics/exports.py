"""CSV exports: a task's history, and the comparison of the caller's profiles.

RFC 4180: comma separated, CRLF line ends, fields quoted when they hold a comma, a quote
or a line break, UTF-8, a header row. Times are given twice, ISO 8601 in UTC and epoch
seconds. An unknown count is an empty cell. A text cell that a spreadsheet would run as
a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is
prefixed with ``'`` so it shows as text; numbers are written as numbers.

A history is read a page of snapshots at a time (``tracking.history.pages``) and each
page is written out before the next is read: a long history never sits whole in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any, Final

from codvid.analytics import metrics
from codvid.analytics.metrics import DAY, METRICS
from codvid.analytics.service import TASK_FIELDS, compare, target
from codvid.kit.clock import now
from codvid.storage import Store
from codvid.tracking import history as snapshots
from codvid.tracking.service import find_owned

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
PAGE: Final = 500
"""Snapshots read and written per step of a history export."""

COMPARE_COLUMNS: Final = (
    "username",
    "is_competitor",
    "followers",
    "growth_7d",
    "growth_7d_percent",
    "growth_30d",
    "growth_30d_percent",
    "posts_per_week",
    "engagement_mean",
    "engagement_median",
    "average_plays_per_reel",
    "last_scraped_utc",
    "last_scraped_epoch",
    "task_id",
)


def cell(value: Any) -> Any:
    """A value as a CSV cell: unknown is empty, a formula-like text is made inert."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def lines(rows: Iterable[Sequence[Any]]) -> str:
    """``rows`` as CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([cell(value) for value in row] for row in rows)
    return buffer.getvalue()


async def task_history(
    store: Store, user_id: str, task_id: str, days: int | None
) -> tuple[str, AsyncIterator[str]]:
    """The file name and the text, in pieces, of a task's history export. The task is
    looked up first, so a missing or another user's task fails before anything is sent."""
    kind, task = await find_owned(store, user_id, task_id, TASK_FIELDS)
    names = METRICS[kind]
    since = now() - days * DAY if days is not None else None
    name = f"codvid-{kind}-{_safe(target(kind, task))}-history.csv"

    async def text() -> AsyncIterator[str]:
        yield lines([("taken_at_utc", "taken_at_epoch", *names)])
        async for page in snapshots.pages(store, task_id, since, page=PAGE):
            yield lines(
                (metrics.iso(s["taken_at"]), s["taken_at"], *metrics.values(s, names).values())
                for s in page
            )

    return name, text()


async def comparison(store: Store, user_id: str, days: int) -> tuple[str, AsyncIterator[str]]:
    """The file name and the text of the comparison export (at most
    ``service.MAX_COMPARED`` rows, so it is built whole)."""
    rows = (await compare(store, user_id, days))["rows"]

    async def text() -> AsyncIterator[str]:
        yield lines([COMPARE_COLUMNS, *(_compare_line(row) for row in rows)])

    return f"codvid-compare-{days}d.csv", text()


def _compare_line(row: Mapping[str, Any]) -> tuple[Any, ...]:
    def grown(key: str, part: str) -> Any:
        found = row[key]
        return found[part] if found else None

    return (
        row["username"],
        row["is_competitor"],
        row["followers"],
        grown("growth_7d", "absolute"),
        grown("growth_7d", "percent"),
        grown("growth_30d", "absolute"),
        grown("growth_30d", "percent"),
        row["posts_per_week"],
        row["engagement_mean"],
        row["engagement_median"],
        row["average_plays_per_reel"],
        metrics.iso(row["last_scraped"]),
        row["last_scraped"],
        row["task_id"],
    )


def _safe(name: str) -> str:
    """A target as a file-name part: usernames and shortcodes are already safe; anything
    else becomes ``_``."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name)[:64]
