"""The instaloader provider, running the real instaloader 4.16 against a local fake of the
Instagram endpoints it calls (:mod:`tests.fakes.instaloader`), over real HTTP."""

from __future__ import annotations

import json
import random
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

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
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    ReelNotFound,
    check_profile,
    check_reel,
)
from codvid.scrapers.providers.instaloader import InstaloaderProvider, Session
from tests.fakes.instaloader import (
    VIEWER,
    FakeComment,
    FakeInstagram,
    FakePost,
    FakeProfile,
    Fault,
    LocalTransport,
    forbidden,
    login_redirect,
    malformed,
    slow,
    too_many_requests,
    wait_a_few_minutes,
)

pytestmark = pytest.mark.anyio

NOW = 1_750_000_000
DAY = 86_400
MakeProvider = Callable[..., InstaloaderProvider]


def maya() -> FakeProfile:
    """A profile with an old pinned post first, then 20 posts newest first."""
    posts = [FakePost("DPinnedOld1", NOW - 400 * DAY, caption="Where it began #Bakery")]
    posts.append(
        FakePost(
            "DReelNew001",
            NOW - 1 * DAY,
            kind="reel",
            likes=120,
            views=4584,
            plays=40562,
            caption="Sourdough at dawn #Bread #sourdough #bread with @Leo_Runs",
            comments=[
                FakeComment(f"so good {i}", f"fan{i}", NOW - i, likes=i % 5) for i in range(8)
            ],
        )
    )
    posts.append(FakePost("DCarousel01", NOW - 2 * DAY, kind="carousel", likes=80, caption=None))
    posts.append(FakePost("DReelNoPlay", NOW - 3 * DAY, kind="reel", likes=30, views=None))
    posts.append(FakePost("DVideoOld01", NOW - 4 * DAY, kind="video", likes=10, views=300))
    posts += [
        FakePost(f"DImage{i:05d}", NOW - (4 + i) * DAY, likes=i, caption=f"bake {i}")
        for i in range(1, 17)
    ]
    return FakeProfile(
        "maya.bakes",
        pk=111,
        full_name="Maya Bakes",
        biography="Bread daily",
        followers=15300,
        following=210,
        media_count=21,
        posts=posts,
    )


@pytest.fixture
def fake() -> Iterator[FakeInstagram]:
    server = FakeInstagram()
    server.start()
    server.add_profile(maya())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def make_provider(fake: FakeInstagram, tmp_path: Path) -> AsyncIterator[MakeProvider]:
    """Providers that reach only the fake; without instaloader's pauses; closed after."""
    made: list[InstaloaderProvider] = []

    def make(*, session: bool = False, **options: Any) -> InstaloaderProvider:
        logged_in = Session.read(fake.write_session(tmp_path / "session"), VIEWER)
        options = {"timeout": 10.0, "polite": False, **options}
        provider = InstaloaderProvider(
            session=logged_in if session else None, transport=fake.transport(), **options
        )
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.close()


async def profile_of(provider: InstaloaderProvider, username: str, max_posts: int = 5) -> Any:
    batch = await provider.fetch_profiles([username], max_posts=max_posts)
    assert list(batch.profiles) == [username]
    return batch.profiles[username]


# ---- results


