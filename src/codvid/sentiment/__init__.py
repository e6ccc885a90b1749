"""Comment sentiment: per-comment labels and their aggregates."""

from __future__ import annotations

from functools import cache

from codvid.sentiment.base import LABELS, Label, SentimentAnalyzer
from codvid.sentiment.summary import SentimentCounts, SentimentSummary, counts, summarize
from codvid.sentiment.vader import VaderAnalyzer


@cache
def get_analyzer() -> SentimentAnalyzer:
    """The process-wide analyzer, built on first use."""
    return VaderAnalyzer()


__all__ = [
    "LABELS",
    "Label",
    "SentimentAnalyzer",
    "SentimentCounts",
    "SentimentSummary",
    "VaderAnalyzer",
    "counts",
    "get_analyzer",
    "summarize",
]
