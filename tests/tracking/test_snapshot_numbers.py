"""What each snapshot keeps for history: the numbers, when each post was published, and
which numbers the provider could not give (0 in the document, unknown to a reader)."""

from __future__ import annotations

import dataclasses

from codvid.scrapers.providers.demo import synth
from codvid.tracking import results

NOW = 1_780_000_000.0


def test_a_profile_snapshot_keeps_each_post_with_its_publication_time() -> None:
    scraped = synth.profile("snapshot.numbers", NOW, max_posts=6)

    snapshot = results.profile_snapshot(scraped)

    assert "unavailable" not in snapshot
    assert (snapshot["followers"], snapshot["posts_count"]) == (
        scraped.followers,
        scraped.posts_count,
    )
    assert [
        (p["post_id"], p["published_at"], p["likes"], p["comments"], p["plays"], p["views"])
        for p in snapshot["posts"]
    ] == [
        (
            p.post_id,
            p.timestamp,
            p.likes_count,
            p.comments_count,
            p.video_play_count,
            p.video_view_count,
        )
        for p in scraped.posts
    ]
    assert all("unavailable" not in p for p in snapshot["posts"])


def test_numbers_a_provider_could_not_give_are_named_in_the_snapshot() -> None:
    """As the Graph API answers: no plays for any post, no likes for a hidden count, no
    IGTV count (which a snapshot does not keep, so it is not named there either)."""
    scraped = synth.profile("snapshot.unknown", NOW, max_posts=3)
    first, *rest = scraped.posts
    posts = (
        dataclasses.replace(
            first,
            video_play_count=0,
            likes_count=0,
            unavailable=("video_play_count", "likes_count"),
        ),
        *rest,
    )
    scraped = dataclasses.replace(
        scraped, follows_count=0, posts=posts, unavailable=("follows_count", "igtv_video_count")
    )

    snapshot = results.profile_snapshot(scraped)

    assert snapshot["unavailable"] == ["follows_count"]
    assert snapshot["posts"][0]["unavailable"] == ["likes", "plays"]
    assert (snapshot["posts"][0]["likes"], snapshot["posts"][0]["plays"]) == (0, 0)
    assert all("unavailable" not in p for p in snapshot["posts"][1:])


def test_a_reel_snapshot_keeps_its_publication_time_and_what_is_unknown() -> None:
    scraped = synth.reel("SnapReel01", NOW)
    assert "unavailable" not in results.reel_snapshot(scraped)

    graph_like = dataclasses.replace(scraped, plays=0, unavailable=("plays",))
    snapshot = results.reel_snapshot(graph_like)

    assert snapshot == {
        "plays": 0,
        "views": scraped.views,
        "likes": scraped.likes,
        "comments": scraped.comments,
        "published_at": scraped.timestamp,
        "unavailable": ["plays"],
    }
