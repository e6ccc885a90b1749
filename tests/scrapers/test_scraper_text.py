import pytest

from codvid.scrapers import parse_hashtags, parse_mentions


def test_hashtags_are_bare_words_in_order() -> None:
    caption = "Morning run #Fitness #running\n\n#gymlife and #fitness again"
    assert parse_hashtags(caption) == ["Fitness", "running", "gymlife"]


def test_mentions_are_bare_lowercase_usernames_in_order() -> None:
    caption = "Shot with @Maya.Bakes and @leo_runs, thanks @maya.bakes!"
    assert parse_mentions(caption) == ["maya.bakes", "leo_runs"]


def test_mention_at_end_of_sentence_drops_the_dot() -> None:
    assert parse_mentions("Thanks @maya.") == ["maya"]


@pytest.mark.parametrize("caption", [None, "", "no tags here", "#1 fan #2024"])
def test_no_hashtags(caption: str | None) -> None:
    assert parse_hashtags(caption) == []


def test_unicode_hashtags() -> None:
    assert parse_hashtags("#café #日本 #new_music") == ["café", "日本", "new_music"]


def test_urls_entities_and_emails_are_not_tags() -> None:
    caption = "see https://example.com/page#top it&#39;s mail me@example.com"
    assert parse_hashtags(caption) == []
    assert parse_mentions(caption) == []


def test_no_mentions() -> None:
    assert parse_mentions(None) == []
    assert parse_mentions("@ alone and @.") == []
