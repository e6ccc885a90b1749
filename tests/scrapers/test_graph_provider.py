"""The graph provider's real code against a local fake of the Graph API (tests/fakes/graph.py)."""

import json
import logging
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from codvid.config import load_settings
from codvid.errors import ConfigurationError
from codvid.scrapers import (
    AccessDenied,
    MalformedResponse,
    NotBusinessAccount,
    PostRef,
    ProfileNotFound,
    ProfileResult,
    ProviderRunFailed,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    ReelNotFound,
    ReelOwnerUnknown,
    ScraperError,
    check_profile,
    check_reel,
)
from codvid.scrapers.providers.graph import GraphProvider, ReelLookupUnsupported, from_settings
from codvid.scrapers.providers.graph import provider as graph_provider
from codvid.scrapers.providers.graph.errors import DEFAULT_RETRY_AFTER
from tests.fakes.graph import (
    IG_USER_ID,
    TOKEN,
    Account,
    FakeGraph,
    Fault,
    Media,
    bad_gateway,
    graph_error,
    malformed_json,
    permission_denied,
    server_error,
    slow,
    throttled,
    token_expired,
)

pytestmark = pytest.mark.anyio

NOW = 1_750_000_000.0  # 2025-06-15 UTC
HOUR = 3600.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGraph]:
    with FakeGraph() as fake:
        yield fake


@pytest.fixture
def graph(server: FakeGraph) -> FakeGraph:
    server.reset()
    return server


def provider(graph: FakeGraph, **options: Any) -> GraphProvider:
    settings: dict[str, Any] = {"api_url": graph.url, "timeout": 2.0, **options}
    return GraphProvider(
        access_token=settings.pop("access_token", TOKEN),
        ig_user_id=settings.pop("ig_user_id", IG_USER_ID),
        **settings,
    )


def feed(count: int) -> list[Media]:
    """``count`` images, newest first, an hour apart."""
    return [Media(f"Img{i:04d}x", NOW - i * HOUR) for i in range(count)]


async def fetch(graph: FakeGraph, username: str, max_posts: int = 12, **options: Any):
    scraper = provider(graph, **options)
    try:
        batch = await scraper.fetch_profiles([username], max_posts=max_posts)
    finally:
        await scraper.close()
    return batch, batch.profiles[username]


async def profile(graph: FakeGraph, username: str, max_posts: int = 12) -> ProfileResult:
    _, result = await fetch(graph, username, max_posts)
    assert isinstance(result, ProfileResult), result
    return check_profile(result)


async def failure(graph: FakeGraph, *faults: Fault, username: str = "bluebottle") -> ScraperError:
    """The error the provider raises for ``username`` once ``faults`` are scripted."""
    graph.add(Account(username, media=feed(2)))
    graph.fail(*faults)
    scraper = provider(graph, timeout=0.3)
    try:
        with pytest.raises(ScraperError) as caught:
            await scraper.fetch_profiles([username], max_posts=2)
    finally:
        await scraper.close()
    return caught.value


def assert_no_token(error: ScraperError) -> None:
    """Not the token, nor a piece of it cut off with an excerpt."""
    for shown in (str(error), json.dumps(error.raw)):
        assert TOKEN[:10] not in shown


# -- mapping ---------------------------------------------------------------------------


