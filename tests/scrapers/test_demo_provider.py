import asyncio
import json
import time
from collections import Counter

import pytest

from codvid.scrapers import ProfileResult, ReelResult, check_profile, check_reel
from codvid.scrapers.providers.demo import DemoProvider
from codvid.scrapers.providers.demo import words as demo_words
from tests.doubles import whole_profile, whole_reel

pytestmark = pytest.mark.anyio

NOW = 1_750_000_000.0  # 2025-06-15 UTC
DAY = 86_400.0
USERNAMES = [f"user{i}" for i in range(40)] + ["maya.bakes", "leo_runs", "nasa", "a"]


def demo(now: float = NOW) -> DemoProvider:
    return DemoProvider(step_delay=0, clock=lambda: now)


async def profile(username: str, now: float = NOW, **limits: int) -> ProfileResult:
    limits = {"max_posts": 12, "max_comments": 10, **limits}
    return await whole_profile(demo(now), username, **limits)


async def reel(shortcode: str, now: float = NOW, max_comments: int = 10) -> ReelResult:
    return await whole_reel(demo(now), shortcode, max_comments=max_comments)


async def test_same_input_and_clock_give_identical_results() -> None:
    assert await profile("maya.bakes") == await profile("maya.bakes")
    assert await reel("DAbc123xyz") == await reel("DAbc123xyz")


async def test_usernames_are_case_insensitive() -> None:
    assert await profile("Maya.Bakes") == await profile("maya.bakes")


async def test_different_inputs_differ() -> None:
    first, second = await profile("maya.bakes"), await profile("leo_runs")
    assert first.followers != second.followers
    assert {p.post_id for p in first.posts}.isdisjoint(p.post_id for p in second.posts)
    assert (await reel("DAbc123xyz")).caption != (await reel("Cxyz987abc")).caption


async def test_results_are_labelled_demo_and_valid() -> None:
    result = check_profile(await profile("maya.bakes"))
    reel_result = check_reel(await reel("DAbc123xyz"))
    for labelled in (result, reel_result):
        assert labelled.provider == "demo"
        assert labelled.is_demo is True
        assert labelled.raw["demo"] is True
        json.dumps(labelled.raw, allow_nan=False)


async def test_identity_is_derived_from_the_username() -> None:
    result = await profile("maya.bakes")
    assert result.username == "maya.bakes"
    assert result.full_name == "Maya Bakes"
    assert result.biography
    assert result.icon_pic_url == "https://demo.codvid.invalid/avatars/maya.bakes.jpg"
    # "bakes" picks the baking niche for bio and hashtags.
    baking = demo_words.NICHES[0]
    assert result.biography.split(" | ")[0] in baking.bio
    assert all(tag in baking.hashtags for post in result.posts for tag in post.hashtags)


@pytest.mark.parametrize("now", [NOW, NOW + 400 * DAY, 1_700_000_000.0])
async def test_profiles_look_realistic(now: float) -> None:
    for username in USERNAMES:
        result = check_profile(await profile(username, now))
        assert 1_000 <= result.followers <= 2_500_000
        assert 80 <= result.follows_count <= 3_000
        assert result.posts_count >= len(result.posts) == 12
        times = [post.timestamp for post in result.posts]
        assert times == sorted(times, reverse=True)
        assert now - 100 * DAY < times[-1] <= times[0] <= now
        for post in result.posts:
            assert post.post_url == f"https://instagram.com/p/{post.post_id}"
            assert post.likes_count >= 0
            assert len(post.comments) <= post.comments_count
            if post.is_reel:
                assert 0 < post.video_view_count < post.video_play_count
            else:
                assert post.video_view_count == post.video_play_count == 0
            assert all(post.timestamp <= c.timestamp <= now for c in post.comments)


