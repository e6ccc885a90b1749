"""A comment's language, offline: py3langid's naive Bayes model over byte n-grams, which
ships inside its wheel (nothing is downloaded).

The model knows 97 languages, but on comments of two or three words the more languages it
may choose from, the more it errs (Portuguese read as Galician or Latin); so it chooses
among the languages Instagram comments are written in. Those without a lexicon are kept
in the set on purpose: a comment in Amharic must be recognised as Amharic, and so marked
unknown, rather than forced into the nearest language that has a lexicon.

Before detection, what is not a word goes: emoji, digits, punctuation, @mentions,
#hashtags (usually English whatever the comment's language) and links. A comment with no
word left has no language (:data:`~codvid.sentiment.base.NO_WORDS`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from py3langid.langid import (  # type: ignore[import-untyped]
    MODEL_DIR,
    MODEL_FILE,
    LanguageIdentifier,
)
from py3langid.modelio import load_model  # type: ignore[import-untyped]

from codvid.sentiment.base import NO_WORDS


def codes(text: str) -> frozenset[str]:
    """Codes (or words) written as one string, separated by spaces."""
    return frozenset(text.split())


SCORED: Final = codes(
    "af ar az bg bn ca cs da de el en es et fa fi fr gu he hi hr hu hy id it ka kn ko lt lv "
    "mr ms nl no pl pt ro ru sk sl sq sr sv sw ta te tl tr uk ur vi"
)
"""Languages detected and scored: English by VADER, the others by their lexicon."""

UNSCORED: Final = codes("am ja km ml my ne pa si th zh")
"""Languages detected but not scored: no lexicon, or (Chinese, Japanese, Thai, Khmer,
Burmese) their words are not separated by spaces, which a word lexicon needs. Each has a
script of its own, so it is told apart even in two words; Latin-script languages without
a lexicon (Yoruba, Hausa, Javanese) are left out, since in short comments they would
take Italian or Indonesian ones."""

_NOISE: Final = re.compile(r"https?://\S+|www\.\S+|[@#][\w.]+")
_WORD: Final = re.compile(r"[^\W\d_]+")
_CLAUSE_END: Final = re.compile(r"[.,;:!?¡¿()\n]+")


def words(text: str) -> list[str]:
    """The lower-case words of a comment, without mentions, hashtags and links."""
    return _WORD.findall(_NOISE.sub(" ", text).lower())


def clauses(text: str) -> list[list[str]]:
    """The words of a comment, by clause (cut at punctuation)."""
    return [words(clause) for clause in _CLAUSE_END.split(_NOISE.sub(" ", text))]


class LanguageDetector:
    """Slow to build (decompresses the model, about half a second); read-only afterwards,
    so any number of threads may call it."""

    def __init__(self, languages: Iterable[str] = SCORED | UNSCORED) -> None:
        self._identifier = _identifier(frozenset(languages))

    def detect(self, text: str) -> str:
        """The ISO 639-1 code of the language of ``text`` (a comment, or its words)."""
        found = words(text)
        return self.detect_words(found) if found else NO_WORDS

    def detect_words(self, found: list[str]) -> str:
        """The language of words :func:`words` found (at least one)."""
        language, _ = self._identifier.classify(" ".join(found))
        return str(language)


def _identifier(languages: frozenset[str]) -> LanguageIdentifier:
    """The model restricted to ``languages`` and nothing more: its own
    ``set_languages`` would keep the whole model beside the subset (27 MB more per
    process)."""
    ptc, pc, classes, nextmove, row, output = load_model(MODEL_DIR / MODEL_FILE)
    unknown = languages - set(classes)
    if unknown:
        raise ValueError(f"the language model does not know {sorted(unknown)}")
    kept = [index for index, code in enumerate(classes) if code in languages]
    return LanguageIdentifier(
        ptc[:, kept],  # numpy arrays: indexing by a list copies just these columns
        pc[kept],
        [classes[index] for index in kept],
        nextmove,
        output,
        tk_row=row,
    )