async def test_a_business_account_maps_every_field(graph: FakeGraph) -> None:
    graph.add(
        Account(
            "BlueBottle",
            name="Blue Bottle Coffee",
            biography="Coffee from Oakland",
            followers_count=267_793,
            follows_count=62,
            media_count=1205,
            profile_picture_url="https://scontent.cdninstagram.com/bb.jpg",
            media=[
                Media(
                    "DReel0001",
                    NOW,
                    "VIDEO",
                    "REELS",
                    caption="New #Roast with @Maya.",
                    like_count=5837,
                    comments_count=50,
                    view_count=7757,
                ),
                Media(
                    "CImage001",
                    NOW - HOUR,
                    caption="#latte art",
                    like_count=2997,
                    comments_count=11,
                ),
                Media(
                    "CAlbum001",
                    NOW - 2 * HOUR,
                    "CAROUSEL_ALBUM",
                    like_count=3643,
                    comments_count=28,
                ),
            ],
        )
    )
    batch, result = await fetch(graph, "bluebottle")
    assert isinstance(result, ProfileResult)
    check_profile(result)
    assert (result.username, result.full_name, result.biography) == (
        "bluebottle",
        "Blue Bottle Coffee",
        "Coffee from Oakland",
    )
    assert result.icon_pic_url == "https://scontent.cdninstagram.com/bb.jpg"
    assert (result.followers, result.follows_count, result.posts_count) == (267_793, 62, 1205)
    assert result.igtv_video_count == 0
    assert result.unavailable == ("igtv_video_count",)
    assert (result.provider, result.is_demo) == ("graph", False)

    reel, image, album = result.posts
    assert (reel.post_id, reel.type, reel.is_reel) == ("DReel0001", "reel", True)
    assert reel.post_url == "https://www.instagram.com/reel/DReel0001/"
    assert reel.timestamp == NOW
    assert (reel.likes_count, reel.comments_count, reel.video_view_count) == (5837, 50, 7757)
    assert reel.video_play_count == 0
    assert reel.unavailable == ("video_play_count",)
    assert (reel.caption, reel.hashtags, reel.mentions) == (
        "New #Roast with @Maya.",
        ("Roast",),
        ("maya",),
    )
    assert (image.type, image.is_reel, image.post_url) == (
        "image",
        False,
        "https://www.instagram.com/p/CImage001/",
    )
    assert image.unavailable == ("video_play_count", "video_view_count")
    assert (image.video_view_count, image.hashtags) == (0, ("latte",))
    assert (album.type, album.likes_count, album.caption, album.hashtags) == (
        "carousel",
        3643,
        "",
        (),
    )
    assert all(post.comments == () for post in result.posts)

    assert batch.cost is not None
    assert (batch.cost.usd, batch.cost.items, batch.cost.calls) == (None, 0, 1)
    assert result.raw["business_discovery"]["followers_count"] == 267_793
    assert [item["shortcode"] for item in result.raw["media"]] == [p.post_id for p in result.posts]
    assert result.raw["usage"]["x-app-usage"]["call_count"] == 2
    json.dumps(result.raw, allow_nan=False)


async def test_the_request_is_one_documented_business_discovery_call(graph: FakeGraph) -> None:
    graph.add(Account("bluebottle", media=feed(3)))
    await profile(graph, "bluebottle", max_posts=3)
    (request,) = graph.requests
    assert (request.method, request.path) == ("GET", f"/v25.0/{IG_USER_ID}")
    assert request.query["fields"] == (
        "business_discovery.username(bluebottle){username,name,biography,profile_picture_url,"
        "followers_count,follows_count,media_count,media.limit(3){id,shortcode,permalink,"
        "caption,timestamp,media_type,media_product_type,like_count,comments_count,view_count}}"
    )


async def test_the_token_goes_in_the_authorization_header_never_the_url(
    graph: FakeGraph,
) -> None:
    graph.add(Account("bluebottle"))
    await profile(graph, "bluebottle")
    (request,) = graph.requests
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "access_token" not in request.query
    assert TOKEN not in request.url


async def test_a_creator_account_is_read_like_a_business(graph: FakeGraph) -> None:
    graph.add(Account("maya.bakes", kind="creator", media=feed(1)))
    result = await profile(graph, "maya.bakes")
    assert (result.username, len(result.posts)) == ("maya.bakes", 1)


async def test_a_legacy_feed_video_counts_as_a_reel(graph: FakeGraph) -> None:
    graph.add(Account("bluebottle", media=[Media("COldVideo1", NOW, "VIDEO", view_count=40)]))
    (video,) = (await profile(graph, "bluebottle")).posts
    assert (video.type, video.is_reel, video.video_view_count) == ("reel", True, 40)


# -- what Graph cannot give, and partial payloads ----------------------------------------


async def test_hidden_likes_are_zero_and_listed_not_guessed(graph: FakeGraph) -> None:
    graph.add(Account("bluebottle", media=[Media("CHidden01", NOW, like_count=None)]))
    (post,) = (await profile(graph, "bluebottle")).posts
    assert post.likes_count == 0
    assert post.unavailable == ("likes_count", "video_play_count", "video_view_count")
    assert "like_count" not in (await profile(graph, "bluebottle")).raw["media"][0]


