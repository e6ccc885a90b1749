import pytest

from codvid.scrapers import build_provider, provider_names
from codvid.scrapers.providers.demo import DemoProvider


def test_demo_is_known() -> None:
    assert "demo" in provider_names()
    provider = build_provider("demo", step_delay=0)
    assert isinstance(provider, DemoProvider)
    assert provider.name == "demo"


def test_unknown_provider_lists_known_names() -> None:
    with pytest.raises(ValueError, match=r"Unknown scraper provider 'nope'; known: .*demo"):
        build_provider("nope")
