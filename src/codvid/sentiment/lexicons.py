"""Word lexicons of languages other than English, read from the installed ``asent``
distribution's data files.

The files are Chen and Skiena's (2014) lexicons, "Building Sentiment Lexicons for All
Major Languages" (ACL 2014): words marked +1 or -1, built automatically by propagating
English lexicons through a graph of translations. They are read where pip installed them
(``importlib.metadata``), without importing ``asent``, so spaCy, which asent's own code
needs, is never loaded. They are GPL-licensed data, which is why this repository depends
on the package instead of carrying copies.

The lexicons know single words, no intensity and no negation, so a language here gets a
short list of its negators (ours): a negator flips the polarity of the words right after
it, up to the end of its clause ("não gostei" is negative). Being built automatically,
the lexicons also mark some of the most frequent words, which carry no sentiment of
their own: intensifiers, auxiliaries, prepositions ("très" -1, "muito" +1, "in" -1). For
the languages most seen in comments those are listed (ours) and left out, so that
"muito ruim" stays negative.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from types import MappingProxyType
from typing import Final

from codvid.sentiment.language import codes

DISTRIBUTION: Final = "asent"
_PREFIX: Final = "asent/lexicons/"
_SUFFIX: Final = "_lexicon_chen_skiena_2014_v1.txt"

# VADER's normalisation of a sum of word scores into (-1, 1), so that both kinds of
# lexicon give scores on one scale.
ALPHA: Final = 15.0
NEGATION_REACH: Final = 3
"""How many words after a negator it flips."""

NEGATORS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "pt": frozenset({"não", "nao", "nunca", "nem", "jamais", "nada"}),
        "es": frozenset({"no", "nunca", "ni", "jamás", "tampoco"}),
        "fr": frozenset({"ne", "n", "pas", "jamais", "ni", "aucun", "aucune"}),
        "de": frozenset({"nicht", "kein", "keine", "keinen", "keiner", "nie", "niemals"}),
        "it": frozenset({"non", "mai", "né", "nessuno", "niente"}),
        "nl": frozenset({"niet", "geen", "nooit"}),
        "ro": frozenset({"nu", "niciodată"}),
        "ca": frozenset({"no", "mai", "ni"}),
        "pl": frozenset({"nie", "nigdy"}),
        "sv": frozenset({"inte", "aldrig", "ingen"}),
        "no": frozenset({"ikke", "aldri", "ingen"}),
        "da": frozenset({"ikke", "aldrig", "ingen"}),
        "id": frozenset({"tidak", "tak", "bukan", "gak", "nggak", "enggak"}),
        "ms": frozenset({"tidak", "tak", "bukan"}),
        "tl": frozenset({"hindi", "di"}),
        "tr": frozenset({"değil", "yok"}),
        "ru": frozenset({"не", "нет", "никогда"}),
        "uk": frozenset({"не", "ні", "ніколи"}),
    }
)

NEUTRAL: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "pt": codes("muito mais demais tão como ser são já tipo bem"),
        "es": codes("muy mucho más tan como pues poco"),
        "fr": codes("très trop plus tout sur peu si"),
        "de": codes("sehr mehr ganz nach oder hast nur einfach so"),
        "it": codes("molto troppo più tanto così in solo quasi"),
    }
)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """One language's word polarities (lower-case) and negators. Read-only."""

    language: str
    polarity: Mapping[str, int]
    negators: frozenset[str]

    def score(self, clauses: Iterable[Iterable[str]]) -> float:
        """The score in (-1, 1) of a comment's clauses (its words, cut at punctuation: a
        negator's reach ends with its clause); 0.0 when no word is in the lexicon."""
        total = 0
        for words in clauses:
            flip = 0
            for word in words:
                if word in self.negators:
                    flip = NEGATION_REACH
                    continue
                polarity = self.polarity.get(word, 0)
                if flip:
                    polarity, flip = -polarity, flip - 1
                total += polarity
        return total / math.sqrt(total * total + ALPHA) if total else 0.0


class LexiconsMissing(RuntimeError):
    """The ``asent`` distribution, or its lexicon files, is not installed."""


def _files() -> dict[str, metadata.PackagePath]:
    try:
        files = metadata.distribution(DISTRIBUTION).files
    except metadata.PackageNotFoundError as exc:
        raise LexiconsMissing(f"the {DISTRIBUTION} package is not installed") from exc
    found = {
        name.removeprefix(_PREFIX).removesuffix(_SUFFIX): path
        for path in files or ()
        if (name := path.as_posix()).startswith(_PREFIX) and name.endswith(_SUFFIX)
    }
    if not found:
        raise LexiconsMissing(f"the {DISTRIBUTION} package lists no lexicon files")
    return found


def _parse(language: str, text: str) -> Lexicon:
    negators = NEGATORS.get(language, frozenset())
    left_out = negators | NEUTRAL.get(language, frozenset())
    polarity: dict[str, int] = {}
    for line in text.splitlines():
        word, _, value = line.partition("\t")
        word = word.strip().lower()
        sign = value.strip()[:1]
        # A word listed twice (in two capitalisations) keeps its first, more frequent, entry.
        if word and sign in {"1", "-"} and word not in left_out and word not in polarity:
            polarity[word] = -1 if sign == "-" else 1
    return Lexicon(language, MappingProxyType(polarity), negators)


def load_lexicons(languages: Iterable[str]) -> Mapping[str, Lexicon]:
    """The lexicons of those of ``languages`` that have one. Slow (reads files): call once."""
    files = _files()
    return MappingProxyType(
        {
            language: _parse(language, files[language].read_text(encoding="utf-8"))
            for language in languages
            if language in files
        }
    )


def available() -> frozenset[str]:
    """Every language the installed lexicon files cover."""
    return frozenset(_files())
