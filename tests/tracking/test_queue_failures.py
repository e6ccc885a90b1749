"""A force scrape whose run cannot be sent: a 500 envelope, the run failed with the
reason, the claim released, and the next force scrape works. The queue is replaced
through the app's dependency overrides."""

from __future__ import annotations

import pytest

from codvid.api.deps import get_enqueue
from tests.client import Tracking, assert_error
from tests.service import Service

pytestmark = pytest.mark.anyio


async def broken_enqueue(run_id: str) -> None:
    raise ConnectionError(f"broker unreachable for {run_id[:8]}")


async def test_a_run_that_cannot_be_queued_is_failed_and_frees_the_task(
    service: Service, tracking: Tracking
) -> None:
    user = await tracking.api.signup()
    task_id = await tracking.create_profile(user)

    service.app.dependency_overrides[get_enqueue] = lambda: broken_enqueue
    refused = await tracking.call("POST", "force_scrape", user, task_id)
    assert_error(refused, 500)
    assert refused.json()["message"].startswith(
        "Error initiating task scraping: broker unreachable"
    )
    status = await tracking.status(user, task_id)
    assert status["is_processing"] is False
    assert status["last_run"]["status"] == "failed"
    assert status["last_run"]["error"].startswith("Could not queue the run: broker unreachable")
    assert status["latest_event"]["event_type"] == "scrape_failed"

    del service.app.dependency_overrides[get_enqueue]
    assert (await tracking.call("POST", "force_scrape", user, task_id)).status_code == 200
    assert (await tracking.wait_idle(user, task_id))["last_run"]["status"] == "succeeded"
