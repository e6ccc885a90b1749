import asyncio
import math
from dataclasses import replace
from typing import Any, TypeVar

import pytest

from codvid.scrapers import (
    MalformedResponse,
    ProfileResult,
    ReelResult,
    ScrapedComment,
    ScraperError,
    check_profile,
    check_reel,
)
from codvid.scrapers.providers.demo import DemoProvider
from tests.doubles import whole_profile, whole_reel

_provider = DemoProvider(step_delay=0, clock=lambda: 1_750_000_000.0)
PROFILE = asyncio.run(whole_profile(_provider, "maya.bakes", max_posts=3, max_comments=3))
REEL = asyncio.run(whole_reel(_provider, "DAbc123xyz", max_comments=3))
POST = PROFILE.posts[0]
COMMENT = POST.comments[0]

T = TypeVar("T", ProfileResult, ReelResult)


def changed(result: T, **changes: Any) -> T:
    """``replace`` that also takes wrongly typed values, as a buggy provider might give."""
    return replace(result, **changes)


def with_post(**changes: Any) -> ProfileResult:
    return replace(PROFILE, posts=(replace(POST, **changes), *PROFILE.posts[1:]))


def with_comment(**changes: Any) -> ProfileResult:
    return with_post(comments=(replace(COMMENT, **changes),))


def test_valid_results_pass_unchanged() -> None:
    assert check_profile(PROFILE) is PROFILE
    assert check_reel(REEL) is REEL


def test_malformed_is_a_scraper_error() -> None:
    assert issubclass(MalformedResponse, ScraperError)


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (REEL, "result must be a ProfileResult, got ReelResult"),
        ({"username": "maya"}, "result must be a ProfileResult, got dict"),
        (changed(PROFILE, username=""), "username must not be empty"),
        (changed(PROFILE, username="bad name!"), "username is not valid"),
        (changed(PROFILE, username=None), "username must be a string, got NoneType"),
        (changed(PROFILE, full_name=None), "full_name must be a string"),
        (changed(PROFILE, followers=-1), "followers must not be negative, got -1"),
        (changed(PROFILE, followers=None), "followers must be an integer, got NoneType"),
        (changed(PROFILE, posts_count=12.0), "posts_count must be an integer, got float"),
        (changed(PROFILE, follows_count=True), "follows_count must be an integer, got bool"),
        (changed(PROFILE, posts=list(PROFILE.posts)), "posts must be a tuple, got list"),
        (changed(PROFILE, posts=({"post_id": "x"},)), "posts[0] must be a ScrapedPost"),
        (changed(PROFILE, posts=(POST, POST)), "posts[1].post_id repeats"),
        (with_post(post_id=""), "posts[0].post_id must not be empty"),
        (with_post(likes_count=-5), "posts[0].likes_count must not be negative"),
        (with_post(comments_count=None), "posts[0].comments_count must be an integer"),
        (with_post(timestamp=math.nan), "posts[0].timestamp must be a finite positive epoch"),
        (with_post(timestamp=math.inf), "posts[0].timestamp must be a finite positive epoch"),
        (with_post(timestamp=0), "posts[0].timestamp must be a finite positive epoch"),
        (with_post(timestamp="2025-01-01"), "posts[0].timestamp must be epoch seconds"),
        (with_post(type="story"), "posts[0].type must be one of reel, image, carousel"),
        (with_post(type="image", is_reel=True), "posts[0].is_reel must be False"),
        (with_post(hashtags=("#tag",)), "posts[0].hashtags[0] must be a bare non-empty word"),
        (with_post(hashtags=("",)), "posts[0].hashtags[0] must be a bare non-empty word"),
        (with_post(mentions=("@maya",)), "posts[0].mentions[0] must be a bare non-empty word"),
        (with_post(comments=[COMMENT]), "posts[0].comments must be a tuple"),
        (with_comment(text=None), "posts[0].comments[0].text must be a string"),
        (with_comment(likes_count=-1), "posts[0].comments[0].likes_count must not be negative"),
        (changed(PROFILE, provider=""), "provider must not be empty"),
        (changed(PROFILE, is_demo="yes"), "is_demo must be a boolean"),
        (changed(PROFILE, raw=[]), "raw must be a dict, got list"),
        (changed(PROFILE, raw={"x": object()}), "raw must be JSON-serialisable"),
        (changed(PROFILE, raw={"x": math.nan}), "raw must be JSON-serialisable"),
    ],
)
def test_malformed_profiles_are_refused(result: object, reason: str) -> None:
    with pytest.raises(MalformedResponse) as failure:
        check_profile(result)
    assert str(failure.value).startswith("Malformed response from scraper: ")
    assert reason in str(failure.value)


def test_comment_without_author_is_accepted() -> None:
    check_profile(with_comment(owner_username="", text=""))


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (PROFILE, "result must be a ReelResult, got ProfileResult"),
        (changed(REEL, shortcode="ab"), "shortcode is not valid"),
        (changed(REEL, reel_url=""), "reel_url must not be empty"),
        (changed(REEL, likes=-1), "likes must not be negative"),
        (changed(REEL, views=math.nan), "views must be an integer, got float"),
        (changed(REEL, plays=None), "plays must be an integer, got NoneType"),
        (changed(REEL, timestamp=-1.0), "timestamp must be a finite positive epoch"),
        (changed(REEL, owner_username=""), "owner_username must not be empty"),
        (changed(REEL, hashtags=["travel"]), "hashtags must be a tuple"),
        (changed(REEL, comments_list=("nice",)), "comments_list[0] must be a ScrapedComment"),
        (
            replace(
                REEL,
                comments_list=(
                    ScrapedComment(
                        text="hi", owner_username="a", timestamp=math.inf, likes_count=0
                    ),
                ),
            ),
            "comments_list[0].timestamp must be a finite positive epoch",
        ),
        (changed(REEL, is_demo=None), "is_demo must be a boolean"),
    ],
)
def test_malformed_reels_are_refused(result: object, reason: str) -> None:
    with pytest.raises(MalformedResponse) as failure:
        check_reel(result)
    assert str(failure.value).startswith("Malformed response from scraper: ")
    assert reason in str(failure.value)
