"""The scraper double with comments in several languages: the demo provider's posts, their
comments rewritten, in turn, into the texts below (each labelled by hand)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Final

from codvid.scrapers import CommentBatch, PostRef
from tests.doubles import ScriptedProvider

MULTILINGUAL: Final[list[tuple[str, str, str, str]]] = [
    # text, language, sentiment, source
    ("I love this so much", "en", "positive", "vader"),
    ("que vídeo lindo, muito bom", "pt", "positive", "lexicon"),
    ("¿Dónde compraste esa chaqueta?", "es", "neutral", "lexicon"),
    ("c'est nul, je déteste ça", "fr", "negative", "lexicon"),
    ("Das ist wirklich nicht gut", "de", "negative", "lexicon"),
    ("molto bello, complimenti", "it", "positive", "lexicon"),
    ("🔥🔥🔥", "zxx", "positive", "emoji"),
    ("በጣም ቆንጆ ነው", "am", "neutral", "unknown"),
]


class MultilingualProvider(ScriptedProvider):
    """Each post's comments take the texts of :data:`MULTILINGUAL` in turn."""

    async def fetch_comments(self, posts: Sequence[PostRef], *, max_comments: int) -> CommentBatch:
        batch = await super().fetch_comments(posts, max_comments=max_comments)
        rewritten = {
            code: tuple(
                dataclasses.replace(comment, text=MULTILINGUAL[index % len(MULTILINGUAL)][0])
                for index, comment in enumerate(comments)
            )
            for code, comments in batch.comments.items()
        }
        return dataclasses.replace(batch, comments=rewritten)
