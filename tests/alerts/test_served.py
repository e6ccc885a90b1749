"""Webhooks of a real ``codvid serve`` after scheduled scrapes of demo tasks: the receiver
on 127.0.0.1 gets signed ``run.succeeded``, ``run.failed``, ``post.new`` and ``milestone``
deliveries that verify with the secret the create route showed, the first one after a
500 and a retry, and the deliveries route shows every attempt's status.

Time is moved as the scheduler sees it (``next_scrape_due`` set in the past in the
server's database, opened beside it). The demo data itself moves with the real clock,
too slowly for a test: before the second scheduled scrape, the first one's snapshot is
made to look older (its newest post not yet there, 1 follower short of a round number),
as a scrape some days before would have left it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from codvid.alerts import rules
from codvid.storage import Store
from tests.alerts.receiver import Receiver, receiving
from tests.client import Api, Tracking
from tests.conftest import TEST_ENV
from tests.server import RunningServer, start_server, store_beside

pytestmark = pytest.mark.anyio

ENV = {
    **TEST_ENV,
    "CODVID_SCHEDULER_INTERVAL": "0.2",
    "CODVID_SCRAPER_STEP_DELAY": "0",
    "CODVID_WEBHOOK_ALLOW_PRIVATE": "true",
    "CODVID_WEBHOOK_POLL_INTERVAL": "0.1",
    "CODVID_WEBHOOK_RETRY_SCHEDULE": "0.2,0.2",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with start_server(tmp_path_factory.mktemp("alerts") / "data", ENV) as running:
        yield running


@pytest.fixture
async def beside(served: RunningServer) -> AsyncIterator[Store]:
    async with store_beside(served) as store:
        yield store


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    with receiving() as receiver:
        yield receiver


async def received(receiver: Receiver, wanted: dict[str, int], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        counts = {
            event: len({r.headers["webhook-id"] for r in receiver.of_type(event)})
            for event in wanted
        }  # deliveries, not attempts: one of them is retried
        if all(counts[event] >= n for event, n in wanted.items()):
            return
        assert time.monotonic() < deadline, f"received {counts}, waiting for {wanted}"
        await asyncio.sleep(0.05)


async def due_now(store: Store, task_id: str) -> None:
    assert await store.collection("profile_tasks").update_one(
        {"_id": task_id}, {"$set": {"next_scrape_due": time.time() - 1}}
    )


async def test_scheduled_scrapes_raise_signed_deliveries(
    served: RunningServer, beside: Store, hooks: Receiver
) -> None:
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as http:
        api = Api(http)
        tracking = Tracking(api)
        user = await api.signup()
        own = await tracking.create_profile(user, "served_alerts_creator")
        gone = await tracking.create_profile(user, "demo_fail_served_gone")
        events = ["run.succeeded", "run.failed", "post.new", "milestone"]
        data = {"url": hooks.url(), "events": events, "task_ids": [own, gone]}
        created = await api.call("POST", "webhooks/create", user, data)
        assert created.status_code == 200, created.text
        webhook = created.json()["response"]
        secret = webhook["secret"]
        hooks.answers.append(500)  # the very first attempt fails (either run's): retried

        await due_now(beside, own)
        await due_now(beside, gone)
        await received(hooks, {"run.succeeded": 1, "run.failed": 1})
        await tracking.wait_idle(user, own)
        first = {r.verified(secret)["type"]: r.verified(secret)["data"] for r in hooks.requests}
        assert first["run.succeeded"]["task_id"] == own
        first_run = first["run.succeeded"]["run_id"]
        assert first["run.succeeded"]["trigger"] == "schedule"
        assert first["run.failed"]["task_id"] == gone
        assert "not found" in first["run.failed"]["reason"]
        assert not hooks.of_type("post.new") and not hooks.of_type("milestone")  # a baseline

        (snapshot,) = await beside.collection("snapshots").find({"task_id": own})
        newest = max(snapshot["posts"], key=lambda post: post["published_at"])
        followers = snapshot["followers"]
        milestone = rules.round_milestones(0, followers)[-1]  # the last round one reached
        await beside.collection("snapshots").update_one(
            {"_id": snapshot["_id"]},
            {
                "$set": {
                    "posts": [p for p in snapshot["posts"] if p["post_id"] != newest["post_id"]],
                    "followers": milestone - 1,
                }
            },
        )
        await due_now(beside, own)
        await received(hooks, {"run.succeeded": 2, "post.new": 1, "milestone": 1})

        payloads = [request.verified(secret) for request in hooks.requests]
        (posted,) = [p["data"] for p in payloads if p["type"] == "post.new"]
        assert posted["post_id"] == newest["post_id"] and posted["task_id"] == own
        (passed,) = [p["data"] for p in payloads if p["type"] == "milestone"]
        assert passed["milestone"] == milestone and passed["round_number"] is True
        assert passed["previous"] == milestone - 1 and passed["followers"] >= followers
        (second,) = {
            p["data"]["run_id"]: p["data"]
            for p in payloads
            if p["type"] == "run.succeeded" and p["data"]["run_id"] != first_run
        }.values()
        assert posted["run_id"] == passed["run_id"] == second["run_id"]

        path = f"webhooks/deliveries/{webhook['webhook_id']}"
        deadline = time.monotonic() + 10
        while True:  # the receiver answers a moment before the server records it
            deliveries = (await api.call("GET", path, user)).json()["response"]["deliveries"]
            listed = (await api.call("GET", "webhooks/list", user)).json()["response"]
            (shown,) = listed["webhooks"]
            if (
                all(d["state"] == "delivered" for d in deliveries)
                and shown["consecutive_failures"] == 0
            ):
                break
            assert time.monotonic() < deadline, (deliveries, shown)
            await asyncio.sleep(0.05)
        assert len(deliveries) == len({r.headers["webhook-id"] for r in hooks.requests}) == 5
        statuses = sorted([a["status_code"] for a in d["attempts"]] for d in deliveries)
        assert statuses == [[200]] * 4 + [[500, 200]]
        assert shown["last_status_code"] == 200 and shown["status"] == "active"
        assert "Traceback" not in served.log()
