"""Comments in every language: the detector on short comments, each language's lexicon,
emoji-only comments, languages without a lexicon, and the analyzer's bounds."""

from __future__ import annotations

import random
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest

from codvid.sentiment import NO_WORDS, MultilingualAnalyzer, VaderAnalyzer, Verdict
from codvid.sentiment import lexicons as lexicons_module
from codvid.sentiment.language import SCORED, UNSCORED, LanguageDetector, words
from codvid.sentiment.lexicons import LexiconsMissing, available, load_lexicons
from codvid.sentiment.vader import MAX_CHARS
from tests.sentiment.corpus import EMOJI_ONLY, LABELLED, UNSUPPORTED


@pytest.fixture(scope="module")
def analyzer() -> MultilingualAnalyzer:
    return MultilingualAnalyzer()


def _share(hits: int, total: int) -> float:
    return hits / total


# ---- the detector ------------------------------------------------------------------------


def test_the_detector_names_the_language_of_short_comments() -> None:
    detector = LanguageDetector()
    right: dict[str, list[bool]] = defaultdict(list)
    for language, text, _ in LABELLED:
        right[language].append(detector.detect(text) == language)
    overall = _share(sum(sum(hits) for hits in right.values()), len(LABELLED))
    assert overall >= 0.9, overall
    for language, hits in right.items():
        assert _share(sum(hits), len(hits)) >= 0.8, (language, hits)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Where did you buy that jacket?", "en"),
        ("Onde você comprou essa jaqueta?", "pt"),
        ("¿Dónde compraste esa chaqueta?", "es"),
        ("Où as-tu acheté cette veste ?", "fr"),
        ("Wo hast du diese Jacke gekauft?", "de"),
        ("Dove hai comprato questa giacca?", "it"),
    ],
)
def test_one_question_in_six_languages(text: str, language: str) -> None:
    assert LanguageDetector().detect(text) == language


def test_mentions_hashtags_and_links_are_not_words() -> None:
    assert words("@joao_silva que LINDO #love https://t.co/x1 www.loja.com 10/10") == [
        "que",
        "lindo",
    ]
    detector = LanguageDetector()
    assert detector.detect("@maria_silva @joao #love https://example.com/p/1") == NO_WORDS
    assert detector.detect("😍😍 🔥 !!! 100") == NO_WORDS
    assert detector.detect("") == NO_WORDS


def test_every_scored_language_but_english_has_a_lexicon_installed() -> None:
    assert SCORED - {"en"} <= available()
    assert not SCORED & UNSCORED


# ---- the analyzer ------------------------------------------------------------------------


def test_hand_labelled_comments_in_six_languages(analyzer: MultilingualAnalyzer) -> None:
    right: dict[str, list[bool]] = defaultdict(list)
    for language, text, label in LABELLED:
        right[language].append(analyzer.label(text) == label)
    assert set(right) == {"en", "pt", "es", "fr", "de", "it"}
    overall = _share(sum(sum(hits) for hits in right.values()), len(LABELLED))
    assert overall >= 0.85, overall
    for language, hits in right.items():
        assert _share(sum(hits), len(hits)) >= 0.8, (language, hits)


def test_vader_alone_misses_most_comments_in_other_languages() -> None:
    """What the lexicons are for: VADER reads most of these as neutral."""
    vader = VaderAnalyzer()
    foreign = [(text, label) for language, text, label in LABELLED if language != "en"]
    hits = sum(vader.label(text) == label for text, label in foreign)
    assert _share(hits, len(foreign)) <= 0.5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I love it", Verdict("positive", "en", "vader")),
        ("que lindo", Verdict("positive", "pt", "lexicon")),
        ("não gostei", Verdict("negative", "pt", "lexicon")),
        ("muito ruim", Verdict("negative", "pt", "lexicon")),
        ("no es bueno", Verdict("negative", "es", "lexicon")),
        ("c'est nul", Verdict("negative", "fr", "lexicon")),
        ("nicht gut", Verdict("negative", "de", "lexicon")),
        ("das ist gut", Verdict("positive", "de", "lexicon")),
        ("molto bello", Verdict("positive", "it", "lexicon")),
    ],
)
def test_verdicts(analyzer: MultilingualAnalyzer, text: str, expected: Verdict) -> None:
    assert analyzer.verdict(text) == expected


def test_a_negator_flips_the_words_after_it(analyzer: MultilingualAnalyzer) -> None:
    portuguese = analyzer.lexicons["pt"]
    assert portuguese.score([["bom"]]) > 0 > portuguese.score([["não", "bom"]])
    assert portuguese.score([["não", "muito", "bom"]]) < 0  # intensifiers carry nothing
    assert portuguese.score([["não", "a", "b", "c", "bom"]]) > 0  # out of its reach
    assert portuguese.score([["não"], ["bom"]]) > 0  # nor past its clause
    assert portuguese.score([["cadeira"]]) == 0.0
    assert analyzer.label("não gostei, muito ruim") == "negative"


