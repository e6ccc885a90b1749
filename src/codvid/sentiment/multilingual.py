"""Comment sentiment in every language: detect the comment's language, score its words
with that language's lexicon, and its emoji with the Emoji Sentiment Ranking.

- English words: VADER (:mod:`.vader`); another language with a lexicon: its lexicon
  (:mod:`.lexicons`). Either way the rule of :mod:`.vader` combines the words' score with
  the emoji's and sets the label.
- No words (emoji only, mentions, punctuation): the emoji alone.
- Words in a language without a lexicon: the emoji alone when there are ranked emoji,
  else the sentiment is unknown, never a guess. Its label is ``neutral``, the one the
  contract's clients read, and its verdict says ``unknown``.

Only the first ``max_chars`` characters are read, so a huge or hostile comment costs
the same as a long ordinary one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from codvid.sentiment.base import NO_WORDS, Label, Source, Verdict
from codvid.sentiment.language import SCORED, UNSCORED, LanguageDetector, clauses
from codvid.sentiment.lexicons import Lexicon, load_lexicons
from codvid.sentiment.vader import MAX_CHARS, VaderAnalyzer, combined, to_label


class MultilingualAnalyzer:
    """Slow to build (the detector's model, VADER, the emoji ranking and every lexicon,
    about a second), so built once per process; read-only afterwards, so any number of
    threads may call it."""

    def __init__(self, max_chars: int = MAX_CHARS) -> None:
        self._max_chars = max_chars
        self._vader = VaderAnalyzer(max_chars)
        self._detector = LanguageDetector(SCORED | UNSCORED)
        self.lexicons: Mapping[str, Lexicon] = load_lexicons(SCORED - {"en"})

    def verdict(self, text: str) -> Verdict:
        text = text[: self._max_chars]
        rest, emoji_scores = self._vader.emoji.split(text)
        parts = clauses(rest)
        found = [word for part in parts for word in part]
        language = self._detector.detect_words(found) if found else NO_WORDS
        source: Source
        if language == NO_WORDS:
            score, source = combined(0.0, emoji_scores), "emoji"
        elif language == "en":
            score, source = combined(self._vader.words_score(rest), emoji_scores), "vader"
        elif (lexicon := self.lexicons.get(language)) is not None:
            score, source = combined(lexicon.score(parts), emoji_scores), "lexicon"
        elif emoji_scores:
            score, source = combined(0.0, emoji_scores), "emoji"
        else:
            score, source = 0.0, "unknown"
        return Verdict(to_label(score), language, source)

    def label(self, text: str) -> Label:
        return self.verdict(text).label

    def ready(self) -> None:
        """Loaded when built."""

    def label_many(self, texts: Sequence[str]) -> list[Verdict]:
        return [self.verdict(text) for text in texts]
