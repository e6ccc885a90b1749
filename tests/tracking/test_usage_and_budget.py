"""What scraping costs and the monthly budgets that cap it (:mod:`codvid.tracking.usage`):
a run's cost on the run, its task and its status; the caller's spend this month over
HTTP (``GET ig-tracking/usage``); a spent budget refusing force scrapes (429) and holding
scheduled ones until the budget is raised or the month turns."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any, cast

import pytest
from fastapi import Request

from codvid.api.deps import get_store
from codvid.config import Settings
from codvid.kit.ids import new_id
from codvid.scrapers import CommentBatch, Cost, PostRef, ProfileBatch, ReelResult
from codvid.storage import Store
from codvid.tracking import runs, scheduled, service, usage
from codvid.tracking.documents import PROFILE_TASKS, USAGE, RunDocument, TaskKind
from tests.client import Api, Tracking, User, assert_error, new_username
from tests.conftest import MakeExecutor, MakeService, MakeSettings
from tests.doubles import Enqueued, ScriptedProvider
from tests.factories import (
    OTHER_USER,
    USER,
    Executor,
    profile_task,
    read_run,
    read_task,
    reel_task,
    runs_of,
)
from tests.service import Service

pytestmark = pytest.mark.anyio

BUDGET_REACHED = "Monthly scraping budget reached"
PROFILE_USD, PROFILE_ITEMS = 0.05, 4
COMMENT_USD_PER_POST, COMMENT_ITEMS_PER_POST = 0.01, 2
REEL_USD, REEL_ITEMS = 0.02, 1


class PricedProvider(ScriptedProvider):
    """The scripted demo provider as a paid one (Apify) reports: each profile call, reel
    and comment call says what it cost, in dollars, results charged and requests."""

    async def fetch_profiles(self, usernames: Sequence[str], *, max_posts: int) -> ProfileBatch:
        batch = await super().fetch_profiles(usernames, max_posts=max_posts)
        return dataclasses.replace(batch, cost=Cost(usd=PROFILE_USD, items=PROFILE_ITEMS, calls=1))

    async def fetch_reel(self, shortcode: str, *, owner: str | None = None) -> ReelResult:
        result = await super().fetch_reel(shortcode, owner=owner)
        return dataclasses.replace(result, cost=Cost(usd=REEL_USD, items=REEL_ITEMS, calls=1))

    async def fetch_comments(self, posts: Sequence[PostRef], *, max_comments: int) -> CommentBatch:
        batch = await super().fetch_comments(posts, max_comments=max_comments)
        cost = Cost(
            usd=COMMENT_USD_PER_POST * len(posts),
            items=COMMENT_ITEMS_PER_POST * len(posts),
            calls=1,
        )
        return dataclasses.replace(batch, cost=cost)


@pytest.fixture
def provider() -> ScriptedProvider:
    return PricedProvider()


def a_run(task_id: str, user_id: str = USER, kind: TaskKind = "profile") -> RunDocument:
    """A run as :func:`usage.record` needs it (only its owner fields)."""
    return cast(
        RunDocument, {"_id": new_id(), "task_id": task_id, "user_id": user_id, "kind": kind}
    )


async def spend(
    store: Store, task_id: str, usd: float, *, user_id: str = USER, target: str = "@someone"
) -> None:
    await usage.record(store, a_run(task_id, user_id), target, Cost(usd=usd, items=1, calls=1))


# ---- a run's cost --------------------------------------------------------------------


async def test_a_profile_runs_cost_lands_on_the_run_its_task_and_its_status(
    store: Store, execute: Executor, provider: ScriptedProvider, make_settings: MakeSettings
) -> None:
    task = await profile_task(store, "natgeo")
    run = await runs.claim(store, "profile", task["_id"], USER, "force")

    await execute(run["_id"])

    (asked,) = provider.comment_calls
    posts = len(asked)
    assert posts > 0
    done = await read_run(store, run["_id"])
    assert done["status"] == "succeeded"
    cost = done["cost"]
    assert cost["usd"] == pytest.approx(PROFILE_USD + COMMENT_USD_PER_POST * posts)
    assert cost["items"] == PROFILE_ITEMS + COMMENT_ITEMS_PER_POST * posts
    stored = await read_task(store, "profile", task["_id"])
    assert stored["last_run"]["cost"] == cost
    status = await service.status(store, USER, task["_id"], 10)
    assert status["last_run"]["cost"] == cost
    report = await usage.report(store, make_settings().scraping, USER)
    assert report["usd"] == pytest.approx(cost["usd"])
    assert (report["items"], report["calls"], report["runs"]) == (
        cost["items"],
        cost["calls"],
        1,
    )
    (line,) = report["tasks"]
    assert (line["task_id"], line["task_type"], line["target"]) == (
        task["_id"],
        "profile",
        "@natgeo",
    )


async def test_one_comment_call_counts_as_one_call_of_the_run(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    task = await profile_task(store, "natgeo")
    run = await runs.claim(store, "profile", task["_id"], USER, "force")

    await execute(run["_id"])

    assert len(provider.comment_calls) == 1 and len(provider.comment_calls[0]) > 1
    # One profile call, one comment call.
    assert (await read_run(store, run["_id"]))["cost"]["calls"] == 2


async def test_a_reel_runs_cost_is_counted_under_its_shortcode(
    store: Store, execute: Executor, make_settings: MakeSettings
) -> None:
    task = await reel_task(store)
    run = await runs.claim(store, "reel", task["_id"], USER, "force")

    await execute(run["_id"])

    cost = (await read_run(store, run["_id"]))["cost"]
    assert cost["usd"] == pytest.approx(REEL_USD + COMMENT_USD_PER_POST)
    assert cost["items"] == REEL_ITEMS + COMMENT_ITEMS_PER_POST
    assert (await read_task(store, "reel", task["_id"]))["last_run"]["cost"] == cost
    (line,) = (await usage.report(store, make_settings().scraping, USER))["tasks"]
    assert (line["task_type"], line["target"], line["runs"]) == ("reel", task["reel_id"], 1)


async def test_what_a_failed_run_cost_is_counted_too(
    store: Store, execute: Executor, provider: ScriptedProvider, make_settings: MakeSettings
) -> None:
    task = await profile_task(store, "natgeo")
    provider.malformed = True  # fails after the provider answered (and charged)
    run = await runs.claim(store, "profile", task["_id"], USER, "force")

    await execute(run["_id"])

    done = await read_run(store, run["_id"])
    assert done["status"] == "failed"
    assert done["cost"]["usd"] == pytest.approx(PROFILE_USD)
    stored = await read_task(store, "profile", task["_id"])
    assert stored["last_run"]["status"] == "failed"
    assert stored["last_run"]["cost"] == done["cost"]
    report = await usage.report(store, make_settings().scraping, USER)
    assert report["usd"] == pytest.approx(PROFILE_USD) and report["runs"] == 1


# ---- budgets, in the service ---------------------------------------------------------


def budgeted(make_settings: MakeSettings, **budgets: float) -> Settings:
    names = {"user": "scrape_budget_usd_per_user_month", "everyone": "scrape_budget_usd_month"}
    return make_settings(**{names[who]: usd for who, usd in budgets.items()})


def seconds_to_month_end() -> float:
    moment = time.time()
    return usage.next_month_start(moment) - moment


@pytest.mark.parametrize(
    ("budgets", "spender", "usd"),
    [
        pytest.param({"user": 1.0}, USER, 1.0, id="user-budget-spent-exactly"),
        pytest.param({"user": 1.0}, USER, 3.5, id="user-budget-overspent"),
        pytest.param({"everyone": 2.0}, OTHER_USER, 2.5, id="deployment-budget"),
    ],
)
async def test_a_force_scrape_over_budget_is_refused_and_starts_nothing(
    store: Store, make_settings: MakeSettings, budgets: dict[str, float], spender: str, usd: float
) -> None:
    settings = budgeted(make_settings, **budgets)
    task = await profile_task(store, "natgeo")
    await spend(store, "some-task", usd, user_id=spender)
    enqueue = Enqueued()

    with pytest.raises(usage.BudgetReached) as refused:
        await service.force_scrape(store, enqueue, settings.scraping, "profile", USER, task["_id"])

    assert refused.value.message == BUDGET_REACHED
    assert refused.value.retry_after == pytest.approx(seconds_to_month_end(), abs=5)
    assert enqueue.run_ids == [] and await runs_of(store, task["_id"]) == []
    assert (await read_task(store, "profile", task["_id"]))["active_run_id"] is None


async def test_a_force_scrape_under_budget_starts(
    store: Store, make_settings: MakeSettings
) -> None:
    settings = budgeted(make_settings, user=1.0, everyone=10.0)
    task = await profile_task(store, "natgeo")
    await spend(store, "some-task", 0.99)
    await spend(store, "elsewhere", 5.0, user_id=OTHER_USER)
    enqueue = Enqueued()

    await service.force_scrape(store, enqueue, settings.scraping, "profile", USER, task["_id"])

    assert len(enqueue.run_ids) == 1


async def test_last_months_spend_does_not_count(store: Store, make_settings: MakeSettings) -> None:
    settings = budgeted(make_settings, user=1.0)
    task = await profile_task(store, "natgeo")
    await store.collection(USAGE).insert_one(
        {
            "_id": f"2000-01|{USER}|old",
            "month": "2000-01",
            "user_id": USER,
            "task_id": "old",
            "kind": "profile",
            "target": "@old",
            "runs": 9,
            "usd": 500.0,
            "items": 9,
            "calls": 9,
        }
    )
    enqueue = Enqueued()

    await service.force_scrape(store, enqueue, settings.scraping, "profile", USER, task["_id"])

    assert len(enqueue.run_ids) == 1
    report = await usage.report(store, settings.scraping, USER)
    assert (report["usd"], report["runs"], report["tasks"]) == (0, 0, [])


async def due_task(store: Store, name: str = "natgeo") -> dict[str, Any]:
    return dict(await profile_task(store, name, next_scrape_due=time.time() - 100))


async def test_the_scheduler_holds_a_task_whose_user_spent_the_budget(
    store: Store, make_settings: MakeSettings
) -> None:
    settings = budgeted(make_settings, user=1.0)
    held = await due_task(store, "spender")
    other = await profile_task(
        store, "other", user_id=OTHER_USER, next_scrape_due=time.time() - 100
    )
    await spend(store, held["_id"], 1.5)
    enqueue = Enqueued()

    started = await scheduled.schedule_due(store, enqueue, 10, settings.scraping)

    assert started == 1  # the other user's task, under budget
    assert [(await read_run(store, run_id))["task_id"] for run_id in enqueue.run_ids] == [
        other["_id"]
    ]
    assert await runs_of(store, held["_id"]) == []
    stored = await read_task(store, "profile", held["_id"])
    hold = stored["scrape_hold"]
    assert (hold["cause"], hold["reason"]) == ("budget", BUDGET_REACHED)
    assert hold["since"] == pytest.approx(time.time(), abs=30)
    assert stored["next_scrape_due"] == usage.next_month_start(time.time())
    assert stored["active_run_id"] is None
    shown = await service.get(store, USER, held["_id"])
    assert shown.get("scrape_hold") == hold
    assert (await service.status(store, USER, held["_id"], 10))["scrape_hold"] == hold
    # Held, not due: later passes leave it alone until the month turns.
    assert await scheduled.schedule_due(store, Enqueued(), 10, settings.scraping) == 0


async def test_a_raised_budget_releases_the_held_tasks_at_start(
    store: Store, make_settings: MakeSettings, make_executor: MakeExecutor
) -> None:
    task = await due_task(store)
    await spend(store, task["_id"], 1.5)
    await scheduled.schedule_due(store, Enqueued(), 10, budgeted(make_settings, user=1.0).scraping)
    assert (await read_task(store, "profile", task["_id"]))["scrape_hold"]["cause"] == "budget"
    raised = budgeted(make_settings, user=5.0)
    enqueue = Enqueued()

    await scheduled.recover(store, enqueue)
    assert (await read_task(store, "profile", task["_id"]))["next_scrape_due"] <= time.time()
    assert await scheduled.schedule_due(store, enqueue, 10, raised.scraping) == 1

    (run_id,) = enqueue.run_ids
    await make_executor()(run_id)
    assert (await read_run(store, run_id))["status"] == "succeeded"
    stored = await read_task(store, "profile", task["_id"])
    assert stored.get("scrape_hold") is None
    assert stored["last_scraped"] is not None


async def test_recover_without_a_raise_holds_the_task_again(
    store: Store, make_settings: MakeSettings
) -> None:
    settings = budgeted(make_settings, user=1.0)
    task = await due_task(store)
    await spend(store, task["_id"], 1.5)
    await scheduled.schedule_due(store, Enqueued(), 10, settings.scraping)
    enqueue = Enqueued()

    await scheduled.recover(store, enqueue)
    assert await scheduled.schedule_due(store, enqueue, 10, settings.scraping) == 0

    assert enqueue.run_ids == []
    stored = await read_task(store, "profile", task["_id"])
    assert stored["scrape_hold"]["cause"] == "budget"
    assert stored["next_scrape_due"] == usage.next_month_start(time.time())


async def test_the_month_turning_releases_the_held_task(
    store: Store, make_settings: MakeSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = budgeted(make_settings, user=1.0)
    task = await due_task(store)
    await spend(store, task["_id"], 1.5)
    await scheduled.schedule_due(store, Enqueued(), 10, settings.scraping)
    next_month = usage.next_month_start(time.time()) + 60
    for module in (usage, scheduled, runs):
        monkeypatch.setattr(module, "now", lambda: next_month)
    enqueue = Enqueued()

    assert await scheduled.schedule_due(store, enqueue, 10, settings.scraping) == 1

    (run_id,) = enqueue.run_ids
    assert (await read_run(store, run_id))["task_id"] == task["_id"]
    assert await usage.spent(store, USER, usage.month_of(next_month)) == 0


# ---- over HTTP -----------------------------------------------------------------------


async def test_usage_needs_a_token(api: Api) -> None:
    response = await api.http.get("/codvid-ai/ig-tracking/usage")

    assert_error(response, 401)


async def test_usage_takes_only_get(api: Api) -> None:
    user = await api.signup()

    response = await api.call("POST", "ig-tracking/usage", user, {})

    assert_error(response, 405)
    assert "GET" in response.headers["allow"]


async def test_a_new_users_usage_is_empty(api: Api) -> None:
    user = await api.signup()
    before = time.time()

    response = await api.call("GET", "ig-tracking/usage", user)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["result"] is True
    usage_now = body["response"]
    assert usage_now["month"] == usage.month_of(before)
    assert usage_now["provider"] == "demo"
    assert (usage_now["usd"], usage_now["items"], usage_now["calls"], usage_now["runs"]) == (
        0,
        0,
        0,
        0,
    )
    assert usage_now["tasks"] == []
    assert usage_now["budget_usd"] is None and usage_now["budget_left_usd"] is None
    assert usage_now["resets_at"] == usage.next_month_start(before)


@dataclass
class Running:
    """A service of its own, its client helpers, and its store (to record spend)."""

    service: Service
    api: Api
    tracking: Tracking
    store: Store

    async def usage(self, user: User) -> dict[str, Any]:
        response = await self.api.call("GET", "ig-tracking/usage", user)
        assert response.status_code == 200, response.text
        return dict(response.json()["response"])


Serve = Callable[..., Awaitable[Running]]


@pytest.fixture
async def serve(make_service: MakeService) -> AsyncIterator[Serve]:
    async with AsyncExitStack() as stack:

        async def start(**overrides: Any) -> Running:
            # No scheduler loop: the tests run its passes themselves.
            own = await make_service(scheduler_enabled=False, scraper_step_delay=0, **overrides)
            client = await stack.enter_async_context(own.client())
            api = Api(client)
            seen: list[Store] = []

            async def capture(request: Request) -> Store:
                store: Store = request.state.store
                seen.append(store)
                return store

            own.app.dependency_overrides[get_store] = capture
            await api.call("GET", "ig-tracking/usage", await api.signup())
            own.app.dependency_overrides.clear()
            return Running(own, api, Tracking(api), seen[0])

        yield start


async def test_usage_answers_the_callers_spend_this_month_per_task(serve: Serve) -> None:
    running = await serve(scrape_budget_usd_per_user_month=2)
    api, tracking, store = running.api, running.tracking, running.store
    owner, other = await api.signup(), await api.signup()
    costly = await tracking.create_profile(owner)
    cheap = await tracking.create_profile(owner)
    theirs = await tracking.create_profile(other)
    await usage.record(
        store, a_run(costly, owner.user_id), "@costly", Cost(usd=0.5, items=10, calls=2)
    )
    await usage.record(
        store, a_run(costly, owner.user_id), "@costly", Cost(usd=0.5, items=5, calls=1)
    )
    await usage.record(
        store, a_run(cheap, owner.user_id), "@cheap", Cost(usd=0.25, items=3, calls=1)
    )
    await usage.record(
        store, a_run(theirs, other.user_id), "@theirs", Cost(usd=9, items=1, calls=1)
    )
    await store.collection(USAGE).insert_one(
        {
            "_id": f"2000-01|{owner.user_id}|{cheap}",
            "month": "2000-01",
            "user_id": owner.user_id,
            "task_id": cheap,
            "kind": "profile",
            "target": "@cheap",
            "runs": 7,
            "usd": 70.0,
            "items": 7,
            "calls": 7,
        }
    )

    mine = await running.usage(owner)

    assert mine["usd"] == pytest.approx(1.25)
    assert (mine["items"], mine["calls"], mine["runs"]) == (18, 4, 3)
    assert mine["budget_usd"] == 2 and mine["budget_left_usd"] == pytest.approx(0.75)
    assert [
        (line["task_id"], line["task_type"], line["target"], line["runs"], line["items"])
        for line in mine["tasks"]
    ] == [(costly, "profile", "@costly", 2, 15), (cheap, "profile", "@cheap", 1, 3)]
    assert [line["usd"] for line in mine["tasks"]] == pytest.approx([1.0, 0.25])
    assert [line["calls"] for line in mine["tasks"]] == [3, 1]
    assert theirs not in str(mine)

    seen_by_other = await running.usage(other)
    assert seen_by_other["usd"] == pytest.approx(9)
    assert [line["task_id"] for line in seen_by_other["tasks"]] == [theirs]
    assert seen_by_other["budget_left_usd"] == 0

    # A deleted task keeps its line: the money was spent.
    assert (await tracking.call("DELETE", "delete_task", owner, cheap)).status_code == 200
    after = await running.usage(owner)
    assert [line["task_id"] for line in after["tasks"]] == [costly, cheap]


async def test_a_real_runs_cost_shows_in_task_status_get_task_and_usage(serve: Serve) -> None:
    running = await serve()
    tracking = running.tracking
    user = await running.api.signup()
    name = new_username("priced")
    task_id = await tracking.create_profile(user, name)

    started = await tracking.call("POST", "force_scrape", user, task_id)
    assert started.status_code == 200, started.text
    status = await tracking.wait_idle(user, task_id)

    assert status["last_run"]["status"] == "succeeded"
    cost = status["last_run"]["cost"]
    # The demo provider charges no money; it counts its calls.
    assert cost["usd"] == 0 and cost["calls"] >= 1
    task = (await tracking.call("GET", "get_task", user, task_id)).json()["response"]["task"]
    assert task["last_run"]["cost"] == cost
    (listed,) = (await tracking.call("GET", "get_tasks", user)).json()["response"]["tasks"]
    assert listed["last_run"]["cost"] == cost
    spent = await running.usage(user)
    (line,) = spent["tasks"]
    assert (line["task_id"], line["target"], line["runs"]) == (task_id, f"@{name}", 1)
    assert (line["calls"], spent["calls"], spent["runs"]) == (cost["calls"], cost["calls"], 1)


async def test_a_force_scrape_over_budget_answers_429_with_retry_after(serve: Serve) -> None:
    running = await serve(scrape_budget_usd_per_user_month=1)
    api, tracking, store = running.api, running.tracking, running.store
    spender, thrifty = await api.signup(), await api.signup()
    project = await api.create_project(spender)
    profile_id = await tracking.create_profile(spender)
    reel_id = await tracking.create_reel(spender, project)
    theirs = await tracking.create_profile(thrifty)
    await spend(store, profile_id, 1.2, user_id=spender.user_id)

    for route, task_id in [
        ("force_scrape", profile_id),
        ("force_scrape_profile_tracking_task", profile_id),
        ("force_scrape_reel", reel_id),
    ]:
        response = await tracking.call("POST", route, spender, task_id)
        assert_error(response, 429, BUDGET_REACHED)
        retry_after = int(response.headers["retry-after"])
        assert retry_after == pytest.approx(seconds_to_month_end(), abs=10)

    status = await tracking.status(spender, profile_id)
    assert status["is_processing"] is False and "last_run" not in status
    # Someone else's task is still "not found", never "your budget".
    assert_error(
        await tracking.call("POST", "force_scrape", spender, theirs),
        404,
        "Task not found or access denied",
    )
    # The other user has a budget of their own.
    assert (await tracking.call("POST", "force_scrape", thrifty, theirs)).status_code == 200
    await tracking.wait_idle(thrifty, theirs)


async def test_the_deployment_budget_refuses_every_user(serve: Serve) -> None:
    running = await serve(scrape_budget_usd_month=3)
    api, tracking = running.api, running.tracking
    spender, bystander = await api.signup(), await api.signup()
    task_id = await tracking.create_profile(bystander)
    await spend(running.store, "spent-elsewhere", 3.0, user_id=spender.user_id)

    response = await tracking.call("POST", "force_scrape", bystander, task_id)

    assert_error(response, 429, BUDGET_REACHED)
    assert int(response.headers["retry-after"]) > 0
    assert (await running.usage(bystander))["usd"] == 0


async def test_a_held_task_shows_its_hold_over_http(serve: Serve) -> None:
    running = await serve(scrape_budget_usd_per_user_month=1)
    api, tracking, store = running.api, running.tracking, running.store
    user = await api.signup()
    task_id = await tracking.create_profile(user)
    await store.collection(PROFILE_TASKS).update_one(
        {"_id": task_id}, {"$set": {"next_scrape_due": time.time() - 10}}
    )
    await spend(store, task_id, 1.0, user_id=user.user_id)

    assert (
        await scheduled.schedule_due(store, Enqueued(), 10, running.service.settings.scraping) == 0
    )

    task = (await tracking.call("GET", "get_task", user, task_id)).json()["response"]["task"]
    hold = task["scrape_hold"]
    assert (hold["cause"], hold["reason"]) == ("budget", BUDGET_REACHED)
    assert task["next_scrape_due"] == usage.next_month_start(time.time())
    assert (await tracking.status(user, task_id))["scrape_hold"] == hold
