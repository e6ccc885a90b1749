"""The analytics routes over the API, on both stores: history, engagement, comparison,
CSV exports and the chart, each checked against numbers computed here from the stored
snapshots; and every bad input and another user's task."""

from __future__ import annotations

import csv
import io
import statistics
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from codvid.analytics.schemas import CompareBody, EngagementBody, HistoryBody
from codvid.storage import Store
from tests.analytics.conftest import DAY, add_snapshot, days_ago, post, stored_snapshots
from tests.client import Api, Tracking, User, assert_error

pytestmark = pytest.mark.anyio

ROUTES = (
    "history/{}",
    "engagement/{}",
    "export/{}.csv",
    "chart/{}.svg",
)


async def get(api: Api, user: User, path: str, **params: Any) -> httpx.Response:
    return await api.http.get(f"/codvid-ai/ig-tracking/{path}", headers=user.headers, params=params)


async def answer(api: Api, user: User, path: str, **params: Any) -> dict[str, Any]:
    response = await get(api, user, path, **params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["result"] is True
    return dict(body["response"])


async def scraped_profile(api: Api, user: User, scrapes: int = 1, **data: Any) -> str:
    tracking = Tracking(api)
    task_id = await tracking.create_profile(user, **data)
    for _ in range(scrapes):
        assert (await tracking.call("POST", "force_scrape", user, task_id)).status_code == 200
        status = await tracking.wait_idle(user, task_id)
        assert status["last_run"]["status"] == "succeeded", status
    return task_id


# ---- history -------------------------------------------------------------------------


async def test_history_of_scraped_profile_is_its_snapshots(api: Api, service_store: Store) -> None:
    user = await api.signup()
    task_id = await scraped_profile(api, user, scrapes=3)
    stored = await stored_snapshots(service_store, task_id)
    assert len(stored) == 3

    history = await answer(api, user, f"history/{task_id}")

    assert history["task_type"] == "profile" and history["days"] == 90
    assert [p["taken_at"] for p in history["points"]] == [s["taken_at"] for s in stored]
    for point, snapshot in zip(history["points"], stored, strict=True):
        assert point["values"] == {
            name: snapshot[name] for name in ("followers", "follows_count", "posts_count")
        }
        assert point["taken_at_iso"].endswith("Z")
    assert history["first_scrape_at"] == stored[0]["taken_at"]
    assert history["last_scrape_at"] == stored[-1]["taken_at"]
    assert 0 <= history["freshness_seconds"] < 60
    # Seconds of history: no 7-day growth to give, and none is made up.
    assert history["growth"]["followers"] == {"days_7": None, "days_30": None, "days_90": None}
    # Every post of the latest scrape, seen by each of the three scrapes.
    latest_posts = {p["post_id"]: p for p in stored[-1]["posts"]}
    assert {p["post_id"] for p in history["posts"]} == set(latest_posts)
    for entry in history["posts"]:
        assert len(entry["points"]) == 3
        assert entry["points"][-1]["likes"] == latest_posts[entry["post_id"]]["likes"]
        assert entry["first_seen_at"] == stored[0]["taken_at"]


async def test_history_gives_daily_closes_changes_and_growth(
    api: Api, service_store: Store
) -> None:
    user = await api.signup()
    task_id = await Tracking(api).create_profile(user)
    now = days_ago(0) // DAY * DAY + 12 * 3600  # midday today (UTC)
    if now > days_ago(0):
        now -= DAY
    followers = {}
    for day in range(100, -1, -1):
        if day == 5:
            continue  # a day without a scrape
        at = now - day * DAY
        followers[day] = 10_000 + 10 * (100 - day)
        numbers: dict[str, Any] = {
            "followers": followers[day],
            "follows_count": 300,
            "posts_count": 50 + (100 - day) // 7,
        }
        if day == 3:
            numbers["unavailable"] = ["follows_count"]
        await add_snapshot(service_store, task_id, user.user_id, at, **numbers)
    # An earlier scrape of today: the day's close is the later one.
    await add_snapshot(
        service_store,
        task_id,
        user.user_id,
        now - 3600,
        followers=1,
        follows_count=1,
        posts_count=1,
    )

    history = await answer(api, user, f"history/{task_id}", days=30)

    assert len(history["points"]) == 30  # days 0-29 but 5, plus the early one of today
    days = history["daily"]
    assert [d["date"] for d in days][-1] == history["points"][-1]["taken_at_iso"][:10]
    assert len(days) == 29
    assert days[-1]["values"]["followers"] == followers[0]
    assert days[-1]["changes"]["followers"] == 10
    after_gap = next(d for d in days if d["days_since"] == 2)
    assert after_gap["changes"]["followers"] == 20
    unknown_day = days[-4]
    assert unknown_day["values"]["follows_count"] is None
    assert unknown_day["changes"]["follows_count"] is None
    assert days[-3]["changes"]["follows_count"] is None  # from an unknown
    # The first day's change is from the day before the window.
    assert days[0]["changes"]["followers"] == 10 and days[0]["days_since"] == 1
    growth = history["growth"]["followers"]
    assert growth["days_7"]["absolute"] == 70
    assert growth["days_7"]["percent"] == round(100 * 70 / followers[7], 4)
    assert growth["days_30"]["start"] == followers[30]
    assert growth["days_90"]["absolute"] == 900
    assert history["growth"]["follows_count"]["days_7"]["absolute"] == 0
    assert history["first_scrape_at"] == now - 100 * DAY


async def test_history_of_a_never_scraped_task_is_empty(api: Api) -> None:
    user = await api.signup()
    task_id = await Tracking(api).create_profile(user)

    history = await answer(api, user, f"history/{task_id}")

    assert history["points"] == history["daily"] == history["posts"] == []
    assert history["first_scrape_at"] is history["last_scrape_at"] is None
    assert history["freshness_seconds"] is None
    assert history["growth"]["posts_count"]["days_90"] is None


async def test_history_of_a_reel_follows_its_counts(api: Api, service_store: Store) -> None:
    user = await api.signup()
    project = await api.create_project(user)
    tracking = Tracking(api)
    task_id = await tracking.create_reel(user, project)
    for plays, at in ((1000, days_ago(9)), (5000, days_ago(1))):
        await add_snapshot(
            service_store,
            task_id,
            user.user_id,
            at,
            "reel",
            plays=plays,
            views=0,
            likes=plays // 10,
            comments=7,
            published_at=days_ago(10),
            unavailable=["views"],
        )

    history = await answer(api, user, f"history/{task_id}")

    assert history["task_type"] == "reel"
    assert history["metrics"] == ["plays", "views", "likes", "comments"]
    assert [p["values"]["plays"] for p in history["points"]] == [1000, 5000]
    assert {p["values"]["views"] for p in history["points"]} == {None}
    assert history["growth"]["plays"]["days_7"]["absolute"] == 4000
    assert history["posts"] == []


# ---- engagement ----------------------------------------------------------------------


async def test_engagement_uses_followers_nearest_each_publication(
    api: Api, service_store: Store
) -> None:
    user = await api.signup()
    task_id = await Tracking(api).create_profile(user)
    await add_snapshot(service_store, task_id, user.user_id, days_ago(20), followers=1000)
    await add_snapshot(service_store, task_id, user.user_id, days_ago(10), followers=2000)
    posts = [
        post("old", days_ago(19), likes=90, comments=10),  # nearest: day 20, 1000
        post("mid", days_ago(14), likes=150, comments=50),  # day 10 is nearer (4 < 6)
        post("reel", days_ago(2), likes=40, comments=0, plays=800, views=400, is_reel=True),
        post("hidden", days_ago(1), likes=0, comments=5, unavailable=["likes"]),
    ]
    await add_snapshot(
        service_store, task_id, user.user_id, days_ago(0.5), followers=4000, posts=posts
    )

    body = await answer(api, user, f"engagement/{task_id}")

    rates = {p["post_id"]: p for p in body["posts"]}
    assert rates["old"]["followers"] == 1000 and rates["old"]["by_followers"] == 10.0
    assert rates["mid"]["followers"] == 2000 and rates["mid"]["by_followers"] == 10.0
    assert rates["reel"]["followers"] == 4000 and rates["reel"]["by_followers"] == 1.0
    assert rates["reel"]["per_play"] == 5.0 and rates["reel"]["per_view"] == 10.0
    assert rates["old"]["per_play"] is None  # a photo has no plays
    hidden = rates["hidden"]
    assert hidden["likes"] is None and hidden["by_followers"] is None
    known = [10.0, 10.0, 1.0]
    summary = body["summary"]["by_followers"]
    assert summary == {
        "mean": round(statistics.fmean(known), 4),
        "median": statistics.median(known),
        "posts": 3,
    }
    assert body["summary"]["per_play"]["posts"] == 1
    assert [p["post_id"] for p in body["top_posts"]] == ["mid", "old", "reel"]
    assert "followers" in body["formulas"]["by_followers"]
    assert body["followers"] == 4000


async def test_engagement_of_a_reel_is_per_play_and_per_view(
    api: Api, service_store: Store
) -> None:
    user = await api.signup()
    project = await api.create_project(user)
    task_id = await Tracking(api).create_reel(user, project)
    await add_snapshot(
        service_store,
        task_id,
        user.user_id,
        days_ago(1),
        "reel",
        plays=0,
        views=2000,
        likes=150,
        comments=50,
        published_at=days_ago(3),
        unavailable=["plays"],
    )

    body = await answer(api, user, f"engagement/{task_id}")

    assert body["reel"]["per_view"] == 10.0
    assert body["reel"]["per_play"] is None  # plays unknown, not 0
    assert body["reel"]["by_followers"] is None
    assert body["posts"] == [] and body["summary"] is None


async def test_engagement_of_a_never_scraped_task(api: Api) -> None:
    user = await api.signup()
    task_id = await Tracking(api).create_profile(user)

    body = await answer(api, user, f"engagement/{task_id}")

    assert body["posts"] == body["top_posts"] == []
    assert body["summary"]["by_followers"] == {"mean": None, "median": None, "posts": 0}
    assert body["scraped_at"] is None


# ---- compare -------------------------------------------------------------------------


async def test_compare_lists_own_profiles_then_competitors(api: Api, service_store: Store) -> None:
    user = await api.signup()
    tracking = Tracking(api)
    own = await tracking.create_profile(user)
    rival = await tracking.create_profile(user, is_competitor=True)
    never = await tracking.create_profile(user, is_competitor=True)
    for day, followers, posts_count in ((40, 900, 10), (8, 1400, 19), (7, 1500, 20)):
        await add_snapshot(
            service_store,
            rival,
            user.user_id,
            days_ago(day),
            followers=followers,
            posts_count=posts_count,
        )
    latest_posts = [
        post("r1", days_ago(3), likes=190, comments=10, plays=1000, is_reel=True),
        post("r2", days_ago(5), likes=90, comments=10, plays=3000, is_reel=True),
        post("p1", days_ago(6), likes=40, comments=0),
    ]
    await add_snapshot(
        service_store,
        rival,
        user.user_id,
        days_ago(0.1),
        followers=2000,
        posts_count=24,
        posts=latest_posts,
    )
    await add_snapshot(service_store, own, user.user_id, days_ago(1), followers=50, posts_count=1)

    body = await answer(api, user, "compare", days=30)

    rows = {row["task_id"]: row for row in body["rows"]}
    assert body["rows"][0]["task_id"] == own  # own first
    assert set(rows) == {own, rival, never}
    row = rows[rival]
    assert row["is_competitor"] and row["followers"] == 2000
    # From the last scrape 7 days or more before the latest: 8 days ago (7 is 6.9 days).
    assert row["growth_7d"]["absolute"] == 600 and row["growth_7d"]["start"] == 1400
    assert row["growth_30d"]["absolute"] == 1100  # from 40 days ago: within 30 + 15
    # posts_count 10 -> 24 over the 39.9 days between those scrapes, a week's worth.
    assert row["posts_per_week"] == pytest.approx(14 * 7 / 39.9, abs=0.01)
    # r1 is nearest the latest scrape (2,000 followers), r2 and p1 the 7-day one (1,500).
    rates = [round(100 * 200 / 2000, 4), round(100 * 100 / 1500, 4), round(100 * 40 / 1500, 4)]
    assert row["engagement_mean"] == round(statistics.fmean(rates), 4)
    assert row["engagement_median"] == statistics.median(rates)
    assert row["engagement_posts"] == 3
    assert row["average_plays_per_reel"] == 2000.0 and row["reels"] == 2
    assert rows[never]["followers"] is None and rows[never]["growth_7d"] is None
    assert rows[own]["growth_7d"] is None  # a day of history


# ---- exports and chart ---------------------------------------------------------------


async def test_history_export_is_every_snapshot_as_csv(api: Api, service_store: Store) -> None:
    user = await api.signup()
    task_id = await Tracking(api).create_profile(user)
    for day in range(1200, 0, -1):  # more than two pages of an export
        await add_snapshot(
            service_store,
            task_id,
            user.user_id,
            days_ago(day),
            followers=day,
            follows_count=1,
            posts_count=2,
            unavailable=["follows_count"] if day == 7 else [],
        )

    response = await get(api, user, f"export/{task_id}.csv")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.count("\r\n") == 1201
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [int(r["followers"]) for r in rows] == list(range(1200, 0, -1))
    assert rows[-7]["follows_count"] == ""
    stored = await stored_snapshots(service_store, task_id)
    assert [float(r["taken_at_epoch"]) for r in rows] == [s["taken_at"] for s in stored]
    assert rows[0]["taken_at_utc"].endswith("Z")

    recent = await get(api, user, f"export/{task_id}.csv", days=10)
    assert len(list(csv.DictReader(io.StringIO(recent.text)))) == 9


async def test_compare_export_has_a_row_per_profile(api: Api, service_store: Store) -> None:
    user = await api.signup()
    tracking = Tracking(api)
    own = await tracking.create_profile(user)
    await add_snapshot(service_store, own, user.user_id, days_ago(1), followers=321)
    await tracking.create_profile(user, is_competitor=True)

    response = await get(api, user, "export/compare.csv")

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 2
    assert rows[0]["task_id"] == own and rows[0]["followers"] == "321"
    assert rows[0]["is_competitor"] == "false" and rows[1]["followers"] == ""


async def test_chart_is_an_svg_of_the_metric(api: Api, service_store: Store) -> None:
    user = await api.signup()
    task_id = await Tracking(api).create_profile(user)
    for day, followers in ((3, 1200), (2, 1500), (1, 2400)):
        await add_snapshot(service_store, task_id, user.user_id, days_ago(day), followers=followers)

    response = await get(api, user, f"chart/{task_id}.svg", metric="followers", days=30)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    root = ET.fromstring(response.text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert "followers" in response.text


# ---- bad input and isolation ---------------------------------------------------------


@pytest.mark.parametrize("route", [*ROUTES])
async def test_another_users_task_is_not_found(api: Api, route: str) -> None:
    owner, stranger = await api.signup(), await api.signup()
    task_id = await Tracking(api).create_profile(owner)

    response = await get(api, stranger, route.format(task_id))

    assert_error(response, 404, "Task not found or access denied")


@pytest.mark.parametrize(
    ("route", "params", "field"),
    [
        ("history/{}", {"days": 0}, "days"),
        ("history/{}", {"days": 3651}, "days"),
        ("history/{}", {"days": "ninety"}, "days"),
        ("compare", {"days": -1}, "days"),
        ("export/compare.csv", {"days": "1e9"}, "days"),
        ("export/{}.csv", {"days": 99999}, "days"),
        ("chart/{}.svg", {"metric": "money"}, "metric"),
        ("chart/{}.svg", {"metric": "plays"}, "metric"),  # a reel's, not a profile's
        ("chart/{}.svg", {"days": 0}, "days"),
    ],
)
async def test_bad_parameters_are_400_naming_the_field(
    api: Api, route: str, params: dict[str, Any], field: str
) -> None:
    user = await api.signup()
    task_id = await Tracking(api).create_profile(user)

    response = await get(api, user, route.format(task_id), **params)

    assert response.status_code == 400, response.text
    assert response.json()["result"] is False
    assert f"Invalid {field}" in response.json()["message"]


async def test_without_a_token_is_401(api: Api) -> None:
    response = await api.http.get("/codvid-ai/ig-tracking/compare")
    assert response.status_code == 401


@pytest.mark.parametrize("model", [HistoryBody, EngagementBody, CompareBody])
def test_the_documented_examples_are_valid_answers(model: type[BaseModel]) -> None:
    example = model.model_config.get("json_schema_extra", {})["example"]  # type: ignore[index]
    assert model.model_validate(example).model_dump(mode="json") == example


async def test_compare_rows_follow_each_scrape_and_the_tasks_own_changes(api: Api) -> None:
    user = await api.signup()
    tracking = Tracking(api)
    task_id = await scraped_profile(api, user)
    first = (await answer(api, user, "compare"))["rows"][0]
    assert first["last_scraped"] is not None and not first["is_competitor"]

    changed = await tracking.call("PUT", "update_task", user, task_id, data={"is_competitor": True})
    assert changed.status_code == 200
    assert (await answer(api, user, "compare"))["rows"][0]["is_competitor"] is True

    assert (await tracking.call("POST", "force_scrape", user, task_id)).status_code == 200
    await tracking.wait_idle(user, task_id)
    later = (await answer(api, user, "compare"))["rows"][0]
    assert later["last_scraped"] > first["last_scraped"]
