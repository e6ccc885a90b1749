"""Which events a finished run raises, from made-up snapshot histories: the baseline,
new posts (and old ones coming back, which are not), milestones, unknown counts, and
the growth and surge rules over a task's snapshots."""

from __future__ import annotations

from typing import Any

from codvid.alerts import events
from codvid.alerts.documents import EVENT_TYPES, EventType
from codvid.alerts.events import Finished
from codvid.alerts.outbox import delivery_id
from codvid.kit.clock import iso
from codvid.tracking.documents import RunDocument

DAY = 86_400.0
START = 1_760_000_000.0
ALL: list[EventType] = list(EVENT_TYPES)


def run(kind: str = "profile", run_id: str = "run-now") -> RunDocument:
    document: dict[str, Any] = {
        "_id": run_id,
        "task_id": "task-1",
        "user_id": "user-1",
        "kind": kind,
        "trigger": "schedule",
    }
    return document  # type: ignore[return-value]


def post(post_id: str, published_at: float, plays: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "post_id": post_id,
        "published_at": published_at,
        "is_reel": plays > 0,
        "plays": plays,
        "views": plays // 2,
        "likes": 10,
        "comments": 1,
        **extra,
    }


def snapshot(day: float, followers: int, posts: list[dict[str, Any]], **extra: Any) -> dict:
    return {
        "taken_at": START + day * DAY,
        "run_id": f"run-{day:g}",
        "followers": followers,
        "follows_count": 10,
        "posts_count": len(posts),
        "posts": posts,
        **extra,
    }


def finished(history: list[dict[str, Any]], kind: str = "profile") -> Finished:
    return Finished(run(kind), "succeeded", None, {"username": "someone"}, history)


def of(raised: list[events.Event], kind: str) -> list[events.Event]:
    return [event for event in raised if event.type == kind]


OLD = [post("old1", START - 3 * DAY), post("old2", START - 2 * DAY)]


def test_the_first_scrape_is_the_baseline() -> None:
    only = snapshot(0, 9_990, OLD, run_id="run-now")
    raised = events.raised(finished([only]), ALL, None)
    assert [event.type for event in raised] == ["run.succeeded"]
    assert raised[0].data["numbers"] == {"followers": 9_990, "follows_count": 10, "posts_count": 2}


def test_a_post_no_earlier_scrape_had_is_new_and_an_old_one_coming_back_is_not() -> None:
    before = snapshot(0, 1_000, OLD)
    # old0 is older than anything the last scrape showed: back in the list, not new.
    current = [post("fresh", START + DAY / 2), *OLD, post("old0", START - 9 * DAY)]
    raised = events.raised(
        finished([before, snapshot(1, 1_000, current, run_id="run-now")]), ALL, None
    )
    (new,) = of(raised, "post.new")
    assert new.data["post_id"] == "fresh" and new.key == "task-1:fresh"
    assert new.data["post_url"] == "https://www.instagram.com/p/fresh/"
    assert new.data["published_at"] == iso(START + DAY / 2)
    assert new.data["username"] == "someone" and new.data["run_id"] == "run-now"


def test_a_post_seen_in_any_earlier_scrape_of_the_window_is_not_new() -> None:
    gone_a_while = post("flicker", START + 0.5 * DAY)
    history = [
        snapshot(0, 1_000, OLD),
        snapshot(1, 1_000, [gone_a_while, *OLD]),
        snapshot(2, 1_000, OLD),  # the provider missed it once
        snapshot(3, 1_000, [gone_a_while, *OLD], run_id="run-now"),
    ]
    assert of(events.raised(finished(history), ALL, None), "post.new") == []


def test_milestones_of_the_webhook_or_round_numbers() -> None:
    history = [snapshot(0, 9_990, OLD), snapshot(1, 10_020, OLD, run_id="run-now")]
    (round_,) = of(events.raised(finished(history), ["milestone"], None), "milestone")
    assert round_.data["milestone"] == 10_000 and round_.data["round_number"] is True
    own = events.raised(finished(history), ["milestone"], [9_995, 10_010, 20_000])
    (chosen,) = own
    assert chosen.data["crossed"] == [9_995, 10_010] and chosen.data["milestone"] == 10_010
    assert chosen.key == "run-now:10010"
    assert events.raised(finished(history), ["milestone"], [50_000]) == []


