import pytest

from codvid.scrapers import SCRAPERS
from codvid.scrapers.providers.demo import DemoProvider
from codvid.scrapers.settings import ScrapingSettings

pytestmark = pytest.mark.anyio


async def test_every_registered_provider_builds_from_default_settings() -> None:
    assert SCRAPERS.names() == ("demo",)
    for name in SCRAPERS.names():
        provider = SCRAPERS.build(name, ScrapingSettings(provider=name))
        assert provider.name == name
        await provider.close()


def test_demo_takes_its_options_from_settings() -> None:
    provider = SCRAPERS.build("demo", ScrapingSettings(step_delay=0))
    assert isinstance(provider, DemoProvider)
    assert provider.step_delay == 0


def test_unknown_provider_lists_known_names() -> None:
    with pytest.raises(ValueError, match=r"unknown scraper provider 'nope'; known: demo"):
        SCRAPERS.build("nope", ScrapingSettings())
