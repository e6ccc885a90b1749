"""Emoji sentiment scores from the Emoji Sentiment Ranking v1.0.

Kralj Novak, Smailović, Sluban, Mozetič (2015), "Sentiment of Emojis", PLoS ONE
10(12): e0144296; data CC BY-SA 4.0, shipped offline by the ``emoji-sentiment`` package.
The ranking counts how often each emoji appeared in negative, neutral and positive tweets;
its score is P(positive) - P(negative), in [-1, 1].
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from emoji_sentiment import EmojiSentiment  # type: ignore[import-untyped]

# Emoji seen fewer times than this carry noise, not sentiment (several clock faces score
# -1.0 from a single tweet).
MIN_OCCURRENCES: Final = 5

# Common emoji released after the 2015 data set. Each borrows the score of the ranked
# emoji it is used like; these pairings are ours, not the paper's.
BORROWED: Final[Mapping[str, str]] = MappingProxyType(
    {
        "🤣": "😂",  # rolling on the floor laughing <- tears of joy
        "🥰": "😍",  # smiling face with hearts <- heart eyes
        "🤩": "😍",  # star-struck <- heart eyes
        "🥳": "🎉",  # partying face <- party popper
        "🤗": "😊",  # hugging face <- smiling eyes
        "🙂": "😊",  # slightly smiling face <- smiling eyes
        "🤤": "😋",  # drooling face <- savouring food
        "🖤": "❤",  # black heart <- red heart
        "🧡": "❤",  # orange heart <- red heart
        "🤍": "❤",  # white heart <- red heart
        "🫶": "❤",  # heart hands <- red heart
        "🙄": "😒",  # rolling eyes <- unamused
        "🤬": "😠",  # cursing face <- angry face
        "🤢": "😷",  # nauseated face <- sick face (medical mask)
        "🤮": "😷",  # vomiting face <- sick face (medical mask)
    }
)


def _smoothed(score: float, occurrences: int) -> float:
    # The paper estimates the label distribution with Laplace's rule, (n_c + 1) / (N + 3);
    # for the score difference that is score * N / (N + 3).
    return score * occurrences / (occurrences + 3)


def load_emoji_lexicon() -> Mapping[str, float]:
    """Single-character emoji -> score. Slow (reads the ranking); call once."""
    scores: dict[str, float] = {
        str(entry.char): _smoothed(float(entry.score), int(entry.samples))
        for entry in EmojiSentiment().all
        if int(entry.samples) >= MIN_OCCURRENCES
    }
    for emoji, ranked in BORROWED.items():
        scores[emoji] = scores[ranked]
    return MappingProxyType(scores)
