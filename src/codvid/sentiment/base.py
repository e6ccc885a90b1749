"""The labels a comment can get, the verdict an analyzer gives, and the interface every
analyzer offers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol

Label = Literal["positive", "negative", "neutral"]

LABELS: Final[tuple[Label, ...]] = ("positive", "negative", "neutral")

Source = Literal["vader", "lexicon", "emoji", "unknown"]
"""What scored a comment: VADER (English words, with the emoji), the lexicon of the
comment's language (with the emoji), its emoji alone (no words, or words in a language
without a lexicon), or nothing (``unknown``: words in a language without a lexicon and no
ranked emoji; its label is then ``neutral``, the one the contract's clients can read)."""

NO_WORDS: Final = "zxx"
"""The language of a comment without words (emoji, mentions, punctuation): ISO 639-2's
code for "no linguistic content"."""

UNDETERMINED: Final = "und"
"""ISO 639-2's "undetermined": the language of a comment stored before languages were
detected."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """One comment's label, its language (an ISO 639-1 code, or :data:`NO_WORDS`) and
    what scored it."""

    label: Label
    language: str
    source: Source

    @property
    def known(self) -> bool:
        return self.source != "unknown"


class SentimentAnalyzer(Protocol):
    """Labels comment texts. Implementations are built once and safe to call from any thread."""

    def label(self, text: str) -> Label: ...

    def verdict(self, text: str) -> Verdict: ...

    def label_many(self, texts: Sequence[str]) -> list[Verdict]:
        """Each text's verdict (the scrape pipeline stores them with the comments)."""
        ...

    def ready(self) -> None:
        """Load what labelling needs, if it is not loaded yet (about a second, once): a
        run calls it before its time limit starts, so loading never times a scrape out."""
        ...
