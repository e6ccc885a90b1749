"""Build a scraper provider by name: the only place that knows every provider."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codvid.scrapers.base import ScraperProvider
from codvid.scrapers.providers.demo import DemoProvider

_PROVIDERS: dict[str, Callable[..., ScraperProvider]] = {
    "demo": DemoProvider,
}


def provider_names() -> tuple[str, ...]:
    return tuple(sorted(_PROVIDERS))


def build_provider(name: str, **options: Any) -> ScraperProvider:
    """A new provider; ``options`` go to its constructor (e.g. ``step_delay`` for demo)."""
    try:
        factory = _PROVIDERS[name]
    except KeyError:
        known = ", ".join(provider_names())
        raise ValueError(f"Unknown scraper provider {name!r}; known: {known}") from None
    return factory(**options)