async def test_anonymous_profile_maps_instaloader_fields(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    batch = await make_provider().fetch_profiles(["Maya.Bakes"], max_posts=5)
    result = check_profile(batch.profiles["Maya.Bakes"])
    assert (result.username, result.full_name, result.biography) == (
        "maya.bakes",
        "Maya Bakes",
        "Bread daily",
    )
    assert result.icon_pic_url.endswith("maya.bakes-s320.jpg")
    assert (result.followers, result.follows_count) == (15300, 210)
    # Logged out, the page hides the post count; IGTV counts are not given at all.
    assert (result.posts_count, result.igtv_video_count) == (0, 0)
    assert result.unavailable == ("igtv_video_count", "posts_count")
    assert (result.provider, result.is_demo) == ("instaloader", False)
    json.dumps(result.raw, allow_nan=False)
    assert result.raw["profile"]["username"] == "maya.bakes"

    # Newest first; the old pinned post is not among the newest five.
    assert [p.post_id for p in result.posts] == [
        "DReelNew001",
        "DCarousel01",
        "DReelNoPlay",
        "DVideoOld01",
        "DImage00001",
    ]
    reel, carousel, no_play, video, image = result.posts
    assert reel.post_url == "https://www.instagram.com/p/DReelNew001/"
    assert (reel.type, reel.is_reel, reel.timestamp) == ("reel", True, float(NOW - DAY))
    assert reel.caption.startswith("Sourdough at dawn")
    assert reel.hashtags == ("bread", "sourdough")
    assert reel.mentions == ("leo_runs",)
    assert (reel.likes_count, reel.comments_count) == (120, 8)
    # Plays and views are different numbers, each from its own field.
    assert (reel.video_view_count, reel.video_play_count, reel.unavailable) == (4584, 40562, ())
    assert (carousel.type, carousel.is_reel, carousel.caption, carousel.hashtags) == (
        "carousel",
        False,
        "",
        (),
    )
    assert carousel.unavailable == ("video_view_count", "video_play_count")
    assert (no_play.video_view_count, no_play.video_play_count) == (0, 0)
    assert no_play.unavailable == ("video_view_count", "video_play_count")
    assert (video.type, video.video_view_count, video.unavailable) == (
        "reel",
        300,
        ("video_play_count",),
    )
    assert (image.type, image.likes_count) == ("image", 1)

    # The page twice (details, then the posts), the start page's tokens, one lookup per
    # post read: five and the three that might be pinned.
    assert fake.ops() == ["profile_page", "profile_page", "start_page"] + ["post"] * 8
    assert batch.cost is not None
    assert (batch.cost.calls, batch.cost.usd) == (len(fake.requests), None)


async def test_posts_are_read_across_pages_and_bounded(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    result = await profile_of(make_provider(), "maya.bakes", max_posts=14)
    assert len(result.posts) == 14
    times = [post.timestamp for post in result.posts]
    assert times == sorted(times, reverse=True)
    assert "DPinnedOld1" not in {post.post_id for post in result.posts}
    # The page gives 12 posts; the rest of the 17 read come from the next page.
    assert (fake.count("posts_page"), fake.count("post")) == (1, 17)


async def test_a_recent_pinned_post_keeps_its_place(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    profile = fake.profiles["maya.bakes"]
    profile.posts.insert(0, fake.add_post(FakePost("DPinnedNew1", NOW - 3 * DAY + 10)))
    result = await profile_of(make_provider(), "maya.bakes", max_posts=3)
    assert [p.post_id for p in result.posts] == ["DReelNew001", "DCarousel01", "DPinnedNew1"]


async def test_a_page_without_counts_falls_back_to_web_profile_info(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    fake.profiles["maya.bakes"].page_omits = ("all_media_count",)
    result = await profile_of(make_provider(), "maya.bakes", max_posts=0)
    assert (result.posts_count, result.unavailable, result.posts) == (21, ("igtv_video_count",), ())
    assert fake.ops() == ["profile_page", "web_profile_info"]


async def test_logged_in_profile_uses_the_session(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    result = check_profile(await profile_of(make_provider(session=True), "maya.bakes"))
    assert (result.followers, result.posts_count, result.unavailable) == (
        15300,
        21,
        ("igtv_video_count",),
    )
    assert result.icon_pic_url.endswith("maya.bakes-s1080.jpg")
    assert result.posts[0].post_id == "DReelNew001"
    assert (result.posts[0].video_view_count, result.posts[0].video_play_count) == (4584, 40562)
    assert fake.ops()[:5] == [
        "login_check",
        "profile_page",
        "profile_query",
        "start_page",
        "timeline",
    ]
    assert all(seen.logged_in for seen in fake.requests if seen.op != "profile_page")


async def test_reel_by_shortcode(fake: FakeInstagram, make_provider: MakeProvider) -> None:
    reel = check_reel(await make_provider().fetch_reel("DReelNew001"))
    assert reel.reel_url == "https://www.instagram.com/reel/DReelNew001/"
    assert (reel.likes, reel.comments, reel.views, reel.plays) == (120, 8, 4584, 40562)
    assert (reel.owner_username, reel.timestamp, reel.unavailable) == (
        "maya.bakes",
        float(NOW - DAY),
        (),
    )
    assert reel.hashtags == ("bread", "sourdough")
    assert reel.raw["product_type"] == "clips"
    assert fake.ops() == ["start_page", "post"]
    assert reel.cost is not None and reel.cost.calls == 2


async def test_a_reel_without_plays_lists_them_unavailable(make_provider: MakeProvider) -> None:
    reel = check_reel(await make_provider().fetch_reel("DReelNoPlay"))
    assert (reel.views, reel.plays, reel.unavailable) == (0, 0, ("views", "plays"))


async def test_missing_reel(make_provider: MakeProvider) -> None:
    with pytest.raises(ReelNotFound) as caught:
        await make_provider().fetch_reel("DGone000001")
    assert caught.value.raw["status"] == 200


# ---- comments


async def test_top_comments_with_a_session(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    many = [FakeComment(f"c{i}", f"user{i}", NOW - 60 * i, likes=(i * 7) % 40) for i in range(40)]
    fake.add_post(FakePost("DManyComms1", NOW - DAY, likes=3, comments=many))
    provider = make_provider(session=True)
    assert provider.comments_available is True
    posts = [
        PostRef(shortcode=code, url="", timestamp=NOW, comments_count=1)
        for code in ("DReelNew001", "DManyComms1", "DGone000001")
    ]
    batch = await provider.fetch_comments(posts, max_comments=3)

    reel = batch.comments["DReelNew001"]
    assert [(c.text, c.likes_count) for c in reel] == [
        ("so good 4", 4),
        ("so good 3", 3),
        ("so good 2", 2),
    ]
    assert (reel[0].owner_username, reel[0].timestamp) == ("fan4", float(NOW - 4))
    # Over 12 comments instaloader uses the iPhone endpoint; reading stops at 15 of 40
    # (5 per comment kept), its first page: the 18th comment's 39 likes are never seen.
    assert [c.likes_count for c in batch.comments["DManyComms1"]] == [37, 35, 30]
    assert fake.count("iphone_comments") == 1
    assert "DGone000001" not in batch.comments  # deleted: left out, the others kept
    assert batch.cost is not None and batch.cost.calls == len(fake.requests)
    # Logged in, a lookup is one GraphQL query (no start page tokens).
    assert fake.ops() == ["login_check", "post", "comments", "post", "iphone_comments", "post"]


async def test_no_comments_without_a_session(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    provider = make_provider()
    assert provider.comments_available is False
    ref = PostRef(shortcode="DReelNew001", url="", timestamp=NOW, comments_count=8)
    batch = await provider.fetch_comments([ref], max_comments=3)
    assert (dict(batch.comments), fake.requests) == ({}, [])


async def test_a_logged_out_session_is_refused_clearly(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    fake.session_valid = False
    ref = PostRef(shortcode="DReelNew001", url="", timestamp=NOW, comments_count=8)
    with pytest.raises(AccessDenied, match="CODVID_INSTALOADER_SESSION_FILE"):
        await make_provider(session=True).fetch_comments([ref], max_comments=3)
    assert fake.ops() == ["login_check"]


async def test_a_throttled_login_check_is_rate_limited_and_tried_again(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    fake.fail("login_check", wait_a_few_minutes())
    provider = make_provider(session=True)
    with pytest.raises(RateLimited):
        await provider.fetch_reel("DReelNew001")
    await provider.fetch_reel("DReelNew001")
    await provider.fetch_reel("DReelNew001")
    assert fake.ops() == ["login_check", "login_check", "post", "post"]


def test_the_session_cookies_stay_out_of_its_repr(fake: FakeInstagram, tmp_path: Path) -> None:
    session = Session.read(fake.write_session(tmp_path / "session"), VIEWER)
    assert session.cookies["sessionid"] and "sessionid" not in repr(session)


async def test_comments_redirected_to_the_login_page_are_refused(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    fake.fail("comments", login_redirect())
    ref = PostRef(shortcode="DReelNew001", url="", timestamp=NOW, comments_count=8)
    with pytest.raises(AccessDenied, match="CODVID_INSTALOADER_SESSION_FILE"):
        await make_provider(session=True).fetch_comments([ref], max_comments=3)


# ---- failures


async def test_missing_profile_is_its_own_entry(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    batch = await make_provider().fetch_profiles(["nobody.here"], max_posts=5)
    error = batch.profiles["nobody.here"]
    assert type(error) is ProfileNotFound
    assert error.permanent and "@nobody.here" in error.message
    assert fake.ops() == ["profile_page"]
    assert batch.cost is not None and batch.cost.calls == 1


@pytest.mark.parametrize("session", [False, True])
async def test_private_profile(
    fake: FakeInstagram, make_provider: MakeProvider, session: bool
) -> None:
    fake.add_profile(FakeProfile("hidden.one", pk=222, private=True, followers=5))
    error = await profile_of(make_provider(session=session), "hidden.one")
    assert isinstance(error, ProfilePrivate)
    assert not {"post", "timeline", "posts_page"} & set(fake.ops())


async def test_a_followed_private_profile_is_read(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    posts = [FakePost("DFriend0001", NOW - DAY, likes=2)]
    fake.add_profile(
        FakeProfile("friend.one", pk=333, private=True, followed_by_viewer=True, posts=posts)
    )
    result = await profile_of(make_provider(session=True), "friend.one")
    assert isinstance(result, ProfileResult)
    assert [p.post_id for p in result.posts] == ["DFriend0001"]


async def test_please_wait_a_few_minutes_is_rate_limited(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    fake.fail("post", wait_a_few_minutes())
    with pytest.raises(RateLimited) as caught:
        await make_provider().fetch_reel("DReelNew001")
    assert caught.value.retry_after == 300
    assert caught.value.raw["status"] == 401
    assert "Please wait a few minutes" in caught.value.raw["detail"]


async def test_forbidden_without_the_session_is_rate_limited_and_with_it_denied(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    fake.fail("post", forbidden(), times=2)
    with pytest.raises(RateLimited, match="CODVID_INSTALOADER_SESSION_FILE") as anonymous:
        await make_provider().fetch_reel("DReelNew001")
    assert anonymous.value.retry_after == 1800
    with pytest.raises(AccessDenied):
        await make_provider(session=True).fetch_reel("DReelNew001")


async def test_a_forbidden_profile_page_is_throttling_even_with_a_session(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    # instaloader loads profile pages anonymously, session or not.
    fake.fail("profile_page", forbidden())
    with pytest.raises(RateLimited):
        await make_provider(session=True).fetch_profiles(["maya.bakes"], max_posts=1)
    page = next(seen for seen in fake.requests if seen.op == "profile_page")
    assert page.logged_in is False


async def test_too_many_requests_takes_instagrams_retry_after(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    fake.fail("profile_page", too_many_requests(retry_after=120))
    fake.fail("post", too_many_requests())
    provider = make_provider()
    # A page load and a GraphQL query fail differently inside instaloader; both are 429.
    with pytest.raises(RateLimited) as page:
        await provider.fetch_profiles(["maya.bakes"], max_posts=5)
    assert page.value.retry_after == 120
    with pytest.raises(RateLimited) as lookup:
        await provider.fetch_reel("DReelNew001")
    assert lookup.value.retry_after == 300
    assert fake.count("post") == 1  # tried once: retries are the caller's


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault(status=400, json={"message": "bad query", "status": "fail"}), MalformedResponse),
        (Fault(status=400, json={"message": "feedback_required", "status": "fail"}), RateLimited),
        (
            Fault(status=400, json={"message": "checkpoint_required", "status": "fail"}),
            AccessDenied,
        ),
        (Fault(status=503, text="<html>Service Unavailable</html>"), ProviderUnavailable),
        (
            Fault(status=200, json={"message": "Please wait a few minutes", "status": "fail"}),
            RateLimited,
        ),
    ],
)
async def test_other_answers_of_a_lookup(
    fake: FakeInstagram, make_provider: MakeProvider, fault: Fault, error: type[Exception]
) -> None:
    fake.fail("post", fault)
    with pytest.raises(error):
        await make_provider().fetch_reel("DReelNew001")


async def test_an_unreachable_instagram_is_unavailable() -> None:
    provider = InstaloaderProvider(
        timeout=5, polite=False, transport=LocalTransport("http://127.0.0.1:9")
    )
    try:
        with pytest.raises(ProviderUnavailable, match="could not be reached"):
            await provider.fetch_reel("DReelNew001")
    finally:
        await provider.close()


async def test_a_slow_answer_times_out_within_the_bound(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    fake.fail("post", slow(3))
    started = time.monotonic()
    with pytest.raises(ProviderTimeout):
        await make_provider(timeout=0.8).fetch_reel("DReelNew001")
    assert time.monotonic() - started < 1.8


async def test_malformed_json(fake: FakeInstagram, make_provider: MakeProvider) -> None:
    fake.fail("post", malformed(), times=2)
    provider = make_provider()
    with pytest.raises(MalformedResponse, match="not JSON"):
        await provider.fetch_reel("DReelNew001")
    with pytest.raises(MalformedResponse):  # a profile's post too: not the profile's fault
        await provider.fetch_profiles(["maya.bakes"], max_posts=1)


async def test_an_unknown_shape_is_malformed(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    # A media item without its type or owner.
    media = {
        "data": {"xdt_api__v1__media__shortcode__web_info": {"items": [{"code": "DReelNew001"}]}}
    }
    fake.fail("post", Fault(status=200, json=media))
    with pytest.raises(MalformedResponse, match=r"cannot read|lacks"):
        await make_provider().fetch_reel("DReelNew001")


# ---- one instance, never in parallel, never blocking the loop


async def test_calls_never_overlap(fake: FakeInstagram, make_provider: MakeProvider) -> None:
    fake.add_profile(FakeProfile("leo_runs", pk=444, posts=[FakePost("DLeoPost001", NOW - DAY)]))
    fake.delay = 0.05
    provider = make_provider()
    results: dict[str, Any] = {}

    async def fetch(username: str) -> None:
        results[username] = await profile_of(provider, username, max_posts=2)

    async with anyio.create_task_group() as group:
        group.start_soon(fetch, "maya.bakes")
        group.start_soon(fetch, "leo_runs")
    assert all(isinstance(result, ProfileResult) for result in results.values())
    assert fake.overlapping() == []
    # Whole calls are serialized, not just requests: one profile's pages, then the other's.
    pages = [seen.path for seen in fake.requests if seen.op == "profile_page"]
    assert pages[0] == pages[1] and pages[2] == pages[3] and pages[0] != pages[2]


async def test_the_event_loop_runs_during_a_slow_call(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    fake.fail("post", slow(1.0))
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await anyio.sleep(0.01)
            ticks += 1

    async with anyio.create_task_group() as group:
        group.start_soon(tick)
        await make_provider().fetch_reel("DReelNew001")
        group.cancel_scope.cancel()
    assert ticks > 40


async def test_a_cancelled_call_stops_and_the_next_waits_for_it(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    fake.add_profile(FakeProfile("leo_runs", pk=444, posts=[FakePost("DLeoPost001", NOW - DAY)]))
    fake.fail("profile_page", slow(1.0))
    provider = make_provider()
    started = time.monotonic()
    with anyio.move_on_after(0.3) as scope:
        await provider.fetch_profiles(["maya.bakes"], max_posts=3)
    assert scope.cancelled_caught
    assert time.monotonic() - started < 0.6  # the await does not wait for the thread
    result = await profile_of(provider, "leo_runs", max_posts=1)
    assert isinstance(result, ProfileResult)
    # The abandoned call finished its request and stopped; the next began after it.
    assert fake.overlapping() == []
    assert [seen.path for seen in fake.requests][:2] == ["/maya.bakes/", "/leo_runs/"]
    assert fake.count("post") == 1


async def test_instaloaders_rate_controller_ends_the_call_instead_of_sleeping(
    fake: FakeInstagram, make_provider: MakeProvider
) -> None:
    provider = make_provider(max_wait=5)
    for _ in range(75):  # instaloader allows 75 page loads in 11 minutes
        await profile_of(provider, "maya.bakes", max_posts=0)
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        await profile_of(provider, "maya.bakes", max_posts=0)
    assert time.monotonic() - started < 1
    assert caught.value.retry_after is not None and caught.value.retry_after > 600
    assert fake.count("profile_page") == 75


async def test_instaloaders_pauses_are_kept_and_bounded(
    fake: FakeInstagram, make_provider: MakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(random, "expovariate", lambda rate: 0.15)
    started = time.monotonic()
    await make_provider(polite=True).fetch_reel("DReelNew001")
    assert time.monotonic() - started >= 0.3  # a pause before each of the two requests
    # A pause longer than the call has left ends it at once, before any request.
    monkeypatch.setattr(random, "expovariate", lambda rate: 30.0)
    fake.requests.clear()
    started = time.monotonic()
    with pytest.raises(ProviderTimeout):
        await make_provider(polite=True, timeout=5).fetch_reel("DReelNew001")
    assert time.monotonic() - started < 1
    assert fake.requests == []


async def test_close_releases_the_session(fake: FakeInstagram) -> None:
    transport = fake.transport()
    provider = InstaloaderProvider(timeout=5, polite=False, transport=transport)
    await provider.fetch_reel("DReelNew001")
    await provider.close()
    await provider.close()
    assert transport.closed
    with pytest.raises(RuntimeError, match="closed"):
        await provider.fetch_reel("DReelNew001")


async def test_close_stops_a_running_call_first(fake: FakeInstagram) -> None:
    fake.fail("profile_page", slow(0.5))
    transport = fake.transport()
    provider = InstaloaderProvider(timeout=5, polite=False, transport=transport)
    failures: list[Exception] = []

    async def fetch() -> None:
        try:
            await provider.fetch_profiles(["maya.bakes"], max_posts=3)
        except ProviderTimeout as exc:
            failures.append(exc)

    async with anyio.create_task_group() as group:
        group.start_soon(fetch)
        await anyio.sleep(0.1)
        await provider.close()
        # close() waited for the request in flight, and the call made no other.
        assert transport.closed
        assert fake.ops() == ["profile_page"] and fake.requests[0].ended
    assert len(failures) == 1


# ---- settings


async def test_from_settings_reads_the_session_file(fake: FakeInstagram, tmp_path: Path) -> None:
    anonymous = SCRAPERS.build("instaloader", load_settings(scraper_provider="instaloader"))
    assert (anonymous.name, anonymous.comments_available, anonymous.batch_size) == (
        "instaloader",
        False,
        1,
    )
    await anonymous.close()
    settings = load_settings(
        scraper_provider="instaloader",
        instaloader_session_file=fake.write_session(tmp_path / "session"),
        instaloader_username=VIEWER,
    )
    logged_in = SCRAPERS.build("instaloader", settings)
    assert logged_in.comments_available is True
    await logged_in.close()


@pytest.mark.parametrize("content", [None, b"not a pickle", b"\x80\x04N."])
def test_a_bad_session_file_stops_the_start(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "session"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigurationError, match="CODVID_INSTALOADER_SESSION_FILE"):
        Session.read(path, VIEWER)
