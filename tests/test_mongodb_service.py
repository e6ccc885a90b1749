"""``codvid serve`` on MongoDB (``CODVID_DATABASE_URL=mongodb://...``), as an operator runs
it: the seed's workflows over HTTP, and the data still there after a restart."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
import pytest

from tests.client import Api, Tracking
from tests.conftest import TEST_ENV
from tests.mongo import database_url
from tests.server import start_server

pytestmark = pytest.mark.anyio


async def finished(tracking: Tracking, user: object, task_id: str) -> dict:
    for _ in range(200):
        status = await tracking.status(user, task_id, logs_count=20)  # type: ignore[arg-type]
        if not status["is_processing"]:
            return status
        await asyncio.sleep(0.05)
    raise AssertionError("still processing after 10 s")


async def test_the_workflows_run_on_mongodb_and_survive_a_restart(
    mongodb_url: str, tmp_path: Path
) -> None:
    env = {
        **TEST_ENV,
        "CODVID_DATABASE_URL": database_url(mongodb_url, f"codvid_{uuid.uuid4().hex}"),
        "CODVID_SCRAPER_STEP_DELAY": "0",
        "CODVID_SCHEDULER_ENABLED": "false",
        # Processes that share a database share the secret too (the generated one lives in
        # each data directory).
        "CODVID_JWT_SECRET": uuid.uuid4().hex * 2,
    }
    with start_server(tmp_path / "first", env) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            tracking = Tracking(Api(http), update8=False)
            user = await tracking.api.signup()
            task_id = await tracking.create_profile(user, "creator.daily")
            forced = await tracking.call("POST", "force_scrape", user, task_id)
            assert forced.status_code == 200, forced.text
            again = await tracking.call("POST", "force_scrape", user, task_id)
            assert again.status_code == 409
            status = await finished(tracking, user, task_id)
            assert status["last_run"]["status"] == "succeeded", status
            project = await tracking.api.create_project(user)
            reel_id = await tracking.create_reel(user, project)
            assert (
                await tracking.call("POST", "force_scrape_reel", user, reel_id)
            ).status_code == 200
            assert (await finished(tracking, user, reel_id))["last_run"]["status"] == "succeeded"
            chat = await http.post(
                "/codvid-ai/ai/respond",
                headers={"Authorization": f"Bearer {user.token}"},
                json={
                    "schema_version": "4.0",
                    "data": {
                        "project_name": project,
                        "message": {"role": "user", "type": "text", "text": "How am I doing?"},
                    },
                },
            )
            assert chat.status_code == 200 and '"result": true' in chat.text.replace(
                '":true', '": true'
            )
            before = (await tracking.call("GET", "get_task", user, task_id)).json()

    # Another data directory: everything lives in MongoDB, not beside the process.
    with start_server(tmp_path / "second", env) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            tracking = Tracking(Api(http), update8=False)
            after = (await tracking.call("GET", "get_task", user, task_id)).json()
            assert after == before
            assert after["response"]["task"]["target_profile_data"]["username"] == "creator.daily"
            data = await tracking.api.call(
                "POST", "project/get-project-data", user, {"project_name": project}
            )
            chats = data.json()["response"]["project_data"]["chats"]
            assert [m["role"] for m in chats][:1] == ["user"]
            assert len(chats) >= 2
