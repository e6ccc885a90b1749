"""Comment sentiment in every language: per-comment verdicts and their aggregates."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cache

from codvid.sentiment.base import (
    LABELS,
    NO_WORDS,
    UNDETERMINED,
    Label,
    SentimentAnalyzer,
    Source,
    Verdict,
)
from codvid.sentiment.multilingual import MultilingualAnalyzer
from codvid.sentiment.summary import (
    LanguageSentiment,
    SentimentCounts,
    SentimentSummary,
    TaskSentiment,
    by_language,
    counts,
    summarize,
)
from codvid.sentiment.vader import VaderAnalyzer


@cache
def get_analyzer() -> SentimentAnalyzer:
    """The process-wide analyzer, built on first use (its models load once per process)."""
    return MultilingualAnalyzer()


class OnFirstUse:
    """The process-wide analyzer, built when a comment first needs it rather than when a
    worker starts: its models hold about 73 MiB, which a process that never labels a
    comment (an idle server, one that only answers reads) need not carry. Safe from any
    thread; two first calls at once build it once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def _built(self) -> SentimentAnalyzer:
        with self._lock:
            return get_analyzer()

    def label(self, text: str) -> Label:
        return self._built().label(text)

    def verdict(self, text: str) -> Verdict:
        return self._built().verdict(text)

    def label_many(self, texts: Sequence[str]) -> list[Verdict]:
        return self._built().label_many(texts)

    def ready(self) -> None:
        self._built()


__all__ = [
    "LABELS",
    "NO_WORDS",
    "UNDETERMINED",
    "Label",
    "LanguageSentiment",
    "MultilingualAnalyzer",
    "OnFirstUse",
    "SentimentAnalyzer",
    "SentimentCounts",
    "SentimentSummary",
    "Source",
    "TaskSentiment",
    "VaderAnalyzer",
    "Verdict",
    "by_language",
    "counts",
    "get_analyzer",
    "summarize",
]
