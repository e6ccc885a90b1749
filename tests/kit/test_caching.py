"""The bounded cache keeps the most recently used values and no more."""

from __future__ import annotations

import pytest

from codvid.kit.caching import RecentlyUsed


def test_the_least_recently_used_value_goes_first() -> None:
    cache: RecentlyUsed[str, int] = RecentlyUsed(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2


def test_a_value_put_again_is_replaced_not_repeated() -> None:
    cache: RecentlyUsed[str, int] = RecentlyUsed(2)
    cache.put("a", 1)
    cache.put("a", 5)
    assert cache.get("a") == 5 and len(cache) == 1


def test_the_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        RecentlyUsed(0)
