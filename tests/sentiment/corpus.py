"""Short Instagram-style comments labelled by hand: language (ISO 639-1) and sentiment.

Written for these tests, in the style of real comments (two to six words, emoji, slang);
each label is what a reader of that language would say, not what any analyzer says.
"""

from __future__ import annotations

from typing import Final

LABELLED: Final[list[tuple[str, str, str]]] = [
    # English
    ("en", "I love this so much 😍", "positive"),
    ("en", "omg this is amazing", "positive"),
    ("en", "worst video ever", "negative"),
    ("en", "where did you buy that?", "neutral"),
    ("en", "this made my day ❤️", "positive"),
    ("en", "not funny at all", "negative"),
    ("en", "you look great", "positive"),
    ("en", "this is so boring", "negative"),
    ("en", "what song is this?", "neutral"),
    ("en", "ugly and overpriced", "negative"),
    # Portuguese
    ("pt", "que lindo 😍", "positive"),
    ("pt", "muito bom, parabéns!", "positive"),
    ("pt", "não gostei", "negative"),
    ("pt", "muito ruim esse vídeo", "negative"),
    ("pt", "onde você comprou?", "neutral"),
    ("pt", "maravilhosa 🔥", "positive"),
    ("pt", "que vídeo chato", "negative"),
    ("pt", "kkkkk muito engraçado", "positive"),
    ("pt", "péssimo atendimento", "negative"),
    ("pt", "que tristeza", "negative"),
    ("pt", "obrigada pela dica", "positive"),
    # Spanish
    ("es", "qué bonito", "positive"),
    ("es", "muy malo", "negative"),
    ("es", "qué asco", "negative"),
    ("es", "dónde lo compraste?", "neutral"),
    ("es", "precioso 🔥", "positive"),
    ("es", "no me gustó nada", "negative"),
    ("es", "gracias por compartir", "positive"),
    ("es", "eres la mejor", "positive"),
    ("es", "qué horrible", "negative"),
    ("es", "qué triste", "negative"),
    ("es", "me encanta 😍", "positive"),
    # French
    ("fr", "trop beau 😍", "positive"),
    ("fr", "c'est nul", "negative"),
    ("fr", "magnifique !", "positive"),
    ("fr", "tu es trop belle", "positive"),
    ("fr", "merci beaucoup", "positive"),
    ("fr", "je déteste ça", "negative"),
    ("fr", "où as-tu acheté ça ?", "neutral"),
    ("fr", "superbe photo", "positive"),
    ("fr", "très décevant", "negative"),
    ("fr", "c'est génial", "positive"),
    # German
    ("de", "wunderschön 😍", "positive"),
    ("de", "das ist toll", "positive"),
    ("de", "sehr schlecht", "negative"),
    ("de", "ich liebe es", "positive"),
    ("de", "einfach nur hässlich", "negative"),
    ("de", "wo hast du das gekauft?", "neutral"),
    ("de", "das ist furchtbar", "negative"),
    ("de", "richtig gut gemacht", "positive"),
    ("de", "du bist so schön", "positive"),
    ("de", "nicht gut", "negative"),
    # Italian
    ("it", "bellissimo 😍", "positive"),
    ("it", "molto bello", "positive"),
    ("it", "fantastico!", "positive"),
    ("it", "che brutto", "negative"),
    ("it", "dove l'hai comprato?", "neutral"),
    ("it", "che meraviglia", "positive"),
    ("it", "troppo carino", "positive"),
    ("it", "che noia", "negative"),
    ("it", "orribile", "negative"),
    ("it", "non mi piace", "negative"),
]
"""Comments in six languages with a lexicon (English: VADER)."""

EMOJI_ONLY: Final[list[tuple[str, str]]] = [
    ("🔥🔥🔥", "positive"),
    ("😍😍", "positive"),
    ("❤️", "positive"),
    ("👏👏👏", "positive"),
    ("🥰", "positive"),
    ("😡", "negative"),
    ("👎👎", "negative"),
    ("🤮", "negative"),
    ("@maria_silva", "neutral"),
    ("!!!", "neutral"),
]
"""Comments without words: no language (zxx), scored by their emoji."""

UNSUPPORTED: Final[list[tuple[str, str]]] = [
    ("am", "በጣም ቆንጆ ነው"),
    ("ml", "വളരെ നല്ലത്"),
    ("si", "ගොඩක් ලස්සනයි"),
    ("my", "အရမ်းလှတယ်"),
    ("ja", "かわいい"),
    ("pa", "ਬਹੁਤ ਵਧੀਆ ਜੀ"),
]
"""Comments (all kind ones) in languages without a usable lexicon: unknown, not guessed."""
