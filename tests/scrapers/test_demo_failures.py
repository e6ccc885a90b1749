import time

import pytest

from codvid.scrapers import (
    MalformedResponse,
    ProfileNotFound,
    ProviderTimeout,
    RateLimited,
    ReelNotFound,
    ScraperError,
    check_profile,
    check_reel,
)
from codvid.scrapers.providers.demo import DemoProvider
from tests.doubles import whole_profile, whole_reel

pytestmark = pytest.mark.anyio

NOW = 1_750_000_000.0


@pytest.fixture
def provider() -> DemoProvider:
    return DemoProvider(step_delay=0, timeout=0, clock=lambda: NOW)


@pytest.mark.parametrize(
    ("prefix", "profile_error", "reel_error"),
    [
        ("demo_fail_", ProfileNotFound, ReelNotFound),
        ("demo_ratelimit_", RateLimited, RateLimited),
        ("demo_timeout_", ProviderTimeout, ProviderTimeout),
    ],
)
async def test_prefixes_raise_scraper_errors(
    provider: DemoProvider,
    prefix: str,
    profile_error: type[ScraperError],
    reel_error: type[ScraperError],
) -> None:
    with pytest.raises(profile_error) as profile_failure:
        await whole_profile(provider, f"{prefix}maya", max_posts=3, max_comments=3)
    with pytest.raises(reel_error) as reel_failure:
        await whole_reel(provider, f"{prefix}abc", max_comments=3)
    assert profile_failure.value.message
    assert reel_failure.value.message


async def test_not_found_names_the_target(provider: DemoProvider) -> None:
    with pytest.raises(ProfileNotFound, match="@demo_fail_maya"):
        await whole_profile(provider, "demo_fail_maya", max_posts=3, max_comments=3)


async def test_rate_limit_says_when_to_retry(provider: DemoProvider) -> None:
    with pytest.raises(RateLimited) as failure:
        await whole_profile(provider, "demo_ratelimit_maya", max_posts=3, max_comments=3)
    assert failure.value.retry_after == 1


async def test_timeout_waits_before_failing() -> None:
    provider = DemoProvider(step_delay=0, timeout=0.05, clock=lambda: NOW)
    started = time.perf_counter()
    with pytest.raises(ProviderTimeout, match="Connection timeout"):
        await whole_reel(provider, "demo_timeout_abc", max_comments=3)
    assert time.perf_counter() - started >= 0.05


async def test_crash_is_not_a_scraper_error(provider: DemoProvider) -> None:
    with pytest.raises(RuntimeError, match="injected") as failure:
        await whole_profile(provider, "demo_crash_maya", max_posts=3, max_comments=3)
    assert not isinstance(failure.value, ScraperError)
    with pytest.raises(RuntimeError):
        await whole_reel(provider, "demo_crash_abc", max_comments=3)


async def test_malformed_results_fail_validation(provider: DemoProvider) -> None:
    profile = await whole_profile(provider, "demo_malformed_maya", max_posts=3, max_comments=3)
    assert profile.raw["malformed"] is True
    with pytest.raises(MalformedResponse, match="username"):
        check_profile(profile)
    reel = await whole_reel(provider, "demo_malformed_abc", max_comments=3)
    with pytest.raises(MalformedResponse, match="likes"):
        check_reel(reel)


async def test_explicit_failures_by_name() -> None:
    provider = DemoProvider(
        step_delay=0,
        clock=lambda: NOW,
        failures={"maya": "rate_limited", "demo_fail_leo": "malformed", "Cabc123": "not_found"},
    )
    with pytest.raises(RateLimited):
        await whole_profile(provider, "Maya", max_posts=3, max_comments=3)
    # An exact name wins over a prefix.
    with pytest.raises(MalformedResponse):
        check_profile(await whole_profile(provider, "demo_fail_leo", max_posts=3, max_comments=3))
    with pytest.raises(ReelNotFound):
        await whole_reel(provider, "Cabc123", max_comments=3)
    # Shortcodes are case-sensitive; other names are unaffected.
    check_reel(await whole_reel(provider, "cabc123", max_comments=3))
    check_profile(await whole_profile(provider, "leo", max_posts=3, max_comments=3))