async def test_missing_profile_counts_and_texts_are_zero_listed_and_empty(
    graph: FakeGraph,
) -> None:
    graph.add(
        Account(
            "bluebottle",
            followers_count=None,
            follows_count=None,
            media_count=None,
            profile_picture_url=None,
        )
    )
    result = await profile(graph, "bluebottle")
    assert (result.followers, result.follows_count, result.full_name, result.icon_pic_url) == (
        0,
        0,
        "",
        "",
    )
    assert result.unavailable == ("followers", "follows_count", "igtv_video_count")
    assert result.posts_count == 0  # an account without media: media_count 0, no media edge
    assert result.posts == ()


async def test_a_post_without_shortcode_takes_it_from_its_permalink(graph: FakeGraph) -> None:
    graph.add(Account("bluebottle", media=[Media("CFromLink1", NOW, extra={"shortcode": None})]))
    (post,) = (await profile(graph, "bluebottle")).posts
    assert post.post_id == "CFromLink1"


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({"like_count": "5837"}, "media[0].like_count is not a count"),
        ({"comments_count": -1}, "media[0].comments_count is not a count"),
        ({"timestamp": "yesterday"}, "media[0].timestamp is not a time"),
        ({"shortcode": None, "permalink": None}, "neither a shortcode nor a permalink"),
        ({"caption": ["not", "text"]}, "media[0].caption is not text"),
    ],
)
async def test_wrong_values_make_the_profile_malformed(
    graph: FakeGraph, extra: dict, problem: str
) -> None:
    graph.add(Account("bluebottle", media=[Media("CBroken01", NOW, extra=extra)]))
    batch, result = await fetch(graph, "bluebottle")
    assert isinstance(result, MalformedResponse)
    assert problem in str(result)
    assert result.raw["media"][0]["id"]
    assert batch.cost is not None and batch.cost.calls == 1


async def test_cut_json_is_a_malformed_profile_not_a_crash(graph: FakeGraph) -> None:
    graph.add(Account("bluebottle"))
    graph.fail(malformed_json())
    _, result = await fetch(graph, "bluebottle")
    assert isinstance(result, MalformedResponse)
    assert "not JSON" in str(result)
    assert result.raw == {"status": 200, "body": '{"business_discovery": {"followers_count": 12'}


async def test_an_answer_without_business_discovery_is_malformed(graph: FakeGraph) -> None:
    graph.add(Account("bluebottle"))
    graph.fail(Fault(200, body=b'{"id": "17841405309211844"}'))
    _, result = await fetch(graph, "bluebottle")
    assert isinstance(result, MalformedResponse)
    assert "no business_discovery" in str(result)


# -- pagination ------------------------------------------------------------------------


async def test_media_pages_are_followed_by_after_cursor_up_to_max_posts(graph: FakeGraph) -> None:
    graph.page_cap = 10
    graph.add(Account("bluebottle", media=feed(35)))
    batch, result = await fetch(graph, "bluebottle", max_posts=25)
    assert isinstance(result, ProfileResult)
    check_profile(result)
    assert [p.post_id for p in result.posts] == [f"Img{i:04d}x" for i in range(25)]
    assert batch.cost is not None and batch.cost.calls == 3
    first, second, third = (r.query["fields"] for r in graph.requests)
    assert "media.limit(25){" in first
    assert "media.limit(15).after(" in second
    assert "media.limit(5).after(" in third
    assert "followers_count" not in second  # further pages ask for media only
    assert result.raw["pages"] == 3


async def test_paging_stops_at_the_accounts_media_count(graph: FakeGraph) -> None:
    graph.page_cap = 10
    graph.add(Account("bluebottle", media=feed(20)))
    batch, result = await fetch(graph, "bluebottle", max_posts=50)
    assert isinstance(result, ProfileResult)
    assert len(result.posts) == 20
    assert batch.cost is not None and batch.cost.calls == 2  # no call for an empty page


