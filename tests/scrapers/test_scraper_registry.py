from typing import Any

import pytest

from codvid.config import load_settings
from codvid.errors import ConfigurationError
from codvid.scrapers import SCRAPERS
from codvid.scrapers.providers.demo import DemoProvider

pytestmark = pytest.mark.anyio

# What each provider needs beyond the defaults to build (credentials).
CREDENTIALS: dict[str, dict[str, Any]] = {
    "demo": {},
    "apify": {"apify_token": "apify_api_test"},
    "graph": {"graph_access_token": "EAAtest", "graph_ig_user_id": "17841400000000000"},
    "instaloader": {},
}


async def test_every_registered_provider_builds_from_settings() -> None:
    assert set(SCRAPERS.names()) == set(CREDENTIALS)
    for name, credentials in CREDENTIALS.items():
        provider = SCRAPERS.build(name, load_settings(scraper_provider=name, **credentials))
        assert provider.name == name
        assert provider.batch_size >= 1
        assert "/" in provider.rate_limit
        await provider.close()


@pytest.mark.parametrize(
    ("name", "needs"),
    [("apify", "CODVID_APIFY_TOKEN"), ("graph", "CODVID_GRAPH_ACCESS_TOKEN")],
)
def test_a_provider_without_its_credentials_refuses_to_start(name: str, needs: str) -> None:
    with pytest.raises(ConfigurationError, match=needs):
        load_settings(scraper_provider=name)


def test_demo_takes_its_options_from_settings() -> None:
    provider = SCRAPERS.build("demo", load_settings(scraper_step_delay=0))
    assert isinstance(provider, DemoProvider)
    assert provider.step_delay == 0


def test_unknown_provider_lists_known_names() -> None:
    with pytest.raises(
        ValueError, match=r"unknown scraper provider 'nope'; known: apify, demo, graph, instaloader"
    ):
        SCRAPERS.build("nope", load_settings())
