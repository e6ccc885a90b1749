"""English comments: VADER for the words, the Emoji Sentiment Ranking for the emoji.

Rule: a comment's score is the mean of the signals that found something, out of
VADER's compound score of its words (left out when no word carries sentiment) and the
mean score of its ranked emoji (left out when it has none); see
:mod:`codvid.sentiment.emoji_lexicon`. Labels use VADER's recommended thresholds:
>= 0.05 positive, <= -0.05 negative, neutral between. No signal at all (empty text of
stickers and GIFs, plain statements) is neutral. Comments in other languages use the
same rule with their language's lexicon in VADER's place (:mod:`.multilingual`).

VADER's own emoji handling is bypassed: it swaps each emoji for its name and scores the
words, which rates 🔥 ("fire") negative.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def combined(words: float, emoji_scores: Sequence[float]) -> float:
    """The mean of the signals that found something: the words' score in [-1, 1] (0.0
    when no word carries sentiment) and the mean of the ranked emoji."""
    signals = [words] if words != 0.0 else []
    if emoji_scores:
        signals.append(fmean(emoji_scores))
    return fmean(signals) if signals else 0.0


def to_label(score: float) -> Label:
    if score >= POSITIVE_THRESHOLD:
        return "positive"
    if score <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


class EmojiSplitter:
    """Takes the emoji out of a text: what is left for the words, and the scores of the
    ranked ones. Read-only once built."""

    def __init__(self, scores: Mapping[str, float], also_removed: frozenset[str]) -> None:
        self._scores = scores
        self._removed = frozenset(scores) | also_removed

    def split(self, text: str) -> tuple[str, list[float]]:
        words: list[str] = []
        emoji_scores: list[float] = []
        for char in text:
            if char not in self._removed:
                words.append(char)
                continue
            words.append(" ")
            if char in self._scores:
                emoji_scores.append(self._scores[char])
        return "".join(words), emoji_scores


class VaderAnalyzer:
    """Slow to build (loads both lexicons), so build it once; afterwards it is only read,
    so any number of threads may call it."""

    def __init__(self, max_chars: int = MAX_CHARS) -> None:
        self._max_chars = max_chars
        self._vader = SentimentIntensityAnalyzer()
        # Removed before VADER sees the text: what we score, and what VADER would rename.
        self.emoji = EmojiSplitter(
            load_emoji_lexicon(),
            frozenset(char for char in self._vader.emojis if len(char) == 1),
        )

    def words_score(self, words: str) -> float:
        """VADER's compound score of a text whose emoji were taken out."""
        return float(self._vader.polarity_scores(words)["compound"])

    def score(self, text: str) -> float:
        """The combined score in [-1, 1] that :meth:`label` thresholds."""
        text = text[: self._max_chars]
        if not text.strip():
            return 0.0
        words, emoji_scores = self.emoji.split(text)
        return combined(self.words_score(words), emoji_scores)

    def label(self, text: str) -> Label:
        return to_label(self.score(text))
