"""What every kind of outside provider shares (scrapers, AI models): a lifecycle, an
error base, and a registry of factories by name.

A registry maps a name to the dotted path of a factory ``factory(settings) -> provider``
that reads its own options from the settings it is given (the composed
``codvid.config.Settings``, through a Protocol of what the factory needs). Paths are
imported only when that provider is built, so the registry, and the settings that check
a name against it, never import a provider's client library (the OpenAI client alone
takes about a second to import).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any, Generic, Protocol, TypeVar, cast

P = TypeVar("P")


class ProviderError(Exception):
    """A failure of an outside provider; its message is short enough to show a user."""

    message = "The provider failed"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.message
        super().__init__(self.message)


class Provider(Protocol):
    """Built once per process from settings; ``close`` releases its connections."""

    name: str

    async def close(self) -> None: ...


class ProviderRegistry(Generic[P]):
    """Factories are untyped (dotted paths); the test of each registry builds every
    provider it names from default settings."""

    def __init__(self, kind: str, factories: Mapping[str, str]) -> None:
        self.kind = kind
        self._factories = dict(factories)

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._factories))

    def check(self, name: str) -> str:
        """``name`` if it is registered, else ValueError naming the known ones."""
        if name not in self._factories:
            known = ", ".join(self.names())
            raise ValueError(f"unknown {self.kind} provider {name!r}; known: {known}")
        return name

    def build(self, name: str, settings: object) -> P:
        module, _, attribute = self._factories[self.check(name)].partition(":")
        factory = cast(Callable[[object], Any], getattr(importlib.import_module(module), attribute))
        return cast(P, factory(settings))
