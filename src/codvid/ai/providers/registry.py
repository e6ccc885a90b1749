"""Build a model provider by name: the only place that knows every provider."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codvid.ai.providers.base import ModelProvider
from codvid.ai.providers.offline import OfflineProvider


def _openai(**options: Any) -> ModelProvider:
    # Imported on demand: the client library takes about a second to import, and the
    # default offline assistant does not need it.
    from codvid.ai.providers.openai_compat import OpenAICompatibleProvider

    return OpenAICompatibleProvider(**options)


_PROVIDERS: dict[str, Callable[..., ModelProvider]] = {
    "offline": OfflineProvider,
    "openai": _openai,
}


def model_provider_names() -> tuple[str, ...]:
    return tuple(sorted(_PROVIDERS))


def build_model_provider(name: str, **options: Any) -> ModelProvider:
    """A new provider; ``options`` go to its constructor (none for ``offline``; for
    ``openai`` those of :class:`~codvid.ai.providers.openai_compat.OpenAICompatibleProvider`).
    """
    try:
        factory = _PROVIDERS[name]
    except KeyError:
        known = ", ".join(model_provider_names())
        raise ValueError(f"Unknown model provider {name!r}; known: {known}") from None
    return factory(**options)
