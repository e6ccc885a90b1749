"""Two API processes, two workers and two schedulers on one database and one broker, for
RabbitMQ and for Redis streams: what one process does, the others see; a claim is won
once across processes; a due scrape runs once however many schedulers look."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx
import pytest

from tests.client import Api, Tracking, User, envelope
from tests.cluster.conftest import Cluster, MakeCluster

pytestmark = pytest.mark.anyio


class Apis:
    """One client per API process, all acting for the same users."""

    def __init__(self, clients: list[httpx.AsyncClient]) -> None:
        self.tracking = [Tracking(Api(client)) for client in clients]

    def __getitem__(self, index: int) -> Tracking:
        return self.tracking[index % len(self.tracking)]


async def chat(tracking: Tracking, user: User, project: str, text: str) -> httpx.Response:
    return await tracking.api.http.post(
        "/codvid-ai/ai/respond",
        headers=user.headers,
        json=envelope(project_name=project, message={"role": "user", "type": "text", "text": text}),
    )


async def test_the_processes_act_as_one_service(make_cluster: MakeCluster, broker_url: str) -> None:
    # Runs that take a few seconds: the 20 racing force scrapes all arrive while the
    # winner's run still holds the task.
    with make_cluster(broker_url, CODVID_SCRAPER_STEP_DELAY="0.5") as cluster:
        async with (
            httpx.AsyncClient(base_url=cluster.apis[0].url, timeout=30) as first,
            httpx.AsyncClient(base_url=cluster.apis[1].url, timeout=30) as second,
        ):
            apis = Apis([first, second])
            try:
                await _one_service(cluster, apis)
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n{cluster.logs()}") from exc


async def _one_service(cluster: Cluster, apis: Apis) -> None:
    user = await apis[0].api.signup()
    assert (await apis[1].api.login(user)).status_code == 201

    # Created through one process, force-scraped through the other.
    task_id = await apis[0].create_profile(user, "creator.daily")
    forced = await apis[1].call("POST", "force_scrape", user, task_id)
    assert forced.status_code == 200, forced.text
    status = await apis[0].wait_idle(user, task_id, poll=0.05)
    assert status["last_run"]["status"] == "succeeded", status
    statuses = [(await apis[i].call("GET", "task_status", user, task_id)).json() for i in (0, 1)]
    assert statuses[0] == statuses[1]

    # 20 force scrapes at once, split across both processes: exactly one wins.
    answers = await asyncio.gather(
        *(apis[i].call("POST", "force_scrape", user, task_id) for i in range(20))
    )
    codes = Counter(answer.status_code for answer in answers)
    assert codes == {200: 1, 409: 19}, codes
    assert (await apis[1].wait_idle(user, task_id, poll=0.05))["last_run"]["status"] == (
        "succeeded"
    )

    # Due scrapes: each runs once, however many schedulers look.
    due = [await apis[i].create_profile(user) for i in range(6)]
    client, db = cluster.db()
    with client:
        db.profile_tasks.update_many(
            {"_id": {"$in": due}}, {"$set": {"next_scrape_due": time.time() - 1}}
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done = db.runs.count_documents(
                {"task_id": {"$in": due}, "trigger": "schedule", "status": "succeeded"}
            )
            if done == len(due):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)  # five more passes of each scheduler
        runs = list(db.runs.find({"task_id": {"$in": due}}, {"task_id": 1, "trigger": 1}))
    per_task = Counter(run["task_id"] for run in runs)
    assert per_task == dict.fromkeys(due, 1), per_task
    assert {run["trigger"] for run in runs} == {"schedule"}

    # The assistant answers from either process, in the same project.
    project = await apis[0].api.create_project(user)
    for i in (0, 1):
        answer = await chat(apis[i], user, project, f"How is my account doing? ({i})")
        assert answer.status_code == 200, answer.text
        assert '"result":true' in answer.text.replace(" ", ""), answer.text
    data = await apis[1].api.call(
        "POST", "project/get-project-data", user, {"project_name": project}
    )
    chats = data.json()["response"]["project_data"]["chats"]
    assert [m["role"] for m in chats].count("user") == 2
