"""A provider that stops before some posts' comments (Apify's charge limit): those posts
are not stored as having no comments; they are asked again at the next scrape."""

from __future__ import annotations

import pytest

from codvid.storage import Document, Store
from codvid.tracking import runs
from tests.doubles import ScriptedProvider
from tests.factories import USER, Executor, profile_task, read_run, read_task

pytestmark = pytest.mark.anyio


async def scrape(store: Store, execute: Executor, task: Document) -> Document:
    run = await runs.claim(store, "profile", task["_id"], USER, "force")
    await execute(run["_id"])
    return await read_run(store, run["_id"])


async def test_posts_the_provider_did_not_reach_are_asked_again(
    store: Store, execute: Executor, provider: ScriptedProvider
) -> None:
    task = await profile_task(store, "natgeo")
    provider.stop_after = 4

    assert (await scrape(store, execute, task))["status"] == "succeeded"

    first = (await read_task(store, "profile", task["_id"]))["target_profile_data"]
    posts = first["scraped_posts"]
    asked = provider.comment_calls[0]
    reached, missed = asked[:4], asked[4:]
    assert missed, "the demo profile has more than 4 posts with comments"
    by_code = {post["post_id"]: post for post in posts}
    assert all(by_code[code].get("comments_fetched_at") for code in reached)
    assert not any(by_code[code].get("comments_fetched_at") for code in missed)
    assert all(by_code[code]["top_comments"] == [] for code in missed)

    provider.stop_after = None
    assert (await scrape(store, execute, task))["status"] == "succeeded"

    assert sorted(provider.comment_calls[1]) == sorted(missed)
    second = (await read_task(store, "profile", task["_id"]))["target_profile_data"]
    assert all(
        post.get("comments_fetched_at") for post in second["scraped_posts"] if post["comments"]
    )
