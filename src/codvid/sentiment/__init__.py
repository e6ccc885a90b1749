"""Comment sentiment in every language: per-comment verdicts and their aggregates."""

from __future__ import annotations

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


__all__ = [
    "LABELS",
    "NO_WORDS",
    "UNDETERMINED",
    "Label",
    "LanguageSentiment",
    "MultilingualAnalyzer",
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