async def test_paging_stops_at_an_empty_page(graph: FakeGraph) -> None:
    graph.page_cap = 10
    # media_count counts media Business Discovery does not list (e.g. hidden ones)
    graph.add(Account("bluebottle", media_count=90, media=feed(15)))
    batch, result = await fetch(graph, "bluebottle", max_posts=50)
    assert isinstance(result, ProfileResult)
    assert len(result.posts) == 15
    assert batch.cost is not None and batch.cost.calls == 3


async def test_pages_read_are_capped_however_small_they_are(graph: FakeGraph) -> None:
    graph.page_cap = 1
    graph.add(Account("bluebottle", media=feed(30)))
    batch, result = await fetch(graph, "bluebottle", max_posts=30, max_pages=4)
    assert isinstance(result, ProfileResult)
    assert len(result.posts) == 4
    assert batch.cost is not None and batch.cost.calls == 4


async def test_posts_repeated_across_pages_are_kept_once(graph: FakeGraph) -> None:
    same = Media("CSame0001", NOW)
    graph.add(Account("bluebottle", media=[same, Media("COther001", NOW - HOUR), same]))
    result = await profile(graph, "bluebottle")
    assert [p.post_id for p in result.posts] == ["CSame0001", "COther001"]


async def test_no_media_is_asked_for_when_no_posts_are_wanted(graph: FakeGraph) -> None:
    graph.add(Account("bluebottle", media=feed(5)))
    result = await profile(graph, "bluebottle", max_posts=0)
    assert (result.posts, result.posts_count) == ((), 5)
    assert "media.limit" not in graph.requests[0].query["fields"]


# -- accounts Business Discovery does not show -----------------------------------------


@pytest.mark.parametrize("kind", ["personal", "missing"])
async def test_personal_and_missing_accounts_are_not_business_accounts(
    graph: FakeGraph, kind: str
) -> None:
    if kind == "personal":
        graph.add(Account("just.me", kind="personal"))
    batch, result = await fetch(graph, "just.me")
    assert isinstance(result, NotBusinessAccount)
    assert result.permanent and not result.transient
    assert "@just.me" in str(result)
    assert (result.raw["error"]["code"], result.raw["error"]["error_subcode"]) == (110, 2207013)
    assert batch.cost is not None and batch.cost.calls == 1


async def test_an_invalid_username_is_refused_without_a_call(graph: FakeGraph) -> None:
    _, result = await fetch(graph, "bad){name}")
    assert isinstance(result, ProfileNotFound)
    assert "not a valid Instagram username" in str(result)
    assert graph.requests == []


# -- errors by error.code --------------------------------------------------------------


async def test_an_expired_token_asks_the_operator_to_renew_it(graph: FakeGraph) -> None:
    error = await failure(graph, token_expired())
    assert isinstance(error, AccessDenied)
    assert "CODVID_GRAPH_ACCESS_TOKEN" in str(error)
    assert (error.raw["status"], error.raw["error"]["code"]) == (400, 190)
    assert_no_token(error)


async def test_a_wrong_token_is_refused_by_the_fake_itself(graph: FakeGraph) -> None:
    graph.add(Account("bluebottle"))
    scraper = provider(graph, access_token="EAAnotTheRightOne")
    with pytest.raises(AccessDenied, match="renew CODVID_GRAPH_ACCESS_TOKEN"):
        await scraper.fetch_profiles(["bluebottle"], max_posts=1)
    await scraper.close()


@pytest.mark.parametrize("code", [10, 200, 299])
async def test_missing_permissions_are_access_denied(graph: FakeGraph, code: int) -> None:
    error = await failure(graph, permission_denied(code))
    assert isinstance(error, AccessDenied)
    assert f"error {code}" in str(error)
    assert "instagram_manage_insights" in str(error)


async def test_a_wrong_ig_user_id_is_access_denied_naming_its_setting(graph: FakeGraph) -> None:
    graph.add(Account("bluebottle"))
    scraper = provider(graph, ig_user_id="17841400000000999")
    with pytest.raises(AccessDenied, match="CODVID_GRAPH_IG_USER_ID") as caught:
        await scraper.fetch_profiles(["bluebottle"], max_posts=1)
    await scraper.close()
    assert caught.value.raw["error"]["error_subcode"] == 33


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80002])
async def test_throttling_codes_on_http_400_are_rate_limited(graph: FakeGraph, code: int) -> None:
    error = await failure(graph, throttled(code, regain_minutes=7))
    assert isinstance(error, RateLimited)
    assert error.transient
    assert error.retry_after == 7 * 60
    assert (error.raw["status"], error.raw["error"]["code"]) == (400, code)
    assert "x-business-use-case-usage" in error.raw["usage"]


