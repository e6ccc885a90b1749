"""Aggregates of comment labels: the sentiment summary (contract 2.9) and a reel's
``sentiment_analysis`` counts (contract 3.5). Labels other than the three known ones
count as neutral.

Beside the contract's fields, a task's summary breaks its comments down by language. A
comment whose sentiment is unknown (its language has no lexicon) counts in the
contract's fields as the ``neutral`` its label says, so that they add up as the clients
expect, and apart (``unknown``) in the breakdown."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Annotated, Final

from pydantic import Field
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


class LanguageSentiment(TypedDict):
    language: Annotated[
        str,
        Field(
            description="ISO 639-1 code; zxx: no words (emoji only); und: stored before "
            "languages were detected",
            examples=["pt"],
        ),
    ]
    total_comments: int
    positive: int
    negative: int
    neutral: int
    unknown: Annotated[
        int, Field(description="No lexicon for the language and no ranked emoji: not scored")
    ]


class TaskSentiment(SentimentSummary):
    """The contract's summary, and the same comments by language."""

    unknown_comments: Annotated[
        int,
        Field(
            description="Comments whose sentiment is unknown (no lexicon for their language); "
            "the contract's fields count them as neutral, as their label says"
        ),
    ]
    by_language: Annotated[
        list[LanguageSentiment],
        Field(description="One entry per language, the most commented first"),
    ]


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


def by_language(comments: Iterable[tuple[str, str, bool]]) -> TaskSentiment:
    """The summary of comments given as ``(label, language, known)``, in one pass."""
    labels: list[str] = []
    tallies: dict[str, Counter[str]] = {}
    for label, language, known in comments:
        labels.append(label)
        tally = tallies.setdefault(language, Counter())
        tally[_KNOWN.get(label, "neutral") if known else "unknown"] += 1
    languages: list[LanguageSentiment] = [
        {
            "language": language,
            "total_comments": tally.total(),
            "positive": tally["positive"],
            "negative": tally["negative"],
            "neutral": tally["neutral"],
            "unknown": tally["unknown"],
        }
        for language, tally in tallies.items()
    ]
    languages.sort(key=lambda entry: (-entry["total_comments"], entry["language"]))
    return {
        **summarize(labels),
        "unknown_comments": sum(entry["unknown"] for entry in languages),
        "by_language": languages,
    }


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
