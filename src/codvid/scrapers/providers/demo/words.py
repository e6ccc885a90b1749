"""Word lists the demo provider builds its synthetic accounts, captions and comments from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Niche:
    """What an account posts about; chosen by a keyword in the username, if any."""

    keywords: tuple[str, ...]
    bio: tuple[str, ...]
    captions: tuple[str, ...]
    hashtags: tuple[str, ...]


NICHES: tuple[Niche, ...] = (
    Niche(
        keywords=("bak", "cook", "food", "eat", "chef", "kitchen"),
        bio=("Home baker", "Sourdough nerd", "Recipes that actually work"),
        captions=(
            "Sunday sourdough, finally got that open crumb",
            "Three ingredients, ten minutes, zero regrets",
            "Testing a new cinnamon roll recipe",
            "Baking fail turned into breakfast",
        ),
        hashtags=("baking", "sourdough", "homemade", "foodie", "recipe", "breadtok"),
    ),
    Niche(
        keywords=("travel", "trip", "world", "wander", "explore"),
        bio=("Travel storyteller", "42 countries and counting", "Slow travel, big views"),
        captions=(
            "Sunrise from the ridge, worth the 4am alarm",
            "Hidden beach nobody talks about",
            "Street food tour, part two",
            "Packing list for two weeks with one bag",
        ),
        hashtags=("travel", "wanderlust", "travelgram", "roadtrip", "explore", "backpacking"),
    ),
    Niche(
        keywords=("run", "fit", "gym", "coach", "sport"),
        bio=("Coach and runner", "Strength over aesthetics", "Training plans in the link"),
        captions=(
            "Leg day, no excuses",
            "Five moves for a stronger core",
            "Marathon week recap",
            "Mobility routine I do every morning",
        ),
        hashtags=("fitness", "workout", "running", "gymlife", "training", "healthy"),
    ),
    Niche(
        keywords=("tech", "code", "dev", "gadget", "geek"),
        bio=("Gadget reviews", "Software engineer", "Honest takes on tech"),
        captions=(
            "Is this the best budget phone this year?",
            "My desk setup, updated",
            "Three apps I use every single day",
            "Unboxing the new headphones",
        ),
        hashtags=("tech", "gadgets", "setup", "coding", "review", "productivity"),
    ),
    Niche(
        keywords=("style", "fashion", "outfit", "thrift", "vintage"),
        bio=("Thrift finds and outfits", "Sustainable style", "Stylist"),
        captions=(
            "One jacket, five outfits",
            "Thrift haul under 30 euros",
            "What I wore this week",
            "Spring colours are here",
        ),
        hashtags=("ootd", "fashion", "thrifted", "style", "outfitideas", "slowfashion"),
    ),
    Niche(
        keywords=("music", "sing", "song", "band", "studio", "dj"),
        bio=("Singer and songwriter", "New single out now", "Live dates below"),
        captions=(
            "Acoustic version of the new song",
            "Studio day, something big is coming",
            "Cover request from the comments",
            "Soundcheck vibes before the show",
        ),
        hashtags=("music", "singer", "acoustic", "newmusic", "livemusic", "cover"),
    ),
)

CITIES = ("Lisbon", "Berlin", "Austin", "Melbourne", "Toronto", "Milan", "Seoul", "Cape Town")
CALLS_TO_ACTION = ("DM for collabs", "New video every week", "Link below", "Say hi")
CAPTION_ENDINGS = (
    "What do you think?",
    "Save this for later.",
    "Tag someone who needs this.",
    "More soon.",
    "",
)
CAPTION_EMOJI = ("✨", "🔥", "📸", "🙌", "💛", "😍", "🌿", "")
PRAISE_EMOJI = ("🔥", "🙌", "💛", "😍", "👏", "❤️", "💯")

FIRST_NAMES = (
    "maya", "leo", "sofia", "noah", "ines", "kai", "lena", "omar", "julia", "tom",
    "aria", "ben", "zoe", "raj", "emma", "luca", "nina", "sam", "ivy", "max",
)  # fmt: skip
HANDLE_WORDS = (
    "bakes", "travels", "runs", "codes", "daily", "studio", "eats", "style",
    "films", "world", "notes", "life", "vibes", "club", "diaries", "official",
)  # fmt: skip

POSITIVE_COMMENTS = (
    "Love this! 😍",
    "So good 🔥🔥",
    "This is amazing",
    "Obsessed with this ❤️",
    "Great tips, thank you!",
    "Wow 👏👏",
    "Best one yet",
    "You always nail it 🙌",
    "This made my day 😊",
    "Beautiful shot, love the colours",
)
NEGATIVE_COMMENTS = (
    "Not your best work tbh",
    "This is so overrated 🙄",
    "Meh, didn't like it",
    "Too many ads lately 👎",
    "The sound is terrible",
    "Honestly disappointed",
    "Worst one so far",
    "This got boring, unfollowing",
)
NEUTRAL_COMMENTS = (
    "What camera do you use?",
    "Where was this filmed?",
    "Is there a part 2?",
    "Which song is this?",
    "How long did this take?",
    "First time seeing this account",
    "👀",
    "Posted this at the same time as yesterday",
)