async def test_throttling_without_an_estimate_rests_the_default(graph: FakeGraph) -> None:
    error = await failure(graph, throttled(4))
    assert isinstance(error, RateLimited)
    assert error.retry_after == DEFAULT_RETRY_AFTER


async def test_after_throttling_no_call_goes_out_until_the_rest_is_over(graph: FakeGraph) -> None:
    graph.add(Account("bluebottle"))
    graph.fail(throttled(17, regain_minutes=2))
    clock = Clock()
    scraper = provider(graph, clock=clock)
    with pytest.raises(RateLimited):
        await scraper.fetch_profiles(["bluebottle"], max_posts=1)
    clock.now += 119
    with pytest.raises(RateLimited) as resting:
        await scraper.fetch_profiles(["bluebottle"], max_posts=1)
    assert resting.value.retry_after == pytest.approx(1)
    assert len(graph.requests) == 1
    clock.now += 1
    batch = await scraper.fetch_profiles(["bluebottle"], max_posts=1)
    await scraper.close()
    assert isinstance(batch.profiles["bluebottle"], ProfileResult)
    assert len(graph.requests) == 2


async def test_usage_near_the_limit_stops_calls_before_meta_blocks(graph: FakeGraph) -> None:
    graph.add(Account("bluebottle"))
    graph.app_usage = {"call_count": 96, "total_cputime": 10, "total_time": 12}
    clock = Clock()
    scraper = provider(graph, clock=clock)
    first = await scraper.fetch_profiles(["bluebottle"], max_posts=1)
    assert isinstance(first.profiles["bluebottle"], ProfileResult)  # this answer still counts
    with pytest.raises(RateLimited, match="96% of its limit") as resting:
        await scraper.fetch_profiles(["bluebottle"], max_posts=1)
    assert resting.value.retry_after == DEFAULT_RETRY_AFTER
    assert len(graph.requests) == 1
    graph.app_usage = {"call_count": 40, "total_cputime": 10, "total_time": 12}
    clock.now += DEFAULT_RETRY_AFTER
    await scraper.fetch_profiles(["bluebottle"], max_posts=1)
    await scraper.close()
    assert len(graph.requests) == 2


@pytest.mark.parametrize(
    "fault", [server_error(500, 2), server_error(500, 1), bad_gateway(), Fault(503, body=b"")]
)
async def test_meta_side_failures_are_unavailable(graph: FakeGraph, fault: Fault) -> None:
    error = await failure(graph, fault)
    assert isinstance(error, ProviderUnavailable)
    assert error.transient
    assert error.raw["status"] == fault.status


async def test_a_bare_429_rests_as_long_as_its_retry_after(graph: FakeGraph) -> None:
    error = await failure(graph, Fault(429, body=b"", headers={"retry-after": "42"}))
    assert isinstance(error, RateLimited)
    assert error.retry_after == 42


async def test_an_oversized_answer_is_malformed_and_not_read_whole(
    graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graph_provider, "MAX_BODY", 1000)
    graph.add(Account("bluebottle", biography="x" * 5000))
    _, result = await fetch(graph, "bluebottle")
    assert isinstance(result, MalformedResponse)
    assert "exceeds 1000 bytes" in str(result)


async def test_an_unknown_error_code_fails_the_request_plainly(graph: FakeGraph) -> None:
    error = await failure(graph, graph_error(400, 2500, 'Syntax error "Expected end of string"'))
    assert isinstance(error, ProviderRunFailed)
    assert "error 2500" in str(error)


async def test_a_slow_answer_is_a_timeout(graph: FakeGraph) -> None:
    error = await failure(graph, slow(1.5))
    assert isinstance(error, ProviderTimeout)
    assert "0.3 s" in str(error)


