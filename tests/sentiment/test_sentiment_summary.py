from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from codvid.sentiment import counts, summarize


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
