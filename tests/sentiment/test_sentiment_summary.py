from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from codvid.sentiment import by_language, counts, summarize

CONTRACT_KEYS = (
    "total_comments",
    "sentiment_distribution",
    "sentiment_percentages",
    "overall_sentiment",
)


def test_contract_example() -> None:
    labels = ["positive"] * 28 + ["negative"] * 5 + ["neutral"] * 12
    assert summarize(labels) == {
        "total_comments": 45,
        "sentiment_distribution": {"positive": 28, "negative": 5, "neutral": 12},
        "sentiment_percentages": {"positive": 62.2, "negative": 11.1, "neutral": 26.7},
        "overall_sentiment": "positive",
    }


def test_no_comments() -> None:
    assert summarize([]) == {
        "total_comments": 0,
        "sentiment_distribution": {"positive": 0, "negative": 0, "neutral": 0},
        "sentiment_percentages": {"positive": 0.0, "negative": 0.0, "neutral": 0.0},
        "overall_sentiment": "neutral",
    }
    assert counts([]) == {
        "positive": 0,
        "negative": 0,
        "neutral": 0,
        "overall_sentiment": "neutral",
    }


def test_majority_wins() -> None:
    assert summarize(["negative", "negative", "positive"])["overall_sentiment"] == "negative"
    assert counts(["neutral", "positive", "neutral"])["overall_sentiment"] == "neutral"


def test_ties_go_to_neutral_then_positive() -> None:
    assert summarize(["positive", "neutral"])["overall_sentiment"] == "neutral"
    assert summarize(["negative", "neutral"])["overall_sentiment"] == "neutral"
    assert summarize(["positive", "negative", "neutral"])["overall_sentiment"] == "neutral"
    assert summarize(["positive", "negative"])["overall_sentiment"] == "positive"
    assert counts(["negative", "positive", "neutral", "positive", "negative"]) == {
        "positive": 2,
        "negative": 2,
        "neutral": 1,
        "overall_sentiment": "positive",
    }


def test_unknown_labels_count_as_neutral() -> None:
    summary = summarize(["positive", "Positive", "", "mixed"])
    assert summary["sentiment_distribution"] == {"positive": 1, "negative": 0, "neutral": 3}
    assert summary["total_comments"] == 4


def test_counts_for_a_reel() -> None:
    labels = iter(["positive", "positive", "negative", "neutral"])
    assert counts(labels) == {
        "positive": 2,
        "negative": 1,
        "neutral": 1,
        "overall_sentiment": "positive",
    }


def test_one_pass_over_a_generator() -> None:
    summary = summarize(label for label in ["negative", "negative", "neutral"])
    assert summary["total_comments"] == 3
    assert summary["sentiment_percentages"] == {"positive": 0.0, "negative": 66.7, "neutral": 33.3}


labels_strategy = st.lists(
    st.one_of(st.sampled_from(["positive", "negative", "neutral"]), st.text(max_size=3))
)


@given(labels_strategy)
def test_summary_adds_up(labels: list[str]) -> None:
    summary = summarize(labels)
    distribution = summary["sentiment_distribution"]
    percentages = summary["sentiment_percentages"]
    assert set(distribution) == set(percentages) == {"positive", "negative", "neutral"}
    tallies = [distribution["positive"], distribution["negative"], distribution["neutral"]]
    shares = [percentages["positive"], percentages["negative"], percentages["neutral"]]
    assert summary["total_comments"] == sum(tallies) == len(labels)
    assert distribution[summary["overall_sentiment"]] == max(tallies)
    if labels:
        # Each of three shares is rounded to one decimal: off by at most 3 * 0.05.
        assert abs(sum(shares) - 100) <= 0.15 + 1e-9
        assert all(round(share, 1) == share for share in shares)
    else:
        assert shares == [0.0, 0.0, 0.0]


@given(labels_strategy)
def test_counts_match_summary(labels: list[str]) -> None:
    """One counting and overall rule behind both shapes."""
    summary = summarize(labels)
    assert counts(labels) == {
        **summary["sentiment_distribution"],
        "overall_sentiment": summary["overall_sentiment"],
    }


# ---- by language -------------------------------------------------------------------------


def test_by_language_keeps_the_contract_fields_and_breaks_them_down() -> None:
    comments = [
        ("positive", "pt", True),
        ("positive", "pt", True),
        ("negative", "pt", True),
        ("positive", "es", True),
        ("neutral", "am", False),
        ("neutral", "am", False),
        ("positive", "zxx", True),
        ("neutral", "und", True),
    ]
    summary = by_language(comments)
    contract = {key: value for key, value in summary.items() if key in CONTRACT_KEYS}
    assert contract == summarize(c[0] for c in comments)
    assert summary["sentiment_distribution"] == {"positive": 4, "negative": 1, "neutral": 3}
    assert summary["unknown_comments"] == 2
    assert summary["by_language"] == [
        {"language": "pt", "total_comments": 3, "positive": 2, "negative": 1, "neutral": 0,
         "unknown": 0},
        {"language": "am", "total_comments": 2, "positive": 0, "negative": 0, "neutral": 0,
         "unknown": 2},
        {"language": "es", "total_comments": 1, "positive": 1, "negative": 0, "neutral": 0,
         "unknown": 0},
        {"language": "und", "total_comments": 1, "positive": 0, "negative": 0, "neutral": 1,
         "unknown": 0},
        {"language": "zxx", "total_comments": 1, "positive": 1, "negative": 0, "neutral": 0,
         "unknown": 0},
    ]  # fmt: skip


def test_by_language_of_nothing() -> None:
    assert by_language([]) == {**summarize([]), "unknown_comments": 0, "by_language": []}


comment_strategy = st.tuples(
    st.one_of(st.sampled_from(["positive", "negative", "neutral"]), st.text(max_size=3)),
    st.sampled_from(["en", "pt", "am", "zxx", "und"]),
    st.booleans(),
)


@given(st.lists(comment_strategy))
def test_the_breakdown_adds_up(comments: list[tuple[str, str, bool]]) -> None:
    summary = by_language(comments)
    entries = summary["by_language"]
    assert sum(entry["total_comments"] for entry in entries) == summary["total_comments"]
    for entry in entries:
        parts = entry["positive"] + entry["negative"] + entry["neutral"] + entry["unknown"]
        assert parts == entry["total_comments"] > 0
    assert summary["unknown_comments"] == sum(not known for _, _, known in comments)
    totals = [entry["total_comments"] for entry in entries]
    assert totals == sorted(totals, reverse=True)
    assert len({entry["language"] for entry in entries}) == len(entries)