async def test_an_unreachable_api_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    scraper = GraphProvider(
        access_token=TOKEN, ig_user_id=IG_USER_ID, api_url=f"http://127.0.0.1:{port}", timeout=2
    )
    with pytest.raises(ProviderUnavailable, match="could not be reached"):
        await scraper.fetch_profiles(["bluebottle"], max_posts=1)
    await scraper.close()


async def test_a_failure_on_a_later_page_fails_the_call(graph: FakeGraph) -> None:
    graph.page_cap = 2
    graph.add(Account("bluebottle", media=feed(5)))
    graph.fail(Fault(), server_error())  # the first page answers, the second fails
    scraper = provider(graph)
    with pytest.raises(ProviderUnavailable):
        await scraper.fetch_profiles(["bluebottle"], max_posts=5)
    await scraper.close()
    assert scraper.calls == 2


# -- the token stays secret ------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        token_expired(),
        throttled(4),
        permission_denied(),
        server_error(),
        bad_gateway(),
        graph_error(400, 1, f"echo {TOKEN}"),
        Fault(502, body=f"<p>{TOKEN}</p>".encode()),
        Fault(502, body=("x" * 290 + TOKEN).encode()),
    ],
)
async def test_no_error_shows_the_token(graph: FakeGraph, fault: Fault) -> None:
    assert_no_token(await failure(graph, fault))


async def test_a_payload_repeating_the_token_is_scrubbed(graph: FakeGraph) -> None:
    """Standard Graph paging links carry the token; whatever Meta echoes is scrubbed."""
    graph.add(Account("bluebottle"))
    link = f"https://graph.facebook.com/v25.0/x?access_token={TOKEN}"
    echoed = {
        "business_discovery": {
            "username": "bluebottle",
            "biography": f"more at {link}",
            "media": {
                "data": [Media("CEcho0001", NOW).node(["shortcode", "timestamp"], "bluebottle")],
                "paging": {"next": link},
            },
            "id": "1",
        }
    }
    graph.fail(Fault(200, body=json.dumps(echoed).encode()))
    result = await profile(graph, "bluebottle")
    assert TOKEN not in json.dumps(result.raw)
    assert result.raw["business_discovery"]["biography"].endswith("access_token=[redacted]")
    assert TOKEN not in result.biography