@pytest.mark.parametrize(("text", "label"), EMOJI_ONLY)
def test_emoji_only_comments_have_no_language(
    analyzer: MultilingualAnalyzer, text: str, label: str
) -> None:
    assert analyzer.verdict(text) == Verdict(label, NO_WORDS, "emoji")  # type: ignore[arg-type]


@pytest.mark.parametrize(("language", "text"), UNSUPPORTED)
def test_a_language_without_a_lexicon_is_unknown_not_guessed(
    analyzer: MultilingualAnalyzer, language: str, text: str
) -> None:
    verdict = analyzer.verdict(text)
    assert verdict == Verdict("neutral", language, "unknown")
    assert not verdict.known


def test_its_emoji_still_count(analyzer: MultilingualAnalyzer) -> None:
    assert analyzer.verdict("በጣም ቆንጆ ነው 😍") == Verdict("positive", "am", "emoji")
    assert analyzer.verdict("かわいい 🤮").label == "negative"


def test_emoji_move_a_lexicon_score(analyzer: MultilingualAnalyzer) -> None:
    assert analyzer.label("que vídeo chato") == "negative"
    assert analyzer.label("que vídeo chato 😍😍😍") == "positive"


def test_label_many_gives_each_texts_verdict(analyzer: MultilingualAnalyzer) -> None:
    texts = ["I love it", "não gostei", "", "🔥", "かわいい"]
    assert analyzer.label_many(texts) == [analyzer.verdict(text) for text in texts]
    assert analyzer.label_many([]) == []


def test_concurrent_calls_agree_with_sequential(analyzer: MultilingualAnalyzer) -> None:
    texts = [text for _, text, _ in LABELLED] * 5
    expected = analyzer.label_many(texts)
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(analyzer.verdict, texts)) == expected


# ---- bounds ------------------------------------------------------------------------------


def test_only_the_start_of_a_long_comment_is_read(analyzer: MultilingualAnalyzer) -> None:
    start = "que vídeo lindo, muito bom "
    padded = start * (MAX_CHARS // len(start) + 1)
    assert analyzer.verdict(padded).label == "positive"
    assert analyzer.verdict(padded + " ruim, péssimo, horrível, chato" * 50).label == "positive"
    assert analyzer.verdict(" ruim, péssimo, horrível, chato" * 50).label == "negative"


HOSTILE = {
    "words": lambda: "péssimo horrível " * 700_000,  # 12 MB of words
    "emoji": lambda: "😡" * 3_000_000,
    "random-unicode": lambda: "".join(
        chr(random.Random(7).randrange(0x20, 0x2FFF)) for _ in range(200_000)
    ),
    "one-letter": lambda: "a" * 5_000_000,
    "combining-marks": lambda: "\u0301" * 1_000_000 + "bom",
    "mentions": lambda: "@" * 1_000_000,
    "no-spaces": lambda: "ãé" * 2_000_000,
}


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_huge_or_hostile_comment_stays_bounded(
    analyzer: MultilingualAnalyzer, hostile: str
) -> None:
    text = HOSTILE[hostile]()
    started = time.perf_counter()
    verdict = analyzer.verdict(text)
    assert time.perf_counter() - started < 0.5
    assert verdict.label in {"positive", "negative", "neutral"}


def test_a_few_thousand_comments_a_second(analyzer: MultilingualAnalyzer) -> None:
    texts = [text for _, text, _ in LABELLED] + [text for text, _ in EMOJI_ONLY]
    batch = (texts * (3000 // len(texts) + 1))[:3000]
    started = time.perf_counter()
    analyzer.label_many(batch)
    rate = len(batch) / (time.perf_counter() - started)
    assert rate >= 1000, f"{rate:.0f} comments/s"


# ---- the lexicon files -------------------------------------------------------------------


def test_lexicons_are_read_from_the_installed_distribution() -> None:
    loaded = load_lexicons(["pt", "fr", "xx-none"])
    assert set(loaded) == {"pt", "fr"}
    assert loaded["pt"].polarity["ruim"] == -1
    assert loaded["fr"].polarity["magnifique"] == 1
    # Words the automatic lexicon marks but that carry nothing, and negators, are left out.
    assert "très" not in loaded["fr"].polarity and "pas" not in loaded["fr"].polarity


def test_a_missing_distribution_is_said_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexicons_module, "DISTRIBUTION", "codvid-no-such-distribution")
    with pytest.raises(LexiconsMissing, match="codvid-no-such-distribution"):
        load_lexicons(["pt"])


def test_spacy_is_never_imported() -> None:
    """The lexicons come from asent's files, not its code, so spaCy stays out of memory."""
    import subprocess
    import sys

    script = (
        "import sys; from codvid.sentiment import MultilingualAnalyzer; "
        "MultilingualAnalyzer().verdict('que lindo'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'spacy', 'asent', 'thinc'}))"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert found.stdout.strip() == "[]"
