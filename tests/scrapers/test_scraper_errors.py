import pytest

from codvid.scrapers import (
    MalformedResponse,
    ProfileNotFound,
    ProviderTimeout,
    RateLimited,
    ReelNotFound,
    ScraperError,
)


@pytest.mark.parametrize(
    "error",
    [ScraperError, ProfileNotFound, ReelNotFound, RateLimited, ProviderTimeout, MalformedResponse],
)
def test_every_error_has_a_readable_default_message(error: type[ScraperError]) -> None:
    raised = error()
    assert isinstance(raised, ScraperError)
    assert raised.message
    assert str(raised) == raised.message


def test_custom_message_and_retry_after() -> None:
    error = RateLimited("Slow down", retry_after=30)
    assert str(error) == "Slow down"
    assert error.retry_after == 30
    assert RateLimited().retry_after is None
