"""English comments: VADER with the emoji ranking (what the multilingual analyzer uses for
English words)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from codvid.sentiment import (
    MultilingualAnalyzer,
    OnFirstUse,
    SentimentAnalyzer,
    VaderAnalyzer,
    get_analyzer,
)
from codvid.sentiment.vader import MAX_CHARS


@pytest.fixture(scope="module")
def analyzer() -> VaderAnalyzer:
    return VaderAnalyzer()


@pytest.mark.parametrize(
    "text",
    ["I love this, amazing video!", "So beautiful, great work", "This made my day, thank you"],
)
def test_positive_comments(analyzer: VaderAnalyzer, text: str) -> None:
    assert analyzer.label(text) == "positive"


@pytest.mark.parametrize(
    "text",
    ["This is terrible and boring", "I hate this so much", "Worst reel ever, total scam"],
)
def test_negative_comments(analyzer: VaderAnalyzer, text: str) -> None:
    assert analyzer.label(text) == "negative"


@pytest.mark.parametrize(
    "text", ["Where was this filmed?", "First!", "The video is 30 seconds long"]
)
def test_neutral_comments(analyzer: VaderAnalyzer, text: str) -> None:
    assert analyzer.label(text) == "neutral"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("🔥🔥🔥", "positive"),
        ("❤️", "positive"),
        ("👏👏", "positive"),
        ("🥰", "positive"),
        ("😡", "negative"),
        ("🤮", "negative"),
        ("👎", "negative"),
        ("💩", "negative"),
    ],
)
def test_emoji_only_comments(analyzer: VaderAnalyzer, text: str, expected: str) -> None:
    assert analyzer.label(text) == expected


def test_fire_is_not_scored_by_vaders_emoji_names(analyzer: VaderAnalyzer) -> None:
    # VADER alone reads 🔥 as the word "fire", which it rates negative.
    assert analyzer.score("🔥") > 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Where is this? 😍😍", "positive"),
        ("I hate it 👎", "negative"),
        ("Great video 👏", "positive"),
        ("This is awful 🤮", "negative"),
    ],
)
def test_text_with_emoji(analyzer: VaderAnalyzer, text: str, expected: str) -> None:
    assert analyzer.label(text) == expected


def test_emoji_moves_the_score_of_sentimental_text(analyzer: VaderAnalyzer) -> None:
    assert analyzer.score("nice 😡") < analyzer.score("nice") < analyzer.score("nice 😍")


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_neutral(analyzer: VaderAnalyzer, text: str) -> None:
    assert analyzer.label(text) == "neutral"
    assert analyzer.score(text) == 0.0


def test_only_the_start_of_a_long_comment_is_read(analyzer: VaderAnalyzer) -> None:
    assert analyzer.label("x" * MAX_CHARS + " I hate this, terrible!") == "neutral"


def test_huge_comment_is_fast(analyzer: VaderAnalyzer) -> None:
    huge = "awful terrible bad " * 500_000
    started = time.perf_counter()
    assert analyzer.label(huge) == "negative"
    assert time.perf_counter() - started < 1.0


def test_concurrent_calls_agree_with_sequential(analyzer: VaderAnalyzer) -> None:
    texts = ["I love it 😍", "I hate it 😡", "ok then", "🤮", "Where?"] * 40
    expected = [analyzer.label(text) for text in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(analyzer.label, texts))
    assert results == expected


def test_get_analyzer_is_cached_and_satisfies_the_protocol() -> None:
    first = get_analyzer()
    assert first is get_analyzer()
    assert isinstance(first, MultilingualAnalyzer)
    typed: SentimentAnalyzer = first
    assert typed.label("I love it") == "positive"


def test_a_workers_analyzer_is_built_by_the_first_comment_not_at_start() -> None:
    get_analyzer.cache_clear()
    lazy = OnFirstUse()
    assert get_analyzer.cache_info().currsize == 0  # nothing loaded yet

    with ThreadPoolExecutor(4) as pool:
        verdicts = list(pool.map(lazy.verdict, ["I love it", "Adorei demais ❤️"] * 4))

    assert get_analyzer.cache_info().currsize == 1
    assert {v.label for v in verdicts} == {"positive"}
    assert lazy.label_many(["terrible, I hate it"])[0].label == "negative"
