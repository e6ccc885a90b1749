"""Comment sentiment: VADER for the words, the Emoji Sentiment Ranking for the emoji.

Rule: a comment's score is the mean of the signals that found something, out of
VADER's compound score of its words (left out when no word carries sentiment) and the
mean score of its ranked emoji (left out when it has none); see
:mod:`codvid.sentiment.emoji_lexicon`. Labels use VADER's recommended thresholds:
>= 0.05 positive, <= -0.05 negative, neutral between. No signal at all (empty text of
stickers and GIFs, plain statements) is neutral.

VADER's own emoji handling is bypassed: it swaps each emoji for its name and scores the
words, which rates 🔥 ("fire") negative.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean
from typing import Final

from vaderSentiment.vaderSentiment import (  # type: ignore[import-untyped]
    SentimentIntensityAnalyzer,
)

from codvid.sentiment.base import Label
from codvid.sentiment.emoji_lexicon import load_emoji_lexicon

# Only the start of a comment is read, so a huge one cannot stall a worker.
MAX_CHARS: Final = 2000
POSITIVE_THRESHOLD: Final = 0.05
NEGATIVE_THRESHOLD: Final = -0.05


class VaderAnalyzer:
    """Slow to build (loads both lexicons), so build it once; afterwards it is only read,
    so any number of threads may call it."""

    def __init__(self, max_chars: int = MAX_CHARS) -> None:
        self._max_chars = max_chars
        self._vader = SentimentIntensityAnalyzer()
        self._emoji_scores = load_emoji_lexicon()
        # Removed before VADER sees the text: what we score, and what VADER would rename.
        self._emoji_chars: frozenset[str] = frozenset(self._emoji_scores) | frozenset(
            char for char in self._vader.emojis if len(char) == 1
        )

    def score(self, text: str) -> float:
        """The combined score in [-1, 1] that :meth:`label` thresholds."""
        text = text[: self._max_chars]
        if not text.strip():
            return 0.0
        words: list[str] = []
        emoji_scores: list[float] = []
        for char in text:
            if char not in self._emoji_chars:
                words.append(char)
                continue
            words.append(" ")
            if char in self._emoji_scores:
                emoji_scores.append(self._emoji_scores[char])
        signals: list[float] = []
        compound = float(self._vader.polarity_scores("".join(words))["compound"])
        if compound != 0.0:
            signals.append(compound)
        if emoji_scores:
            signals.append(fmean(emoji_scores))
        return fmean(signals) if signals else 0.0

    def label(self, text: str) -> Label:
        score = self.score(text)
        if score >= POSITIVE_THRESHOLD:
            return "positive"
        if score <= NEGATIVE_THRESHOLD:
            return "negative"
        return "neutral"

    def label_many(self, texts: Sequence[str]) -> list[Label]:
        return [self.label(text) for text in texts]
