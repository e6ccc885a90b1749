"""Aggregates of comment labels: the sentiment summary (contract 2.9) and a reel's
``sentiment_analysis`` counts (contract 3.5). Labels other than the three known ones
count as neutral."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from typing_extensions import TypedDict

from codvid.sentiment.base import LABELS, Label

_KNOWN: Final[Mapping[str, Label]] = {label: label for label in LABELS}

# The overall label is the most frequent; ties go to neutral, then positive (contract 7.12).
_TIE_ORDER: Final[tuple[Label, ...]] = ("neutral", "positive", "negative")


class Distribution(TypedDict):
    positive: int
    negative: int
    neutral: int


class Percentages(TypedDict):
    positive: float
    negative: float
    neutral: float


class SentimentSummary(TypedDict):
    total_comments: int
    sentiment_distribution: Distribution
    sentiment_percentages: Percentages
    overall_sentiment: Label


class SentimentCounts(TypedDict):
    positive: int
    negative: int
    neutral: int
    overall_sentiment: Label


def summarize(labels: Iterable[str]) -> SentimentSummary:
    tally = _tally(labels)
    total = sum(tally.values())
    return {
        "total_comments": total,
        "sentiment_distribution": _distribution(tally),
        "sentiment_percentages": {
            "positive": _percent(tally["positive"], total),
            "negative": _percent(tally["negative"], total),
            "neutral": _percent(tally["neutral"], total),
        },
        "overall_sentiment": _overall(tally),
    }


def counts(labels: Iterable[str]) -> SentimentCounts:
    tally = _tally(labels)
    return {**_distribution(tally), "overall_sentiment": _overall(tally)}


def _tally(labels: Iterable[str]) -> dict[Label, int]:
    tally = dict.fromkeys(LABELS, 0)
    for label in labels:
        tally[_KNOWN.get(label, "neutral")] += 1
    return tally


def _distribution(tally: dict[Label, int]) -> Distribution:
    return {
        "positive": tally["positive"],
        "negative": tally["negative"],
        "neutral": tally["neutral"],
    }


def _overall(tally: dict[Label, int]) -> Label:
    # max() keeps the first of equal counts, so _TIE_ORDER settles ties.
    return max(_TIE_ORDER, key=tally.__getitem__)


def _percent(count: int, total: int) -> float:
    return round(count / total * 100, 1) if total else 0.0
