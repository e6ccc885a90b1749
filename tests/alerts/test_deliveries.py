"""Deliveries end to end on every store: runs executed as the worker executes them record
what they owe the user's webhooks, the scheduler's deliverer sends it to a real receiver
on 127.0.0.1, signed (Standard Webhooks, checked with the package's own verify), retried
on failure, refused when the address is not public, and sent once however many senders
run."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter

import pytest

from codvid.alerts import outbox
from codvid.alerts import service as alerts
from codvid.alerts.delivery import Deliverer
from codvid.alerts.documents import DELIVERIES, WEBHOOKS, Attempt
from codvid.scrapers.providers.demo import synth
from codvid.tracking import ports
from tests.alerts import certificates
from tests.alerts.conftest import Alerts
from tests.alerts.receiver import Receiver, receiving
from tests.factories import USER, profile_task, reel_task

pytestmark = pytest.mark.anyio

ALL_RUN_EVENTS = ["run.succeeded", "run.failed", "post.new", "milestone"]
CREATOR = "alerts_creator_daily"


async def test_a_receiver_gets_signed_run_post_and_milestone_events(
    make_alerts, receiver: Receiver
) -> None:
    alerts_: Alerts = make_alerts()
    creator = await profile_task(alerts_.store, CREATOR)
    gone = await profile_task(alerts_.store, "demo_fail_gone_account")
    before = synth.profile(CREATOR, alerts_.clock(), max_posts=12)
    later = synth.profile(CREATOR, alerts_.clock() + 10 * 86_400, max_posts=12)
    assert later.followers > before.followers  # the demo account grows over ten days
    hook = await alerts_.webhook(
        url=receiver.url(), events=ALL_RUN_EVENTS, follower_milestones=[before.followers + 1]
    )

    first = await alerts_.scrape("profile", creator)
    failed = await alerts_.scrape("profile", gone)
    alerts_.clock.advance(10)
    second = await alerts_.scrape("profile", creator)
    assert [first["status"], failed["status"], second["status"]] == [
        "succeeded",
        "failed",
        "succeeded",
    ]

    new_posts = {p.post_id for p in later.posts} - {p.post_id for p in before.posts}
    assert new_posts, "ten days bring new demo posts"
    expected = 4 + len(new_posts)  # two successes, one failure, the milestone, the posts
    await alerts_.deliver_until(receiver, expected)
    await asyncio.sleep(0.1)
    assert len(receiver.requests) == expected  # nothing more, nothing twice

    payloads = [request.verified(hook["secret"]) for request in receiver.requests]
    kinds = Counter(payload["type"] for payload in payloads)
    assert kinds == {
        "run.succeeded": 2,
        "run.failed": 1,
        "post.new": len(new_posts),
        "milestone": 1,
    }
    for request, payload in zip(receiver.requests, payloads, strict=True):
        assert set(payload) == {"type", "timestamp", "data"}
        assert payload["timestamp"].endswith("Z") and "T" in payload["timestamp"]
        assert request.headers["webhook-id"].startswith("msg_")
        assert request.headers["Content-Type"] == "application/json"
    by_type = {payload["type"]: payload["data"] for payload in payloads}
    assert by_type["run.failed"] == {
        "task_id": gone["_id"],
        "task_type": "profile",
        "run_id": failed["_id"],
        "username": "demo_fail_gone_account",
        "trigger": "force",
        "reason": failed["error"],
    }
    assert "not found" in failed["error"]
    succeeded = [p["data"] for p in payloads if p["type"] == "run.succeeded"]
    assert {s["run_id"]: s["numbers"]["followers"] for s in succeeded} == {
        first["_id"]: before.followers,
        second["_id"]: later.followers,
    }  # sent side by side: in either order
    assert by_type["milestone"] == {
        "task_id": creator["_id"],
        "task_type": "profile",
        "run_id": second["_id"],
        "username": CREATOR,
        "metric": "followers",
        "milestone": before.followers + 1,
        "crossed": [before.followers + 1],
        "round_number": False,
        "previous": before.followers,
        "followers": later.followers,
    }
    posted = [p["data"] for p in payloads if p["type"] == "post.new"]
    assert {p["post_id"] for p in posted} == new_posts
    assert all(p["run_id"] == second["_id"] for p in posted)
    shown, total = await alerts.deliveries(alerts_.store, USER, hook["_id"], 100)
    assert total == expected
    assert all(d["state"] == "delivered" for d in shown)
    assert all([a["status_code"] for a in d["attempts"]] == [200] for d in shown)


async def test_a_delivery_answered_500_is_delivered_on_retry(
    make_alerts, receiver: Receiver
) -> None:
    alerts_: Alerts = make_alerts(webhook_retry_schedule="0.05,0.05")
    task = await profile_task(alerts_.store, CREATOR)
    hook = await alerts_.webhook(url=receiver.url(), events=["run.succeeded"])
    receiver.answers.append(500)

    await alerts_.scrape("profile", task)
    (delivery,) = await alerts_.settle("delivered")

    assert [a["status_code"] for a in delivery["attempts"]] == [500, 200]
    assert delivery["attempts"][0]["error"] == "HTTP 500"
    first, again = receiver.requests
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == delivery["_id"]
    assert first.verified(hook["secret"]) == again.verified(hook["secret"])
    stored = await alerts_.store.collection(WEBHOOKS).find_one({"_id": hook["_id"]})
    assert stored is not None
    assert stored["status"] == "active" and stored["consecutive_failures"] == 0
    assert stored["last_status_code"] == 200 and stored["failing_since"] is None


async def test_a_receiver_failing_the_whole_schedule_is_disabled_with_the_reason(
    make_alerts, receiver: Receiver
) -> None:
    alerts_: Alerts = make_alerts(webhook_retry_schedule="0.05")
    task = await profile_task(alerts_.store, CREATOR)
    hook = await alerts_.webhook(url=receiver.url(), events=["run.succeeded"])
    receiver.default = 503
    first = await alerts_.scrape("profile", task)
    second = await alerts_.scrape("profile", task)
    await alerts_.deliver_until(receiver, 2)
    deliveries = alerts_.store.collection(DELIVERIES)
    held = await deliveries.find_one({"payload.data.run_id": second["_id"]})
    assert held is not None and held["state"] == "pending"
    await deliveries.update_one(
        {"_id": held["_id"]}, {"$set": {"next_attempt_at": time.time() + 3600}}
    )

    (given_up,) = await alerts_.settle("failed", **{"payload.data.run_id": first["_id"]})

    assert [a["status_code"] for a in given_up["attempts"]] == [503, 503]
    listed = {h["_id"]: h for h in await alerts.list_for_user(alerts_.store, USER)}[hook["_id"]]
    assert listed["status"] == "disabled"
    reason = str(listed["disabled_reason"])
    assert "failed all 2 attempts" in reason and "HTTP 503" in reason
    assert listed["consecutive_failures"] == 3
    # The held delivery comes due: not sent, cancelled with the reason.
    await deliveries.update_one({"_id": held["_id"]}, {"$set": {"next_attempt_at": time.time()}})
    (cancelled,) = await alerts_.settle("cancelled", _id=held["_id"])
    assert "webhook was disabled" in cancelled["note"]
    assert len(cancelled["attempts"]) == 1
    third = await alerts_.scrape("profile", task)
    assert third["status"] == "succeeded"
    assert not await alerts_.deliveries(**{"payload.data.run_id": third["_id"]})
    await alerts_.deliverer.deliver_due()
    assert len(receiver.requests) == 3  # a disabled webhook gets nothing more


async def test_a_host_resolving_to_a_private_address_is_refused_at_delivery(
    make_alerts, make_settings, receiver: Receiver
) -> None:
    """Made while private addresses were allowed; the scheduler that sends has them off:
    the name is resolved again, and nothing goes out."""
    alerts_: Alerts = make_alerts()
    task = await profile_task(alerts_.store, CREATOR)
    await alerts_.webhook(
        url=receiver.url(host="localhost", scheme="https"), events=["run.succeeded"]
    )
    strict = Deliverer(alerts_.store, make_settings(webhook_retry_schedule="0.05").alerts)
    try:
        await alerts_.scrape("profile", task)
        assert await strict.deliver_due() == 1
    finally:
        await strict.close()
    (delivery,) = await alerts_.deliveries()
    (attempt,) = delivery["attempts"]
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("Refused: the url localhost resolves to")
    assert "is a loopback address" in attempt["error"]
    assert delivery["state"] == "pending"  # retried: a name may resolve elsewhere later
    assert receiver.requests == []


async def test_the_connection_goes_to_the_checked_address_with_the_host_kept(
    make_alerts, receiver: Receiver
) -> None:
    alerts_: Alerts = make_alerts()
    task = await profile_task(alerts_.store, CREATOR)
    hook = await alerts_.webhook(url=receiver.url(host="localhost"), events=["run.succeeded"])
    await alerts_.scrape("profile", task)
    await alerts_.deliver_until(receiver, 1)
    (request,) = receiver.requests
    assert request.headers["Host"] == f"localhost:{receiver.port}"
    assert request.peer == "127.0.0.1"
    assert request.headers["User-Agent"].startswith("Codvid-Webhooks/")
    assert request.verified(hook["secret"])["type"] == "run.succeeded"


async def test_two_senders_at_once_send_each_delivery_once(make_alerts, receiver: Receiver) -> None:
    alerts_: Alerts = make_alerts()
    other: Alerts = make_alerts()  # another scheduler process on the same store
    tasks = [await profile_task(alerts_.store, f"{CREATOR}_{i}") for i in range(6)]
    await alerts_.webhook(url=receiver.url(), events=["run.succeeded"])
    for task in tasks:
        await alerts_.scrape("profile", task)

    made = await asyncio.gather(alerts_.deliverer.deliver_due(), other.deliverer.deliver_due())

    assert sum(made) == len(tasks)
    ids = Counter(request.headers["webhook-id"] for request in receiver.requests)
    assert len(ids) == len(tasks) and set(ids.values()) == {1}


async def test_a_claim_left_by_a_dead_sender_is_taken_over(make_alerts, receiver: Receiver) -> None:
    alerts_: Alerts = make_alerts()
    task = await profile_task(alerts_.store, CREATOR)
    await alerts_.webhook(url=receiver.url(), events=["run.succeeded"])
    await alerts_.scrape("profile", task)
    (waiting,) = await alerts_.deliveries()
    at = time.time()
    dead = await outbox.claim(alerts_.store, waiting["_id"], "dead-sender", at, at + 60)
    assert dead is not None
    assert await alerts_.deliverer.deliver_due() == 0  # claimed: not due until it lapses

    deliveries = alerts_.store.collection(DELIVERIES)
    await deliveries.update_one({"_id": waiting["_id"]}, {"$set": {"next_attempt_at": at - 1}})
    assert await alerts_.deliverer.deliver_due() == 1

    (delivered,) = await alerts_.deliveries()
    assert delivered["state"] == "delivered" and delivered["claims"] == 2
    attempt: Attempt = {"at": at, "status_code": 500, "error": "HTTP 500", "duration_ms": 1.0}
    assert await outbox.settle(alerts_.store, dead, "dead-sender", attempt, (1.0,)) is None
    assert (await alerts_.deliveries())[0]["state"] == "delivered"  # the late one lost it


async def test_a_delivery_that_keeps_losing_its_claims_is_given_up(
    make_alerts, receiver: Receiver
) -> None:
    alerts_: Alerts = make_alerts()
    task = await profile_task(alerts_.store, CREATOR)
    await alerts_.webhook(url=receiver.url(), events=["run.succeeded"])
    await alerts_.scrape("profile", task)
    (waiting,) = await alerts_.deliveries()
    deliveries = alerts_.store.collection(DELIVERIES)
    await deliveries.update_one({"_id": waiting["_id"]}, {"$set": {"claims": 10}})
    assert await alerts_.deliverer.deliver_due() == 1
    (given_up,) = await alerts_.deliveries()
    assert given_up["state"] == "failed" and "kept ending" in given_up["note"]
    assert receiver.requests == []


async def test_a_slow_receiver_is_cut_off_and_a_redirect_not_followed(
    make_alerts, receiver: Receiver
) -> None:
    alerts_: Alerts = make_alerts(webhook_timeout=0.3)
    task = await profile_task(alerts_.store, CREATOR)
    await alerts_.webhook(url=receiver.url(), events=["run.succeeded"])
    receiver.delay = 2
    await alerts_.scrape("profile", task)
    await alerts_.deliverer.deliver_due()
    (slow,) = (await alerts_.deliveries())[0]["attempts"]
    assert slow["status_code"] is None and slow["error"] == "No answer within 0.3 s"
    assert slow["duration_ms"] < 1500

    receiver.delay = 0
    receiver.answers.append(302)
    await alerts_.store.collection(DELIVERIES).update_many({}, {"$set": {"next_attempt_at": 0}})
    await alerts_.deliverer.deliver_due()
    redirected = (await alerts_.deliveries())[0]["attempts"][-1]
    assert redirected["status_code"] == 302
    assert redirected["error"] == "HTTP 302 (redirects are not followed)"
    assert [r.path for r in receiver.requests] == ["/hook", "/hook"]  # never /elsewhere


async def test_a_failing_or_slow_observer_never_fails_or_holds_a_scrape(
    make_alerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    alerts_: Alerts = make_alerts()
    task = await profile_task(alerts_.store, CREATOR)
    calls: list[tuple[str, str, str | None]] = []

    async def broken(run, outcome, reason) -> None:
        calls.append((run["task_id"], outcome, reason))
        raise RuntimeError("the outbox is on fire")

    async def stuck(run, outcome, reason) -> None:
        calls.append((run["task_id"], outcome, reason))
        await asyncio.sleep(60)

    monkeypatch.setattr(ports, "OBSERVER_TIMEOUT", 0.2)
    for observer in (broken, stuck):
        alerts_.executor.context = dataclasses.replace(alerts_.executor.context, observer=observer)
        started = time.monotonic()
        run = await alerts_.scrape("profile", task)
        assert run["status"] == "succeeded"
        assert time.monotonic() - started < 5
    gone = await profile_task(alerts_.store, "demo_fail_nobody")
    assert (await alerts_.scrape("profile", gone))["status"] == "failed"
    assert [(task_id, outcome) for task_id, outcome, _ in calls] == [
        (task["_id"], "succeeded"),
        (task["_id"], "succeeded"),
        (gone["_id"], "failed"),
    ]
    assert calls[0][2] is None and "not found" in str(calls[2][2])


async def test_a_reel_tasks_run_carries_the_reels_numbers(make_alerts, receiver: Receiver) -> None:
    alerts_: Alerts = make_alerts()
    reel = await reel_task(alerts_.store)
    hook = await alerts_.webhook(url=receiver.url(), events=["run.succeeded", "post.new"])
    run = await alerts_.scrape("reel", reel)
    await alerts_.deliver_until(receiver, 1)
    (request,) = receiver.requests
    data = request.verified(hook["secret"])["data"]
    expected = synth.reel(reel["reel_id"], alerts_.clock())
    assert data["task_type"] == "reel" and data["run_id"] == run["_id"]
    assert data["shortcode"] == reel["reel_id"]
    assert data["numbers"]["likes"] == pytest.approx(expected.likes, rel=0.01)
    assert set(data["numbers"]) == {"plays", "views", "likes", "comments"}


async def test_deliveries_kept_per_webhook_are_bounded(make_alerts, receiver: Receiver) -> None:
    alerts_: Alerts = make_alerts(webhook_deliveries_kept=10)
    task = await profile_task(alerts_.store, CREATOR)
    hook = await alerts_.webhook(url=receiver.url(), events=["run.succeeded"])
    for _ in range(13):
        await alerts_.scrape("profile", task)
    kept = await alerts_.deliveries()
    assert len(kept) == 10
    stored = await alerts_.store.collection(WEBHOOKS).find_one({"_id": hook["_id"]})
    assert stored is not None and stored["dropped_deliveries"] == 3


@pytest.mark.parametrize(
    ("certified", "delivered"), [("localhost", True), ("someone-else.example", False)]
)
async def test_https_goes_to_the_checked_address_with_the_name_for_tls(
    make_alerts, tmp_path, certified: str, delivered: bool
) -> None:
    """The connection is made to the address that was checked, and TLS still asks for
    (SNI) and verifies the URL's name: a certificate for another name is refused."""
    authority = certificates.authority(tmp_path / "ca")
    alerts_: Alerts = make_alerts()
    trusting = Deliverer(alerts_.store, alerts_.settings.alerts, trust=authority.client())
    task = await profile_task(alerts_.store, CREATOR)
    with receiving(tls=authority.server(certified)) as receiver:
        hook = await alerts_.webhook(
            url=receiver.url(host="localhost", scheme="https"), events=["run.succeeded"]
        )
        await alerts_.scrape("profile", task)
        try:
            assert await trusting.deliver_due() == 1
        finally:
            await trusting.close()
        (attempt,) = (await alerts_.deliveries())[0]["attempts"]
        assert receiver.server_names == ["localhost"]
        if delivered:
            assert attempt["status_code"] == 200, attempt
            (request,) = receiver.requests
            assert request.headers["Host"] == f"localhost:{receiver.port}"
            assert request.verified(hook["secret"])["type"] == "run.succeeded"
        else:
            assert attempt["status_code"] is None
            assert "CERTIFICATE_VERIFY_FAILED" in attempt["error"]
            assert receiver.requests == []
