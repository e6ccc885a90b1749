"""The sentiment summary's breakdown by language over HTTP: ``codvid serve`` with the apify
provider against its local fake vendor (``tests/fakes/apify.py``), a reel whose comments
are in six languages, emoji only, and a language without a lexicon, labelled by hand."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.client import Api, Tracking, User, assert_error
from tests.conftest import TEST_ENV
from tests.fakes.apify import FakeApify, comment_item, post_item
from tests.server import RunningServer, start_server

pytestmark = pytest.mark.anyio

COMMENTS = [
    # text, language, sentiment, known
    ("Amazing, I love this launch!", "en", "positive", True),
    ("This is terrible, I hate it", "en", "negative", True),
    ("que vídeo lindo, muito bom", "pt", "positive", True),
    ("não gostei, muito ruim", "pt", "negative", True),
    ("¿Dónde compraste esa chaqueta?", "es", "neutral", True),
    ("c'est nul, je déteste ça", "fr", "negative", True),
    ("Das ist wirklich nicht gut", "de", "negative", True),
    ("molto bello, complimenti", "it", "positive", True),
    ("🔥🔥🔥", "zxx", "positive", True),
    ("በጣም ቆንጆ ነው", "am", "neutral", False),
    ("വളരെ നല്ലത്", "ml", "neutral", False),
]
CONTRACT_KEYS = {
    "total_comments",
    "sentiment_distribution",
    "sentiment_percentages",
    "overall_sentiment",
}


@pytest.fixture(scope="module")
def apify() -> Iterator[FakeApify]:
    with FakeApify(price_per_item=0.0) as fake:
        yield fake


@pytest.fixture(scope="module")
def server(apify: FakeApify, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    env = {
        **TEST_ENV,
        "CODVID_SCRAPER_PROVIDER": "apify",
        "CODVID_APIFY_TOKEN": apify.token,
        "CODVID_APIFY_API_URL": apify.base_url,
        "CODVID_SCRAPER_STEP_DELAY": "0",
        "CODVID_SCRAPE_BATCH_WINDOW": "0",
        "CODVID_SCHEDULER_ENABLED": "false",
        "CODVID_SCRAPE_MAX_COMMENTS": "20",
        "CODVID_SCRAPER_RATE_LIMIT": "10000/minute",
    }
    data_dir: Path = tmp_path_factory.mktemp("sentiment") / "data"
    with start_server(data_dir, env) as running:
        yield running


@pytest.fixture
async def api(server: RunningServer) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        yield Api(http)


def reel_with_comments(fake: FakeApify) -> str:
    code = f"C{uuid.uuid4().hex[:10]}"
    url = f"https://www.instagram.com/p/{code}/"
    fake.add_post(post_item(code, kind="reel", comments=len(COMMENTS)))
    fake.add_comments(
        code, [comment_item(url, text, likes=index) for index, (text, *_) in enumerate(COMMENTS)]
    )
    return code


async def scraped_reel(api: Api, fake: FakeApify) -> tuple[Tracking, User, str]:
    tracking = Tracking(api)
    user = await api.signup()
    project = await api.create_project(user)
    task_id = await tracking.create_reel(user, project, reel_with_comments(fake))
    started = await tracking.call("POST", "force_scrape_reel", user, task_id)
    assert started.status_code == 200, started.text
    status = await tracking.wait_idle(user, task_id)
    assert status["last_run"]["status"] == "succeeded", status
    return tracking, user, task_id


async def test_the_summary_breaks_the_comments_down_by_language(api: Api, apify: FakeApify) -> None:
    tracking, user, task_id = await scraped_reel(api, apify)

    answer = await tracking.call("GET", "sentiment_summary", user, task_id)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["result"] is True
    summary: dict[str, Any] = body["response"]["sentiment_summary"]
    # The contract's fields, as the original clients read them: unknown comments are the
    # neutral their label says.
    labels = Counter(label for _, _, label, _ in COMMENTS)
    assert summary["total_comments"] == len(COMMENTS)
    assert summary["sentiment_distribution"] == {
        label: labels[label] for label in ("positive", "negative", "neutral")
    }
    assert summary["sentiment_percentages"] == {
        label: round(labels[label] / len(COMMENTS) * 100, 1)
        for label in ("positive", "negative", "neutral")
    }
    assert (labels["positive"], labels["negative"]) == (4, 4)
    assert summary["overall_sentiment"] == "positive"  # a tie goes to positive (contract 7.12)
    assert set(summary) == CONTRACT_KEYS | {"unknown_comments", "by_language"}
    # The breakdown, computed here from the hand labels.
    assert summary["unknown_comments"] == sum(not known for *_, known in COMMENTS)
    expected: dict[str, Counter[str]] = {}
    for _, language, label, known in COMMENTS:
        expected.setdefault(language, Counter())[label if known else "unknown"] += 1
    assert {entry["language"]: entry for entry in summary["by_language"]} == {
        language: {
            "language": language,
            "total_comments": tally.total(),
            "positive": tally["positive"],
            "negative": tally["negative"],
            "neutral": tally["neutral"],
            "unknown": tally["unknown"],
        }
        for language, tally in expected.items()
    }
    totals = [entry["total_comments"] for entry in summary["by_language"]]
    assert totals == sorted(totals, reverse=True)


async def test_the_stored_comments_keep_their_language(api: Api, apify: FakeApify) -> None:
    tracking, user, task_id = await scraped_reel(api, apify)

    answer = await tracking.call("GET", "get_reel_tracking_task", user, task_id)

    assert answer.status_code == 200, answer.text
    comments = answer.json()["response"]["task"]["reel_data"]["top_comments"]
    by_text = {c["text"]: c for c in comments}
    for text, language, label, known in COMMENTS:
        comment = by_text[text]
        assert comment["language"] == language, text
        assert comment["sentiment"] == label, text
        assert (comment["sentiment_source"] != "unknown") is known, text


async def test_a_task_never_scraped_has_an_empty_breakdown(api: Api) -> None:
    tracking, user = Tracking(api), await api.signup()
    project = await api.create_project(user)
    task_id = await tracking.create_reel(user, project)

    answer = await tracking.call("GET", "sentiment_summary", user, task_id)

    assert answer.status_code == 200, answer.text
    summary = answer.json()["response"]["sentiment_summary"]
    assert summary["total_comments"] == 0
    assert summary["unknown_comments"] == 0 and summary["by_language"] == []


async def test_another_users_task_is_not_found(api: Api, apify: FakeApify) -> None:
    tracking, _, task_id = await scraped_reel(api, apify)
    stranger = await api.signup()

    answer = await tracking.call("GET", "sentiment_summary", stranger, task_id)

    assert_error(answer, 404, "Task not found or access denied")
