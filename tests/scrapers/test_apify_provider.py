"""The Apify provider with the real ``apify-client`` against the local fake Apify API
(:mod:`tests.fakes.apify`): every request below crosses real HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from apify_client import ApifyClientAsync
from limits import parse

from codvid.config import load_settings
from codvid.errors import ConfigurationError
from codvid.scrapers import (
    SCRAPERS,
    AccessDenied,
    MalformedResponse,
    PostRef,
    ProfileNotFound,
    ProfilePrivate,
    ProfileResult,
    ProviderRunFailed,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    ReelNotFound,
    ScraperError,
    ScraperProvider,
    check_profile,
    check_reel,
)
from codvid.scrapers.providers.apify import ApifyProvider, from_settings
from codvid.scrapers.providers.apify.runs import retry_after
from tests.fakes.apify import (
    COMMENT_SCRAPER,
    GENERIC_SCRAPER,
    NEVER,
    PROFILE_SCRAPER,
    FakeApify,
    comment_item,
    not_found_item,
    post_item,
    profile_item,
)

pytestmark = pytest.mark.anyio

MakeProvider = Callable[..., ApifyProvider]
REEL = "DZ5T2XPllXv"
PRICE = 0.0027


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@pytest.fixture
def fake() -> Iterator[FakeApify]:
    with FakeApify(price_per_item=PRICE) as server:
        yield server


@pytest.fixture
async def make_provider(fake: FakeApify) -> AsyncIterator[MakeProvider]:
    made: list[ApifyProvider] = []

    def make(**options: Any) -> ApifyProvider:
        settings: dict[str, Any] = {
            "token": fake.token,
            "api_url": fake.base_url,
            "timeout": 5.0,
            "max_retries": 2,
            "min_retry_delay": 0.01,
            **options,
        }
        provider = ApifyProvider(**settings)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.close()


@pytest.fixture
def provider(make_provider: MakeProvider) -> ApifyProvider:
    return make_provider()


def nasa_posts() -> list[dict[str, Any]]:
    """A pinned old image first (as Instagram lists it), then a reel, an image, a carousel."""
    return [
        post_item("PINNEDold01", kind="image", timestamp="2025-01-01T00:00:00.000Z", isPinned=True),
        post_item(
            REEL,
            kind="reel",
            timestamp="2026-06-22T17:24:20.000Z",
            likes=2_100,
            comments=45,
            views=4_584,
            plays=40_562,
            caption="Liftoff! #Artemis #space with @SpaceX and @esa.",
        ),
        post_item("IMAGEpost02", kind="image", timestamp="2026-06-20T09:00:00.000Z", likes=900),
        post_item("SIDECARpst3", kind="carousel", timestamp="2026-06-18T12:30:00.000Z"),
    ]


# ---- Profiles ----------------------------------------------------------------------------


async def test_a_profile_maps_every_field(fake: FakeApify, provider: ApifyProvider) -> None:
    fake.add_profile(profile_item("nasa", posts=nasa_posts()))

    batch = await provider.fetch_profiles(["nasa"], max_posts=12)

    result = check_profile(batch.profiles["nasa"])
    assert (result.username, result.full_name) == ("nasa", "Nasa")
    assert result.biography.startswith("Making the seemingly impossible")
    assert result.icon_pic_url.endswith("nasa_hd.jpg?oe=6A1B2C3D")  # the HD picture
    assert (result.followers, result.follows_count) == (104_423_132, 92)
    assert (result.posts_count, result.igtv_video_count) == (4_888, 171)
    assert result.unavailable == ()
    assert (result.provider, result.is_demo) == ("apify", False)
    assert [post.post_id for post in result.posts] == [
        REEL,
        "IMAGEpost02",
        "SIDECARpst3",
        "PINNEDold01",
    ]  # newest first, the pinned post in its place
    reel, image, carousel, _ = result.posts
    assert (reel.type, reel.is_reel) == ("reel", True)
    assert (image.type, carousel.type) == ("image", "carousel")
    assert not image.is_reel and not carousel.is_reel
    assert reel.post_url == f"https://www.instagram.com/p/{REEL}/"
    assert reel.timestamp == epoch("2026-06-22T17:24:20+00:00")
    assert (reel.likes_count, reel.comments_count) == (2_100, 45)
    # Plays and views are different numbers: each kept as it came.
    assert (reel.video_play_count, reel.video_view_count) == (40_562, 4_584)
    assert reel.unavailable == ()
    assert reel.hashtags == ("Artemis", "space")
    assert reel.mentions == ("spacex", "esa")
    assert reel.comments == ()  # latestComments (the newest) are not the top comments
    # An image has no plays or views; Apify leaves them out, so they read as unknown.
    assert (image.video_play_count, image.video_view_count) == (0, 0)
    assert set(image.unavailable) == {"video_view_count", "video_play_count"}


async def test_raw_is_the_vendor_item_bounded(fake: FakeApify, provider: ApifyProvider) -> None:
    fake.add_profile(profile_item("nasa", posts=nasa_posts(), biography="x" * 10_000))

    result = (await provider.fetch_profiles(["nasa"], max_posts=2)).profiles["nasa"]

    assert isinstance(result, ProfileResult)
    raw = result.raw
    json.dumps(raw, allow_nan=False)
    assert raw["source"] == "apify" and raw["actor"] == PROFILE_SCRAPER
    assert raw["run_id"] == fake.runs[0].id
    assert raw["item"]["followersCount"] == 104_423_132
    assert "relatedProfiles" not in raw["item"]
    assert len(raw["item"]["biography"]) <= 2_201
    kept = [post["shortCode"] for post in raw["item"]["latestPosts"]]
    assert sorted(kept) == sorted(post.post_id for post in result.posts)
    assert all("latestComments" not in post for post in raw["item"]["latestPosts"])


async def test_max_posts_keeps_the_newest(fake: FakeApify, provider: ApifyProvider) -> None:
    fake.add_profile(profile_item("nasa", posts=nasa_posts()))

    result = (await provider.fetch_profiles(["nasa"], max_posts=2)).profiles["nasa"]

    assert isinstance(result, ProfileResult)
    assert [post.post_id for post in result.posts] == [REEL, "IMAGEpost02"]


async def test_many_usernames_take_one_run_and_only_the_bad_ones_fail(
    fake: FakeApify, provider: ApifyProvider
) -> None:
    for name in ("nasa", "esa", "spacex"):
        fake.add_profile(profile_item(name))
    fake.add_profile(profile_item("secret_club", private=True, followers=120))
    asked = ["nasa", "esa", "nobody_here_42", "secret_club", "spacex"]

    batch = await provider.fetch_profiles(asked, max_posts=12)

    assert len(fake.run_starts) == 1
    assert fake.run_starts[0].body == {"usernames": asked}
    assert set(batch.profiles) == set(asked)
    for name in ("nasa", "esa", "spacex"):
        result = batch.profiles[name]
        assert isinstance(result, ProfileResult) and result.username == name
        assert len(result.posts) == 3
    unknown, private = batch.profiles["nobody_here_42"], batch.profiles["secret_club"]
    assert type(unknown) is ProfileNotFound
    assert "@nobody_here_42" in unknown.message
    assert unknown.raw["error"] == "no_items"
    assert isinstance(private, ProfilePrivate)
    assert "@secret_club" in private.message
    assert batch.cost is not None
    assert batch.cost.items == 5  # the not-found item is a dataset item too
    assert batch.cost.usd == pytest.approx(5 * PRICE)
    assert batch.cost.calls == 3  # start, wait, dataset


async def test_usernames_are_matched_case_insensitively(
    fake: FakeApify, provider: ApifyProvider
) -> None:
    fake.add_profile(profile_item("NASA"))

    batch = await provider.fetch_profiles(["NASA"], max_posts=1)

    result = batch.profiles["NASA"]
    assert isinstance(result, ProfileResult) and result.username == "nasa"
    assert fake.run_starts[0].body == {"usernames": ["nasa"]}


async def test_a_username_missing_from_the_output_is_malformed_not_gone(
    fake: FakeApify, provider: ApifyProvider
) -> None:
    fake.next_run(items=[profile_item("nasa")])

    batch = await provider.fetch_profiles(["nasa", "esa"], max_posts=12)

    assert isinstance(batch.profiles["nasa"], ProfileResult)
    missing = batch.profiles["esa"]
    assert type(missing) is MalformedResponse  # not ProfileNotFound: nothing says it is gone
    assert "@esa" in missing.message


async def test_partial_items_report_unknown_counts(
    fake: FakeApify, provider: ApifyProvider
) -> None:
    posts = [
        post_item("HIDDENlikes", likes=-1, plays=None, views=900),
        post_item("NOCOMMENTSx", kind="image", comments=None),
    ]
    fake.add_profile(profile_item("nasa", posts=posts, followers=None, igtv=None))

    result = (await provider.fetch_profiles(["nasa"], max_posts=12)).profiles["nasa"]

    assert isinstance(result, ProfileResult)
    check_profile(result)
    assert (result.followers, result.igtv_video_count) == (0, 0)
    assert set(result.unavailable) == {"followers", "igtv_video_count"}
    hidden, no_comments = result.posts
    assert (hidden.likes_count, hidden.video_play_count, hidden.video_view_count) == (0, 0, 900)
    assert set(hidden.unavailable) == {"likes_count", "video_play_count"}
    assert "comments_count" in no_comments.unavailable


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (profile_item("nasa") | {"followersCount": "lots"}, "followersCount"),
        (profile_item("nasa", follows=-5), "followsCount"),
        (profile_item("nasa", latestPosts={"oops": 1}), "latestPosts"),
        (profile_item("nasa", posts=[post_item("NOTIMEpost1", timestamp="yesterday")]), "[0]"),
        (profile_item("nasa", posts=[{"shortCode": "NOTYPEpost1"}]), "latestPosts[0]"),
        (profile_item("nasa", posts=[post_item("BADTAGSpst1", hashtags="space")]), "hashtags"),
        (profile_item("nasa", fullName=["N", "A"]), "fullName"),
        (profile_item("nasa") | {"username": None}, "username is missing"),
        (profile_item("nasa") | {"username": 7}, "username"),
    ],
)
async def test_a_malformed_item_fails_its_username_alone(
    fake: FakeApify, provider: ApifyProvider, item: dict[str, Any], field: str
) -> None:
    fake.next_run(items=[item, profile_item("esa")])

    batch = await provider.fetch_profiles(["nasa", "esa"], max_posts=12)

    assert isinstance(batch.profiles["esa"], ProfileResult)
    failed = batch.profiles["nasa"]
    assert isinstance(failed, MalformedResponse)
    assert field in failed.message


async def test_items_that_are_not_objects_are_skipped(
    fake: FakeApify, provider: ApifyProvider
) -> None:
    fake.next_run(items=["garbage", profile_item("nasa"), profile_item("esa")])

    batch = await provider.fetch_profiles(["nasa", "esa"], max_posts=12)

    assert isinstance(batch.profiles["nasa"], ProfileResult)
    # maxItems is 2, and the garbage took one of them: as on Apify, the rest is cut.
    assert isinstance(batch.profiles["esa"], MalformedResponse)


async def test_other_item_errors_fail_the_username_as_a_run_failure(
    fake: FakeApify, provider: ApifyProvider
) -> None:
    blocked = not_found_item("nasa") | {"error": "blocked", "errorDescription": "Login required"}
    fake.next_run(items=[blocked])

    batch = await provider.fetch_profiles(["nasa"], max_posts=12)

    failed = batch.profiles["nasa"]
    assert isinstance(failed, ProviderRunFailed)
    assert "Login required" in failed.message


async def test_batches_are_bounded(provider: ApifyProvider, fake: FakeApify) -> None:
    with pytest.raises(ValueError, match="at most 25"):
        await provider.fetch_profiles([f"user{i}" for i in range(26)], max_posts=12)
    empty = await provider.fetch_profiles([], max_posts=12)
    assert empty.profiles == {}
    assert fake.requests == []


# ---- Reels -------------------------------------------------------------------------------


async def test_a_reel_maps_every_field(fake: FakeApify, provider: ApifyProvider) -> None:
    fake.add_post(nasa_posts()[1] | {"ownerUsername": "NASA"})

    result = check_reel(await provider.fetch_reel(REEL))

    assert (result.shortcode, result.owner_username) == (REEL, "nasa")
    assert result.reel_url == f"https://www.instagram.com/reel/{REEL}/"
    assert (result.likes, result.comments) == (2_100, 45)
    assert (result.plays, result.views) == (40_562, 4_584)
    assert result.unavailable == ()
    assert result.timestamp == epoch("2026-06-22T17:24:20+00:00")
    assert result.hashtags == ("Artemis", "space")
    assert result.caption.startswith("Liftoff!")
    assert result.comments_list == ()
    assert result.raw["actor"] == GENERIC_SCRAPER and result.raw["item"]["shortCode"] == REEL
    assert result.cost is not None
    assert (result.cost.items, result.cost.calls) == (1, 3)
    assert result.cost.usd == pytest.approx(PRICE)
    start = fake.run_starts[0]
    assert start.path == "/v2/actors/apify~instagram-scraper/runs"
    assert start.body["directUrls"] == [f"https://www.instagram.com/reel/{REEL}/"]
    assert start.body["resultsType"] == "posts"


async def test_a_reel_without_plays_lists_them_unavailable(
    fake: FakeApify, provider: ApifyProvider
) -> None:
    fake.add_post(post_item(REEL, plays=None, views=4_584))

    result = await provider.fetch_reel(REEL)

    assert (result.plays, result.views) == (0, 4_584)
    assert result.unavailable == ("plays",)


async def test_a_missing_reel_is_not_found(fake: FakeApify, provider: ApifyProvider) -> None:
    with pytest.raises(ReelNotFound) as caught:
        await provider.fetch_reel("Cgone12345x")
    assert caught.value.raw["items"] == [{"error": "no_items"}]

    with pytest.raises(ReelNotFound):
        await provider.fetch_reel("../../v2/users/me")
    assert len(fake.run_starts) == 1  # the second never reached Apify


async def test_a_reel_item_for_another_post_is_malformed(
    fake: FakeApify, provider: ApifyProvider
) -> None:
    fake.next_run(items=[post_item("SOMEothercd")])

    with pytest.raises(MalformedResponse, match=REEL):
        await provider.fetch_reel(REEL)


async def test_a_reel_without_its_owner_is_malformed(
    fake: FakeApify, provider: ApifyProvider
) -> None:
    fake.next_run(items=[post_item(REEL, ownerUsername=None)])

    with pytest.raises(MalformedResponse, match="ownerUsername"):
        await provider.fetch_reel(REEL)


# ---- Comments ----------------------------------------------------------------------------


def ref(shortcode: str, comments: int = 45) -> PostRef:
    return PostRef(
        shortcode=shortcode,
        url=f"https://www.instagram.com/reel/{shortcode}/",
        timestamp=1_750_000_000,
        comments_count=comments,
    )


async def test_comments_take_one_run_ranked_by_likes_and_capped(
    fake: FakeApify, make_provider: MakeProvider
) -> None:
    provider = make_provider(comment_pool=2)
    likes = {REEL: [3, 50, 0, 12, 7, 50], "SECONDreel1": [1, 2]}
    for code, counts in likes.items():
        url = f"https://www.instagram.com/p/{code}/"
        fake.add_comments(
            code,
            [
                comment_item(
                    url,
                    f"{code} comment {i}",
                    likes=count,
                    owner=f"Fan{i}",
                    timestamp=f"2026-06-22T18:0{i}:00.000Z",
                )
                for i, count in enumerate(counts)
            ],
        )

    batch = await provider.fetch_comments([ref(REEL), ref("SECONDreel1", 2)], max_comments=3)

    assert len(fake.run_starts) == 1
    start = fake.run_starts[0]
    assert start.path == "/v2/actors/apify~instagram-comment-scraper/runs"
    assert start.body == {
        "directUrls": [
            f"https://www.instagram.com/p/{REEL}/",
            "https://www.instagram.com/p/SECONDreel1/",
        ],
        "resultsLimit": 6,
    }
    assert start.query["maxItems"] == "8"  # 6 for the first post, its 2 for the second
    top = batch.comments[REEL]
    assert [c.likes_count for c in top] == [50, 50, 12]
    assert [c.text for c in top[:2]] == [f"{REEL} comment 5", f"{REEL} comment 1"]  # newer first
    assert top[0].owner_username == "fan5"
    assert top[0].timestamp == epoch("2026-06-22T18:05:00+00:00")
    assert [c.likes_count for c in batch.comments["SECONDreel1"]] == [2, 1]
    assert batch.cost is not None
    assert batch.cost.items == 8 and batch.cost.usd == pytest.approx(8 * PRICE)
    assert len(batch.raw) == 1 + 5  # the run, then each comment kept
    assert batch.raw[0]["runs"][0]["run_id"] == fake.runs[0].id
    json.dumps(batch.raw, allow_nan=False)


async def test_comments_of_a_post_apify_cannot_read_are_absent(
    fake: FakeApify, provider: ApifyProvider
) -> None:
    url = f"https://www.instagram.com/p/{REEL}/"
    fake.add_comments(REEL, [comment_item(url, "Great!", likes=4, replies=2)])

    batch = await provider.fetch_comments([ref(REEL), ref("DELETEDpst1")], max_comments=10)

    assert set(batch.comments) == {REEL}
    assert batch.raw[1]["repliesCount"] == 2


async def test_comment_items_of_other_posts_or_without_time_are_dropped(
    fake: FakeApify, provider: ApifyProvider
) -> None:
    url = f"https://www.instagram.com/p/{REEL}/"
    fake.next_run(
        items=[
            comment_item("https://www.instagram.com/p/NOTaskedFor/", "elsewhere", likes=99),
            comment_item(url, "no time", likes=98) | {"timestamp": None},
            comment_item(url, "", likes=1),  # a sticker: no text, still a comment
            comment_item(url, "likes hidden", likes=-1),
        ]
    )

    batch = await provider.fetch_comments([ref(REEL), ref("SECONDreel1")], max_comments=10)

    assert [(c.text, c.likes_count) for c in batch.comments[REEL]] == [
        ("", 1),
        ("likes hidden", 0),
    ]
    assert "SECONDreel1" not in batch.comments


async def test_a_comment_run_with_nothing_usable_is_malformed(
    fake: FakeApify, provider: ApifyProvider
) -> None:
    fake.next_run(items=["junk", {"text": "no post, no time"}])

    with pytest.raises(MalformedResponse):
        await provider.fetch_comments([ref(REEL), ref("SECONDreel1")], max_comments=10)


async def test_many_posts_are_split_into_runs_side_by_side(
    fake: FakeApify, provider: ApifyProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("codvid.scrapers.providers.apify.provider.MAX_COMMENT_POSTS", 2)
    codes = [f"MANYposts{i:02d}" for i in range(5)]
    for code in codes:
        fake.add_comments(code, [comment_item(f"https://www.instagram.com/p/{code}/", code)])

    batch = await provider.fetch_comments([ref(code) for code in codes], max_comments=10)

    assert sorted(len(start.body["directUrls"]) for start in fake.run_starts) == [1, 2, 2]
    assert {code: [c.text for c in got] for code, got in batch.comments.items()} == {
        code: [code] for code in codes
    }
    assert batch.cost is not None
    assert (batch.cost.items, batch.cost.calls) == (5, 9)
    assert batch.cost.usd == pytest.approx(5 * PRICE)
    assert len(batch.raw[0]["runs"]) == 3


async def test_one_failed_comment_run_fails_the_call_and_stops_the_others(
    fake: FakeApify, provider: ApifyProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("codvid.scrapers.providers.apify.provider.MAX_COMMENT_POSTS", 1)
    fake.next_run("FAILED")
    fake.next_run(NEVER)

    with pytest.raises(ProviderRunFailed, match="FAILED"):
        await provider.fetch_comments([ref("FIRSTpost01"), ref("SECONDpst02")], max_comments=5)

    assert sorted(run.status for run in fake.runs) == ["ABORTED", "FAILED"]


async def test_no_comments_wanted_runs_nothing(fake: FakeApify, provider: ApifyProvider) -> None:
    assert (await provider.fetch_comments([ref(REEL)], max_comments=0)).comments == {}
    assert (await provider.fetch_comments([], max_comments=10)).comments == {}
    assert fake.requests == []


# ---- Limits on every run -----------------------------------------------------------------


async def test_every_run_carries_max_items_and_max_total_charge(
    fake: FakeApify, make_provider: MakeProvider
) -> None:
    provider = make_provider(max_charge_usd=0.25)
    fake.add_profile(profile_item("nasa", posts=nasa_posts()))
    fake.add_profile(profile_item("esa"))
    fake.add_comments(REEL, [comment_item(f"https://www.instagram.com/p/{REEL}/", "wow")])

    await provider.fetch_profiles(["nasa", "esa", "nobody"], max_posts=12)
    await provider.fetch_reel(REEL)
    await provider.fetch_comments([ref(REEL, 30)], max_comments=10)

    starts = fake.run_starts
    assert [start.path.split("/")[3] for start in starts] == [
        "apify~instagram-profile-scraper",
        "apify~instagram-scraper",
        "apify~instagram-comment-scraper",
    ]
    assert [start.query["maxItems"] for start in starts] == ["3", "1", "10"]
    assert all(start.query["maxTotalChargeUsd"] == "0.25" for start in starts)
    assert all(start.query["timeout"] == "5" for start in starts)
    assert [run.options["maxItems"] for run in fake.runs] == [3, 1, 10]
    assert fake.run_starts[2].body["resultsLimit"] == 10
    assert [run.actor for run in fake.runs] == [PROFILE_SCRAPER, GENERIC_SCRAPER, COMMENT_SCRAPER]


async def test_the_charge_limit_stops_a_run_short(
    fake: FakeApify, make_provider: MakeProvider
) -> None:
    provider = make_provider(max_charge_usd=0.006)  # two results at $0.0027
    for name in ("nasa", "esa", "jaxa"):
        fake.add_profile(profile_item(name))

    batch = await provider.fetch_profiles(["nasa", "esa", "jaxa"], max_posts=12)

    assert isinstance(batch.profiles["nasa"], ProfileResult)
    assert isinstance(batch.profiles["esa"], ProfileResult)
    assert isinstance(batch.profiles["jaxa"], MalformedResponse)
    assert "CODVID_APIFY_MAX_CHARGE_USD" in batch.profiles["jaxa"].message
    assert batch.cost is not None
    assert batch.cost.items == 2 and batch.cost.usd == pytest.approx(2 * PRICE)
    assert fake.items_charged == 2


async def test_pay_per_event_cost_includes_the_start() -> None:
    with FakeApify(pricing_model="PAY_PER_EVENT", price_per_item=0.002, start_price=0.01) as fake:
        fake.add_profile(profile_item("nasa"))
        provider = ApifyProvider(token=fake.token, api_url=fake.base_url, min_retry_delay=0)
        try:
            batch = await provider.fetch_profiles(["nasa"], max_posts=1)
        finally:
            await provider.close()
    assert batch.cost is not None
    assert batch.cost.usd == pytest.approx(0.012)
    assert batch.cost.items == 1


# ---- Failures of Apify -------------------------------------------------------------------


async def test_a_wrong_token_is_access_denied_at_once(
    fake: FakeApify, make_provider: MakeProvider
) -> None:
    provider = make_provider(token="apify_api_WRONGtoken000000000000000000")

    with pytest.raises(AccessDenied) as caught:
        await provider.fetch_profiles(["nasa"], max_posts=12)

    assert "401" in caught.value.message and "CODVID_APIFY_TOKEN" in caught.value.message
    assert caught.value.raw["type"] == "user-or-token-not-found"
    assert len(fake.requests) == 1  # a 401 is not retried
    assert fake.runs == []


async def test_a_forbidden_actor_is_access_denied(fake: FakeApify, provider: ApifyProvider) -> None:
    fake.fail_next(403, path="/runs")

    with pytest.raises(AccessDenied, match="403 insufficient-permissions"):
        await provider.fetch_reel(REEL)


async def test_an_unknown_actor_is_access_denied_naming_it(
    fake: FakeApify, make_provider: MakeProvider
) -> None:
    provider = make_provider(profile_actor="someone/no-such-actor")

    with pytest.raises(AccessDenied, match="someone/no-such-actor") as caught:
        await provider.fetch_profiles(["nasa"], max_posts=12)

    assert fake.requests[0].path == "/v2/actors/someone~no-such-actor/runs"
    assert caught.value.raw["status_code"] == 404


async def test_rate_limits_are_retried_by_the_client_then_recover(
    fake: FakeApify, provider: ApifyProvider
) -> None:
    fake.add_profile(profile_item("nasa"))
    fake.fail_next(429, count=2, path="/runs", retry_after=30)

    batch = await provider.fetch_profiles(["nasa"], max_posts=12)

    assert isinstance(batch.profiles["nasa"], ProfileResult)
    assert len(fake.run_starts) == 3 and len(fake.runs) == 1
    assert batch.cost is not None and batch.cost.calls == 5


async def test_a_lasting_rate_limit_says_when_to_retry(
    fake: FakeApify, provider: ApifyProvider
) -> None:
    fake.fail_next(429, count=3, path="/runs", retry_after=7)

    with pytest.raises(RateLimited) as caught:
        await provider.fetch_profiles(["nasa"], max_posts=12)

    assert caught.value.retry_after == 7
    assert caught.value.transient
    assert len(fake.run_starts) == 3  # the first try and the client's two retries


async def test_a_full_account_is_rate_limited(fake: FakeApify, provider: ApifyProvider) -> None:
    fake.fail_next(402, path="/runs", error_type="concurrent-runs-limit-exceeded")

    with pytest.raises(RateLimited, match="concurrent-runs-limit-exceeded"):
        await provider.fetch_profiles(["nasa"], max_posts=12)


@pytest.mark.parametrize("path", ["/runs", "/actor-runs/", "/items"])
async def test_server_errors_are_retried_then_succeed(
    fake: FakeApify, provider: ApifyProvider, path: str
) -> None:
    fake.add_profile(profile_item("nasa"))
    fake.fail_next(503, count=2, path=path)

    batch = await provider.fetch_profiles(["nasa"], max_posts=12)

    assert isinstance(batch.profiles["nasa"], ProfileResult)
    assert len(fake.runs) == 1


async def test_lasting_server_errors_are_unavailable(
    fake: FakeApify, provider: ApifyProvider
) -> None:
    fake.fail_next(500, count=3, path="/items")

    with pytest.raises(ProviderUnavailable, match="500") as caught:
        await provider.fetch_profiles(["nasa"], max_posts=12)

    assert caught.value.transient
    assert caught.value.raw["phase"] == "read"


async def test_an_unreachable_api_is_unavailable() -> None:
    with FakeApify() as gone:
        url = gone.base_url
    provider = ApifyProvider(token="apify_api_x", api_url=url, max_retries=1, min_retry_delay=0)
    try:
        with pytest.raises(ProviderUnavailable, match="Could not reach Apify"):
            await provider.fetch_profiles(["nasa"], max_posts=12)
    finally:
        await provider.close()


async def test_an_unreadable_answer_is_malformed(fake: FakeApify, provider: ApifyProvider) -> None:
    fake.fail_next(200, path="/items", body=b'{"half": ')

    with pytest.raises(MalformedResponse, match="could not be read"):
        await provider.fetch_profiles(["nasa"], max_posts=12)


async def test_a_run_that_never_finishes_times_out_and_is_aborted(
    fake: FakeApify, make_provider: MakeProvider
) -> None:
    provider = make_provider(timeout=1.0)
    fake.next_run(NEVER)
    began = time.monotonic()

    with pytest.raises(ProviderTimeout, match="did not finish within 1 s") as caught:
        await provider.fetch_profiles(["nasa"], max_posts=12)

    assert time.monotonic() - began < 5
    assert caught.value.raw["status"] in ("READY", "RUNNING")
    assert [r.path for r in fake.requests if r.path.endswith("/abort")] == [
        f"/v2/actor-runs/{fake.runs[0].id}/abort"
    ]
    assert fake.runs[0].status == "ABORTED"


async def test_a_cancelled_fetch_aborts_its_run(fake: FakeApify, provider: ApifyProvider) -> None:
    fake.next_run(NEVER)

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(provider.fetch_profiles(["nasa"], max_posts=12), timeout=0.5)

    assert fake.runs[0].status == "ABORTED"


@pytest.mark.parametrize("status", ["FAILED", "ABORTED", "TIMED-OUT"])
async def test_a_run_that_does_not_succeed_fails_the_call(
    fake: FakeApify, provider: ApifyProvider, status: str
) -> None:
    fake.next_run(status, status_message="Instagram answered 429 to every request")

    with pytest.raises(ProviderRunFailed, match=status) as caught:
        await provider.fetch_profiles(["nasa"], max_posts=12)

    assert caught.value.raw["status"] == status
    assert caught.value.raw["run_id"] == fake.runs[0].id
    assert not [r for r in fake.requests if "/items" in r.path]  # no data read from it
    assert not [r for r in fake.requests if r.path.endswith("/abort")]


async def test_a_failed_run_message_says_why(fake: FakeApify, provider: ApifyProvider) -> None:
    fake.next_run("FAILED", status_message="Instagram asked for a login")

    with pytest.raises(ProviderRunFailed, match="failed: Instagram asked for a login"):
        await provider.fetch_reel(REEL)


# ---- Secrets, cost, lifecycle ------------------------------------------------------------


async def test_the_token_never_appears_in_messages_or_raw(
    fake: FakeApify, make_provider: MakeProvider
) -> None:
    provider = make_provider(max_retries=0)
    token = fake.token
    errors: list[ScraperError] = []
    scripts: list[Callable[[], None]] = [
        lambda: fake.fail_next(500, path="/runs", message=f"upstream said token={token}"),
        lambda: fake.fail_next(400, path="/runs", message=f"Input invalid for {token}"),
        lambda: fake.fail_next(429, path="/runs", message=f"slow down {token}"),
        lambda: fake.next_run("FAILED", status_message=f"crash: Bearer {token}"),
        lambda: fake.next_run(items=[not_found_item("nasa") | {"error": f"boom {token}"}]),
    ]
    for script in scripts:
        script()
        try:
            batch = await provider.fetch_profiles(["nasa"], max_posts=12)
        except ScraperError as exc:
            errors.append(exc)
        else:
            errors.extend(e for e in batch.profiles.values() if isinstance(e, ScraperError))
    fake.next_run(items=[profile_item("nasa", biography=f"my key is {token}")])
    result = (await provider.fetch_profiles(["nasa"], max_posts=12)).profiles["nasa"]

    assert len(errors) == len(scripts)
    assert isinstance(result, ProfileResult)
    for error in errors:
        assert token not in str(error) and token not in error.message
        assert token not in json.dumps(error.raw)
        # Raised without a chained client exception that a log could print.
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__
    assert token not in json.dumps(result.raw)  # an echo in the data is masked in raw


async def test_concurrent_fetches_count_their_own_calls(
    fake: FakeApify, provider: ApifyProvider
) -> None:
    fake.add_profile(profile_item("nasa", posts=nasa_posts()))
    fake.fail_next(503, count=2, path="/actors/apify~instagram-scraper/runs")

    profiles, reel = await asyncio.gather(
        provider.fetch_profiles(["nasa"], max_posts=12), provider.fetch_reel(REEL)
    )

    assert profiles.cost is not None and profiles.cost.calls == 3
    assert reel.cost is not None and reel.cost.calls == 5  # its two retried starts
    assert len(fake.requests) == 8


async def test_close_closes_the_client(fake: FakeApify, make_provider: MakeProvider) -> None:
    provider: ScraperProvider = make_provider()  # mypy checks it keeps the interface
    assert isinstance(provider, ApifyProvider) and not provider.closed

    await provider.close()
    await provider.close()

    assert provider.closed
    with pytest.raises(RuntimeError, match="closed"):
        await provider.fetch_reel(REEL)
    assert fake.requests == []


async def test_from_settings_builds_a_working_provider(fake: FakeApify) -> None:
    fake.add_profile(profile_item("nasa"))
    settings = load_settings(
        scraper_provider="apify",
        apify_token=fake.token,
        apify_api_url=fake.base_url,
        apify_max_charge_usd=0.75,
        scrape_timeout=9,
    )

    provider = SCRAPERS.build("apify", settings)
    try:
        assert isinstance(provider, ApifyProvider) and provider.name == "apify"
        assert provider.reel_actor == "apify/instagram-scraper"
        assert parse(provider.rate_limit).amount == 30
        batch = await provider.fetch_profiles(["nasa"], max_posts=12)
    finally:
        await provider.close()

    assert isinstance(batch.profiles["nasa"], ProfileResult)
    assert fake.run_starts[0].query["maxTotalChargeUsd"] == "0.75"
    assert fake.run_starts[0].query["timeout"] == "9"
    assert fake.run_starts[0].headers["authorization"] == f"Bearer {fake.token}"


def test_from_settings_needs_a_token() -> None:
    with pytest.raises(ConfigurationError, match="CODVID_APIFY_TOKEN"):
        from_settings(load_settings())


def test_retry_after_reads_seconds_and_dates() -> None:
    now = datetime(2026, 6, 22, 12, 0, 0, tzinfo=UTC)
    assert retry_after("7") == 7
    assert retry_after("Mon, 22 Jun 2026 12:00:30 GMT", now) == 30
    assert retry_after("soon") is None
    assert retry_after(None) is None


# ---- The fake answers the client as Apify does -------------------------------------------


async def test_the_fake_serves_what_the_client_reads(fake: FakeApify) -> None:
    fake.add_profile(profile_item("nasa"))
    fake.add_profile(profile_item("esa"))
    client = ApifyClientAsync(fake.token, api_url=fake.base_url)
    try:
        started = await client.actor(PROFILE_SCRAPER).start(
            run_input={"usernames": ["nasa", "esa", "nobody"]}, wait_for_finish=5
        )
        assert started.status == "SUCCEEDED" and started.act_id == "dSCLg0C3YEZ83HzYX"
        run = client.run(started.id)
        page = await run.dataset().list_items(offset=1, limit=1, desc=True)
        assert (page.total, page.offset, page.limit, page.count, page.desc) == (3, 1, 1, 1, True)
        assert page.items[0]["username"] == "esa"
        names = [
            item.get("username")
            async for item in client.dataset(started.default_dataset_id).iterate_items(
                fields=["username"], chunk_size=2
            )
        ]
        assert names == ["nasa", "esa", None]
        dataset = await client.dataset(started.default_dataset_id).get()
        assert dataset is not None and dataset.item_count == 3
        log = await run.log().get()
        assert log is not None and "Finished! Total 3 results." in log
        aborted = await run.abort()  # a finished run stays as it ended
        assert aborted.status == "SUCCEEDED"
        assert await client.run("NoSuchRun00000000").get() is None
    finally:
        await client.http_client.aclose()


async def test_the_fake_takes_the_older_acts_path_and_a_token_parameter(fake: FakeApify) -> None:
    fake.add_profile(profile_item("nasa"))
    async with httpx.AsyncClient(base_url=fake.base_url) as http:
        answer = await http.post(
            "/v2/acts/apify~instagram-profile-scraper/runs",
            params={"token": fake.token, "maxItems": 1, "waitForFinish": 5},
            json={"usernames": ["nasa"]},
        )
        refused = await http.get("/v2/actor-runs/x", headers={"authorization": "Bearer nope"})
        bad_input = await http.post(
            "/v2/actors/apify~instagram-profile-scraper/runs",
            params={"token": fake.token},
            json={"directUrls": []},
        )

    assert answer.status_code == 201
    assert answer.json()["data"]["options"]["maxItems"] == 1
    assert answer.json()["data"]["status"] == "SUCCEEDED"
    assert refused.status_code == 401
    assert refused.json() == {
        "error": {
            "type": "user-or-token-not-found",
            "message": "User was not found or authentication token is not valid",
        }
    }
    assert bad_input.status_code == 400 and "usernames" in bad_input.json()["error"]["message"]


async def test_posts_a_capped_comment_run_did_not_reach_are_reported_unreached(
    fake: FakeApify, make_provider: MakeProvider
) -> None:
    """The charge limit stops the run after 3 results: the posts it never got to are not
    'without comments', and say so, so that they are asked again next time."""
    provider = make_provider(max_charge_usd=PRICE * 3 + 0.0001)
    codes = [f"CAPPEDpost{i}" for i in range(4)]
    for code in codes:
        url = f"https://www.instagram.com/p/{code}/"
        fake.add_comments(code, [comment_item(url, f"{code} {n}", likes=n) for n in range(2)])

    batch = await provider.fetch_comments([ref(code, 2) for code in codes], max_comments=2)

    reached = set(batch.comments)
    assert sum(len(got) for got in batch.comments.values()) == 3
    assert batch.unreached == frozenset(codes) - reached
    assert len(batch.unreached) == 2
    assert fake.items_charged <= 3


async def test_a_comment_run_that_was_not_cut_reports_nothing_unreached(
    fake: FakeApify, provider: ApifyProvider
) -> None:
    url = f"https://www.instagram.com/p/{REEL}/"
    fake.add_comments(REEL, [comment_item(url, "only one", likes=1)])

    # Two posts said to have comments; the actor finds one comment, for one of them.
    batch = await provider.fetch_comments([ref(REEL, 5), ref("QUIETpost01", 3)], max_comments=10)

    assert set(batch.comments) == {REEL}
    assert batch.unreached == frozenset()
