"""A provider that finds reels only through their account (the graph provider): the
pipeline gives it the owner an earlier scrape stored, or a tracked profile whose posts
include the reel."""

from __future__ import annotations

import pytest

from codvid.storage import Document, Store
from codvid.tracking import runs
from tests.doubles import ScriptedProvider
from tests.factories import USER, Executor, profile_task, read_run, read_task, reel_task

pytestmark = pytest.mark.anyio


async def scrape(store: Store, execute: Executor, kind: str, task: Document) -> Document:
    run = await runs.claim(store, kind, task["_id"], USER, "force")  # type: ignore[arg-type]
    await execute(run["_id"])
    return await read_run(store, run["_id"])


async def test_the_owner_comes_from_a_tracked_profile_and_is_then_stored(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    profile = await profile_task(store, "reelmaker")
    assert (await scrape(store, execute, "profile", profile))["status"] == "succeeded"
    posts = (await read_task(store, "profile", profile["_id"]))["target_profile_data"]
    shortcode = posts["scraped_posts"][3]["post_id"]
    provider.reels_by_owner = True
    reel = await reel_task(store, shortcode)

    first = await scrape(store, execute, "reel", reel)

    assert first["status"] == "succeeded", first["error"]
    assert provider.reel_owners == [None, "reelmaker"]
    stored = await read_task(store, "reel", reel["_id"])
    assert stored["reel_data"]["owner_username"]
    # The next run asks with the stored owner at once.
    provider.reel_owners.clear()
    assert (await scrape(store, execute, "reel", reel))["status"] == "succeeded"
    assert provider.reel_owners == [stored["reel_data"]["owner_username"]]


async def test_without_a_known_owner_the_run_fails_saying_why(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    provider.reels_by_owner = True
    reel = await reel_task(store, "DUnknown01")

    failed = await scrape(store, execute, "reel", reel)

    assert failed["status"] == "failed"
    assert "only through its account" in failed["error"]
    assert provider.reel_owners == [None]
    stored = await read_task(store, "reel", reel["_id"])
    assert stored.get("scrape_hold") is None  # not permanent: tracking the account helps


async def test_another_users_profiles_are_not_searched(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    other = await profile_task(store, "reelmaker", user_id="someone-else")
    assert (await scrape_as(store, execute, other, "someone-else"))["status"] == "succeeded"
    posts = (await read_task(store, "profile", other["_id"]))["target_profile_data"]
    provider.reels_by_owner = True
    reel = await reel_task(store, posts["scraped_posts"][0]["post_id"])

    assert (await scrape(store, execute, "reel", reel))["status"] == "failed"
    assert provider.reel_owners == [None]


async def scrape_as(store: Store, execute: Executor, task: Document, user_id: str) -> Document:
    run = await runs.claim(store, "profile", task["_id"], user_id, "force")
    await execute(run["_id"])
    return await read_run(store, run["_id"])