async def test_posts_mix_reels_and_images_spread_over_weeks() -> None:
    types: Counter[str] = Counter()
    spans = []
    for username in USERNAMES:
        result = await profile(username)
        types.update(post.type for post in result.posts)
        spans.append(result.posts[0].timestamp - result.posts[-1].timestamp)
    assert set(types) == {"reel", "image", "carousel"}
    assert types["reel"] > types["image"] > types["carousel"]
    assert 40 * DAY < sorted(spans)[len(spans) // 2] < 80 * DAY


async def test_engagement_follows_followers() -> None:
    results = [await profile(username) for username in USERNAMES]
    results.sort(key=lambda result: result.followers)
    small, big = results[:10], results[-10:]

    def likes(group: list[ProfileResult]) -> int:
        return sum(post.likes_count for result in group for post in result.posts)

    assert likes(big) > 10 * likes(small)


async def test_captions_carry_bare_hashtags_and_mentions() -> None:
    posts = [post for username in USERNAMES for post in (await profile(username)).posts]
    assert any(post.hashtags for post in posts)
    assert any(post.mentions for post in posts)
    for post in posts:
        for tag in post.hashtags:
            assert not tag.startswith("#")
            assert f"#{tag}" in post.caption
        for name in post.mentions:
            assert not name.startswith("@")
            assert f"@{name}" in post.caption


async def test_comments_mix_tones_emoji_and_stickers() -> None:
    texts = [
        comment.text
        for username in USERNAMES[:10]
        for post in (await profile(username)).posts
        for comment in post.comments
    ]
    assert len(texts) > 500

    def share(pool: tuple[str, ...]) -> float:
        return sum(any(line in text for line in pool) for text in texts) / len(texts)

    assert 0.4 < share(demo_words.POSITIVE_COMMENTS) < 0.7
    assert 0.05 < share(demo_words.NEGATIVE_COMMENTS) < 0.25
    assert 0.1 < share(demo_words.NEUTRAL_COMMENTS) < 0.3
    assert 0.03 < texts.count("") / len(texts) < 0.2
    assert any("🔥" in text for text in texts)
    assert len(set(texts)) > 30


@pytest.mark.parametrize(("max_posts", "max_comments"), [(0, 0), (3, 10), (12, 2), (30, 0)])
async def test_limits_are_respected(max_posts: int, max_comments: int) -> None:
    result = await profile("maya.bakes", max_posts=max_posts, max_comments=max_comments)
    assert len(result.posts) == max_posts
    assert all(len(post.comments) <= max_comments for post in result.posts)
    if max_posts and max_comments:
        assert any(len(post.comments) == max_comments for post in result.posts)
    reel_result = await reel("DAbc123xyz", max_comments=max_comments)
    assert len(reel_result.comments_list) == min(max_comments, reel_result.comments)


async def test_negative_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="max_posts"):
        await profile("maya.bakes", max_posts=-1)
    with pytest.raises(ValueError, match="max_comments"):
        await reel("DAbc123xyz", max_comments=-1)


def test_negative_delays_are_refused() -> None:
    with pytest.raises(ValueError, match="step_delay"):
        DemoProvider(step_delay=-1)


async def test_profiles_grow_over_time() -> None:
    for username in USERNAMES:
        before = await profile(username, NOW)
        after = await profile(username, NOW + 14 * DAY)
        assert after.followers > before.followers
        assert after.follows_count >= before.follows_count
        assert after.posts_count > before.posts_count
        # Old posts keep their id and time and only gain engagement.
        old = {post.post_id: post for post in before.posts}
        kept = [post for post in after.posts if post.post_id in old]
        assert kept
        for post in kept:
            earlier = old[post.post_id]
            assert post.timestamp == earlier.timestamp
            assert post.caption == earlier.caption
            assert post.likes_count >= earlier.likes_count
            assert post.video_play_count >= earlier.video_play_count


async def test_reels_grow_over_time_and_keep_identity() -> None:
    before = await reel("DAbc123xyz", NOW)
    after = await reel("DAbc123xyz", NOW + 3 * DAY)
    assert after.timestamp == before.timestamp <= NOW
    assert after.owner_username == before.owner_username
    assert after.plays > before.plays
    assert after.likes >= before.likes
    assert after.reel_url == "https://www.instagram.com/reel/DAbc123xyz/"


async def test_reel_before_its_anchor_is_still_in_the_past() -> None:
    early = 1_600_000_000.0
    result = check_reel(await reel("DAbc123xyz", early))
    assert result.timestamp < early


async def test_zero_step_delay_is_fast() -> None:
    started = time.perf_counter()
    await profile("maya.bakes", max_posts=50, max_comments=10)
    assert time.perf_counter() - started < 0.5


async def test_step_delay_waits_without_blocking_the_loop() -> None:
    provider = DemoProvider(step_delay=0.05, clock=lambda: NOW)
    started = time.perf_counter()
    await asyncio.gather(
        *(whole_profile(provider, f"user{i}", max_posts=3, max_comments=3) for i in range(5))
    )
    elapsed = time.perf_counter() - started
    # Three steps of 0.05 s each, the five fetches overlapping.
    assert 0.15 <= elapsed < 0.5
