"""A run whose worker died ends failed by the sweeper, or at the next start: the user's
webhooks hear of it like of any failed run."""

from __future__ import annotations

import time

import pytest

from codvid.alerts.outbox import Recorder
from codvid.tracking import runs, scheduled
from codvid.tracking.documents import RUNS
from tests.alerts.conftest import Alerts
from tests.doubles import Enqueued
from tests.factories import USER, profile_task, read_run
from tests.processes import gone_process

pytestmark = pytest.mark.anyio


async def started_run(alerts_: Alerts, name: str, worker: str) -> str:
    task = await profile_task(alerts_.store, name)
    run = await runs.claim(alerts_.store, "profile", task["_id"], USER, "force")
    assert await runs.start(alerts_.store, run["_id"], worker) is not None
    return run["_id"]


async def test_a_run_the_sweeper_fails_is_a_run_failed_delivery(make_alerts) -> None:
    alerts_: Alerts = make_alerts()
    await alerts_.webhook(url="http://127.0.0.1:9/hook", events=["run.failed"])
    run_id = await started_run(alerts_, "swept_silent", "worker-that-went-quiet")
    await alerts_.store.collection(RUNS).update_one(
        {"_id": run_id}, {"$set": {"heartbeat_at": time.time() - 120}}
    )

    await scheduled.sweep(
        alerts_.store,
        Enqueued(),
        stale_after=15,
        in_process=True,
        observer=Recorder(alerts_.store, alerts_.settings.alerts),
    )

    run = await read_run(alerts_.store, run_id)
    assert run["status"] == "failed"
    (delivery,) = await alerts_.deliveries(event_type="run.failed")
    assert delivery["payload"]["data"]["run_id"] == run_id
    assert delivery["payload"]["data"]["reason"] == run["error"]
    assert "stopped responding" in run["error"]


async def test_a_run_failed_at_the_next_start_is_a_run_failed_delivery(make_alerts) -> None:
    alerts_: Alerts = make_alerts()
    await alerts_.webhook(url="http://127.0.0.1:9/hook", events=["run.failed"])
    run_id = await started_run(alerts_, "restarted", gone_process())

    await scheduled.recover(
        alerts_.store, Enqueued(), Recorder(alerts_.store, alerts_.settings.alerts)
    )

    run = await read_run(alerts_.store, run_id)
    (delivery,) = await alerts_.deliveries(event_type="run.failed")
    assert delivery["payload"]["data"]["run_id"] == run_id
    assert run["status"] == "failed" and delivery["payload"]["data"]["reason"] == run["error"]
