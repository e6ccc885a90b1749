"""The analytics routes of a real ``codvid serve`` after several scheduled scrapes of
demo tasks: every number computed again here from the snapshots the server stored, and
the chart drawn by headless Chromium."""

from __future__ import annotations

import asyncio
import csv
import io
import statistics
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from codvid.analytics.chart import LINE_COLOUR
from codvid.storage import Store
from codvid.tracking.documents import PROFILE_TASKS, REEL_TASKS, SNAPSHOTS
from tests.browser import decode_png, is_blank, pixels_near, require_chromium, screenshot
from tests.client import Api, Tracking, User
from tests.conftest import TEST_ENV
from tests.server import RunningServer, start_server, store_beside

pytestmark = pytest.mark.anyio

SCRAPES = 3


@pytest.fixture(scope="module")
def scheduled_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    env = {**TEST_ENV, "CODVID_SCHEDULER_INTERVAL": "0.2", "CODVID_SCRAPER": "demo"}
    with start_server(tmp_path_factory.mktemp("analytics") / "data", env) as running:
        yield running


@pytest.fixture
async def beside(scheduled_server: RunningServer) -> AsyncIterator[Store]:
    async with store_beside(scheduled_server) as store:
        yield store


async def scheduled_scrapes(store: Store, tasks: dict[str, str], count: int) -> None:
    """Make every task due ``count`` times, each time until the scheduler's run of it
    left its snapshot (the demo provider answers at once)."""
    for round_ in range(1, count + 1):
        for task_id, collection in tasks.items():
            await store.collection(collection).update_one(
                {"_id": task_id}, {"$set": {"next_scrape_due": time.time() - 1}}
            )
        deadline = time.monotonic() + 60
        while True:
            done = [
                await store.collection(SNAPSHOTS).count_documents({"task_id": task_id})
                for task_id in tasks
            ]
            if all(n >= round_ for n in done):
                break
            assert time.monotonic() < deadline, f"round {round_}: snapshots {done}"
            await asyncio.sleep(0.1)


async def get(http: httpx.AsyncClient, user: User, path: str, **params: Any) -> httpx.Response:
    response = await http.get(f"/codvid-ai/ig-tracking/{path}", headers=user.headers, params=params)
    assert response.status_code == 200, response.text
    return response


def nearest_followers(snapshots: list[dict[str, Any]], at: float) -> int:
    return int(min(snapshots, key=lambda s: (abs(s["taken_at"] - at), s["taken_at"]))["followers"])


async def test_analytics_after_scheduled_scrapes(
    scheduled_server: RunningServer, beside: Store
) -> None:
    async with httpx.AsyncClient(base_url=scheduled_server.url, timeout=30) as http:
        api = Api(http)
        tracking = Tracking(api)
        user = await api.signup()
        project = await api.create_project(user)
        own = await tracking.create_profile(user, "served_own")
        rival = await tracking.create_profile(user, "served_rival", is_competitor=True)
        reel = await tracking.create_reel(user, project, "Reel0001")
        tasks = {own: PROFILE_TASKS, rival: PROFILE_TASKS, reel: REEL_TASKS}

        await scheduled_scrapes(beside, tasks, SCRAPES)
        for task_id in tasks:
            await tracking.wait_idle(user, task_id)
        stored = {
            task_id: await beside.collection(SNAPSHOTS).find(
                {"task_id": task_id}, sort=[("taken_at", 1)]
            )
            for task_id in tasks
        }
        assert all(len(found) >= SCRAPES for found in stored.values())

        # History: every scheduled scrape, with the numbers it stored.
        history = (await get(http, user, f"history/{own}")).json()["response"]
        assert [p["taken_at"] for p in history["points"]] == [s["taken_at"] for s in stored[own]]
        assert [p["values"]["followers"] for p in history["points"]] == [
            s["followers"] for s in stored[own]
        ]
        assert history["last_scrape_at"] == stored[own][-1]["taken_at"]
        assert history["daily"][-1]["values"]["posts_count"] == stored[own][-1]["posts_count"]
        reel_history = (await get(http, user, f"history/{reel}")).json()["response"]
        assert [p["values"]["plays"] for p in reel_history["points"]] == [
            s["plays"] for s in stored[reel]
        ]

        # Engagement: by the followers of the scrape nearest each post's publication.
        body = (await get(http, user, f"engagement/{own}")).json()["response"]
        latest = stored[own][-1]
        expected = {}
        for post in latest["posts"]:
            followers = nearest_followers(stored[own], post["published_at"])
            expected[post["post_id"]] = round(
                100 * (post["likes"] + post["comments"]) / followers, 4
            )
        assert {p["post_id"]: p["by_followers"] for p in body["posts"]} == expected
        median = round(statistics.median(expected.values()), 4)
        assert body["summary"]["by_followers"]["median"] == median
        reel_body = (await get(http, user, f"engagement/{reel}")).json()["response"]
        last_reel = stored[reel][-1]
        assert reel_body["reel"]["per_play"] == round(
            100 * (last_reel["likes"] + last_reel["comments"]) / last_reel["plays"], 4
        )

        # Compare: one row per profile, own first.
        rows = (await get(http, user, "compare")).json()["response"]["rows"]
        assert [r["task_id"] for r in rows] == [own, rival]
        assert rows[1]["followers"] == stored[rival][-1]["followers"]
        assert rows[0]["engagement_median"] == body["summary"]["by_followers"]["median"]

        # Both CSVs: the same numbers.
        exported = list(
            csv.DictReader(io.StringIO((await get(http, user, f"export/{own}.csv")).text))
        )
        assert [int(r["followers"]) for r in exported] == [s["followers"] for s in stored[own]]
        compared = list(
            csv.DictReader(io.StringIO((await get(http, user, "export/compare.csv")).text))
        )
        assert [r["username"] for r in compared] == ["served_own", "served_rival"]
        assert compared[1]["followers"] == str(stored[rival][-1]["followers"])

        # The chart, drawn by a browser.
        chart = await get(http, user, f"chart/{own}.svg", metric="followers", days=7)
        assert chart.headers["content-type"].startswith("image/svg+xml")
    require_chromium()
    png = screenshot(chart.content, 800, 320)
    assert not is_blank(png)
    assert pixels_near(decode_png(png), LINE_COLOUR) > 0