def test_followers_the_provider_could_not_give_raise_no_milestone() -> None:
    history = [
        snapshot(0, 0, OLD, unavailable=["followers"]),
        snapshot(1, 10_020, OLD, run_id="run-now"),
    ]
    assert of(events.raised(finished(history), ALL, None), "milestone") == []
    (ran,) = of(events.raised(finished(history[::-1][:1]), ALL, None), "run.succeeded")
    assert ran.data["numbers"]["followers"] == 10_020


def test_unknown_counts_are_null_not_zero() -> None:
    only = snapshot(0, 0, OLD, run_id="run-now", unavailable=["followers", "posts_count"])
    (ran,) = events.raised(finished([only]), ["run.succeeded"], None)
    assert ran.data["numbers"] == {"followers": None, "follows_count": 10, "posts_count": None}


def test_a_run_whose_snapshot_is_not_the_latest_raises_only_its_end() -> None:
    history = [snapshot(0, 9_990, OLD), snapshot(1, 10_020, OLD, run_id="someone-else")]
    raised = events.raised(finished(history), ALL, None)
    assert [event.type for event in raised] == ["run.succeeded"]
    assert "numbers" not in raised[0].data


def test_a_failed_run_raises_its_failure_with_the_reason() -> None:
    failed = Finished(run(), "failed", "Error scraping Instagram profile: not found", {}, ())
    (event,) = events.raised(failed, ALL, None)
    assert event.type == "run.failed" and event.key == "run-now"
    assert event.data["reason"] == "Error scraping Instagram profile: not found"
    assert events.raised(failed, ["run.succeeded", "post.new"], None) == []


def test_a_follower_jump_in_a_steady_history_is_a_growth_anomaly() -> None:
    history = [snapshot(day, 10_000 + 100 * day + (day % 3) * 5, OLD) for day in range(15)]
    history.append(snapshot(15, history[-1]["followers"] + 2_000, OLD, run_id="run-now"))
    (found,) = events.raised(finished(history), ["growth.anomaly"], None)
    assert found.data["direction"] == "up"
    assert found.data["change_per_day"] == 2_000
    assert found.data["threshold"] == 3.5 and found.data["score"] > 3.5
    assert found.key == f"task-1:{iso(START + 15 * DAY)[:10]}"  # once a day
    steady = [*history[:-1], snapshot(15, history[-2]["followers"] + 100, OLD, run_id="run-now")]
    assert events.raised(finished(steady), ["growth.anomaly"], None) == []


def test_a_reel_among_the_posts_taking_off_is_a_surge() -> None:
    plays = [0, 50_000, 70_000, 80_000, 85_000, 120_000]
    history = [
        snapshot(day, 1_000, [post("reel1", START - DAY, plays=count), *OLD])
        for day, count in enumerate(plays)
    ]
    history[-1]["run_id"] = "run-now"
    (surge,) = events.raised(finished(history), ["reel.surge"], None)
    assert surge.data["post_id"] == "reel1"
    assert surge.data["plays_per_day"] == 35_000 and surge.data["recent_plays_per_day"] == 10_000
    assert surge.data["factor"] == 3.5 and surge.data["threshold_factor"] == 3.0


def test_a_reel_task_taking_off_is_a_surge() -> None:
    plays = [0, 50_000, 70_000, 80_000, 85_000, 120_000]
    history: list[dict[str, Any]] = [
        {"taken_at": START + day * DAY, "run_id": f"r{day}", "plays": count, "likes": 5}
        for day, count in enumerate(plays)
    ]
    history[-1]["run_id"] = "run-now"
    chosen: list[EventType] = ["reel.surge", "post.new", "milestone", "growth.anomaly"]
    (surge,) = events.raised(Finished(run("reel"), "succeeded", None, {}, history), chosen, None)
    assert surge.type == "reel.surge" and "post_id" not in surge.data
    assert surge.data["previous_plays"] == 85_000 and surge.data["plays"] == 120_000


def test_the_same_event_has_the_same_delivery_id_per_webhook() -> None:
    event = events.Event("post.new", "task-1:fresh", {})
    assert iso(0) == "1970-01-01T00:00:00.000Z"
    assert delivery_id("hook-a", event) == delivery_id("hook-a", event)
    assert delivery_id("hook-a", event) != delivery_id("hook-b", event)
    assert delivery_id("hook-a", event).startswith("msg_")