async def test_nothing_logged_shows_the_token(
    graph: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    graph.add(Account("bluebottle", media=feed(3)))
    graph.page_cap = 1
    with caplog.at_level(logging.DEBUG):
        await profile(graph, "bluebottle", max_posts=3)
        await failure(graph, token_expired())
    assert any("HTTP Request: GET" in record.getMessage() for record in caplog.records)
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


# -- reels, comments, lifecycle --------------------------------------------------------


async def test_a_reel_cannot_be_looked_up_by_link_alone(graph: FakeGraph) -> None:
    scraper = provider(graph)
    with pytest.raises(ReelLookupUnsupported, match="track the account") as caught:
        await scraper.fetch_reel("DAbc123xyz")
    await scraper.close()
    assert isinstance(caught.value, ReelOwnerUnknown)
    assert not caught.value.transient and not caught.value.permanent
    assert graph.requests == []


def _reels_account(count: int) -> Account:
    return Account(
        username="reelmaker",
        media=[
            Media(
                shortcode=f"DReel{index:04d}",
                timestamp=NOW - index * HOUR,
                media_type="VIDEO",
                media_product_type="REELS",
                caption=f"take {index} #cooking with @chef",
                like_count=100 + index,
                comments_count=10 + index,
                view_count=5000 + index,
            )
            for index in range(count)
        ],
    )


async def test_a_reel_is_found_among_its_owners_media(graph: FakeGraph) -> None:
    graph.add(_reels_account(120))
    scraper = provider(graph, page_size=50)
    reel = check_reel(await scraper.fetch_reel("DReel0073", owner="ReelMaker"))
    await scraper.close()
    assert (reel.shortcode, reel.owner_username) == ("DReel0073", "reelmaker")
    assert reel.reel_url == "https://www.instagram.com/reel/DReel0073/"
    assert (reel.likes, reel.comments, reel.views) == (173, 83, 5073)
    assert (reel.plays, reel.unavailable) == (0, ("plays",))
    assert (reel.hashtags, reel.mentions) == (("cooking",), ("chef",))
    assert reel.timestamp == NOW - 73 * HOUR
    # Two pages of 50 were read to reach the 74th media, and the cost says so.
    assert len(graph.requests) == 2
    assert reel.cost is not None and reel.cost.calls == 2
    assert TOKEN not in json.dumps(reel.raw)


async def test_a_reel_missing_from_its_owners_media_is_not_found(graph: FakeGraph) -> None:
    graph.add(_reels_account(3))
    scraper = provider(graph)
    with pytest.raises(ReelNotFound, match="not among the recent posts of @reelmaker"):
        await scraper.fetch_reel("DGone00001", owner="reelmaker")
    await scraper.close()
    assert len(graph.requests) == 1


async def test_a_reel_search_reads_at_most_max_pages(graph: FakeGraph) -> None:
    graph.add(_reels_account(60))
    scraper = provider(graph, page_size=10, max_pages=3)
    with pytest.raises(ReelNotFound):
        await scraper.fetch_reel("DReel0059", owner="reelmaker")
    await scraper.close()
    assert len(graph.requests) == 3


async def test_comments_are_not_available_and_cost_nothing(graph: FakeGraph) -> None:
    scraper = provider(graph)
    ref = PostRef(
        shortcode="CImage001",
        url="https://www.instagram.com/p/CImage001/",
        timestamp=NOW,
        comments_count=4,
    )
    batch = await scraper.fetch_comments([ref], max_comments=10)
    await scraper.close()
    assert scraper.comments_available is False
    assert batch.comments == {}
    assert batch.cost is not None and batch.cost.calls == 0
    assert graph.requests == []


async def test_one_username_per_call(graph: FakeGraph) -> None:
    scraper = provider(graph)
    assert scraper.batch_size == 1
    with pytest.raises(ValueError, match="at most 1 username"):
        await scraper.fetch_profiles(["a", "b"], max_posts=1)
    await scraper.close()


async def test_close_closes_the_http_client(graph: FakeGraph) -> None:
    scraper = provider(graph)
    await scraper.close()
    assert scraper._client.is_closed
    with pytest.raises(RuntimeError):
        await scraper.fetch_profiles(["bluebottle"], max_posts=1)


def test_settings_build_the_provider() -> None:
    settings = load_settings(
        scraper_provider="graph",
        graph_access_token=TOKEN,
        graph_ig_user_id=IG_USER_ID,
        graph_api_url="http://127.0.0.1:9",
        graph_api_version="v24.0",
        scrape_timeout=7,
    )
    scraper = from_settings(settings)
    assert scraper._path == f"/v24.0/{IG_USER_ID}"
    assert scraper._client.timeout.read == 7
    assert str(scraper._client.base_url) == "http://127.0.0.1:9"


def test_settings_without_a_token_refuse_to_build() -> None:
    with pytest.raises(ConfigurationError, match="CODVID_GRAPH_ACCESS_TOKEN"):
        from_settings(load_settings())


def test_the_ig_user_id_must_be_numeric() -> None:
    with pytest.raises(ValueError, match="CODVID_GRAPH_IG_USER_ID"):
        GraphProvider(access_token=TOKEN, ig_user_id="17841/../me")


# -- the fake answers as Meta documents ------------------------------------------------


async def test_the_fake_pages_with_cursors_but_no_next_link(graph: FakeGraph) -> None:
    graph.page_cap = 2
    graph.add(Account("bluebottle", media=feed(3)))
    fields = "business_discovery.username(bluebottle){media.limit(2){id}}"
    async with httpx.AsyncClient(base_url=graph.url) as client:
        answer = await client.get(
            f"/v25.0/{IG_USER_ID}", params={"fields": fields, "access_token": TOKEN}
        )
        unknown = await client.get(
            f"/v25.0/{IG_USER_ID}",
            params={"fields": "business_discovery.username(bluebottle){plays}"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        anonymous = await client.get(f"/v25.0/{IG_USER_ID}", params={"fields": fields})
    paging = answer.json()["business_discovery"]["media"]["paging"]
    assert set(paging) == {"cursors"}
    assert set(paging["cursors"]) == {"before", "after"}
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (400, 100)
    assert (anonymous.status_code, anonymous.json()["error"]["code"]) == (400, 104)
