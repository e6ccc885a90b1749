"""The labels a comment can get and the interface every analyzer offers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal, Protocol

Label = Literal["positive", "negative", "neutral"]

LABELS: Final[tuple[Label, ...]] = ("positive", "negative", "neutral")


class SentimentAnalyzer(Protocol):
    """Labels comment texts. Implementations are built once and safe to call from any thread."""

    def label(self, text: str) -> Label: ...

    def label_many(self, texts: Sequence[str]) -> list[Label]: ...
