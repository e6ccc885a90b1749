"""Deterministic synthetic Instagram data for the demo provider.

Everything is a pure function of the input (username or shortcode) and the time ``now``:
random generators are seeded from SHA-256 of the input (never the salted ``hash()``), so
output is identical across processes and restarts.

Time makes the data move the way real accounts do, so repeated scrapes show history:
followers grow on a slow logarithmic curve from ``REFERENCE_EPOCH``; posts are published
on fixed, account-specific slots (a post keeps its shortcode and time forever, and new
ones appear as time passes); likes, comments and views of a post grow with its age.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import string
from dataclasses import dataclass
from urllib.parse import quote

from codvid.scrapers.base import (
    PostRef,
    PostType,
    ProfileResult,
    ReelResult,
    ScrapedComment,
    ScrapedPost,
)
from codvid.scrapers.providers.demo import words
from codvid.scrapers.text import parse_hashtags, parse_mentions

PROVIDER_NAME = "demo"
DAY = 86_400.0
REFERENCE_EPOCH = 1_735_689_600.0
"""2025-01-01 UTC: demo accounts start growing here; reel publication times follow it."""

_SHORTCODE_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True, slots=True)
class _Account:
    username: str
    niche: words.Niche
    base_followers: int
    growth: float
    base_follows: int
    base_posts: int
    post_interval: float
    first_post_at: float
    reel_share: float
    engagement: float
    igtv_video_count: int


def profile(username: str, now: float, *, max_posts: int) -> ProfileResult:
    account = _account(username)
    days = max(0.0, (now - REFERENCE_EPOCH) / DAY)
    followers = round(account.base_followers * (1 + account.growth * math.log1p(days / 30)))
    newest = _newest_slot(account, now)
    # Counts stand still before the reference epoch; posts are generated at any time.
    posts_count = account.base_posts + max(0, newest + 1)
    posts = tuple(
        _post(account, slot, now, followers)
        for slot in range(newest, newest - min(max_posts, posts_count), -1)
    )
    return ProfileResult(
        username=username,
        full_name=_full_name(username),
        biography=_biography(username, account.niche),
        icon_pic_url=f"https://demo.codvid.invalid/avatars/{quote(username)}.jpg",
        followers=followers,
        follows_count=account.base_follows + int(days / 15),
        posts_count=posts_count,
        igtv_video_count=account.igtv_video_count,
        posts=posts,
        provider=PROVIDER_NAME,
        is_demo=True,
        raw={"demo": True, "kind": "profile", "input": username, "generated_at": now},
    )


def reel(shortcode: str, now: float) -> ReelResult:
    rng = _rng("reel", shortcode)
    owner = _handle(rng)
    niche = _niche(owner, rng)
    followers = _log_uniform(rng, 1_000, 1_000_000)
    anchor = REFERENCE_EPOCH + rng.uniform(0, 300) * DAY
    # Stable once ``now`` has passed the anchor; earlier clocks still see a past reel.
    published = min(anchor, now - rng.uniform(2 / 24, 5) * DAY)
    caption = _caption(rng, niche)
    likes, comments, views, plays = _metrics(
        rng, followers, rng.uniform(0.01, 0.06), "reel", (now - published) / DAY
    )
    return ReelResult(
        shortcode=shortcode,
        reel_url=f"https://www.instagram.com/reel/{quote(shortcode)}/",
        caption=caption,
        likes=likes,
        comments=comments,
        views=views,
        plays=plays,
        timestamp=published,
        hashtags=tuple(parse_hashtags(caption)),
        mentions=tuple(parse_mentions(caption)),
        owner_username=owner,
        provider=PROVIDER_NAME,
        is_demo=True,
        raw={"demo": True, "kind": "reel", "input": shortcode, "generated_at": now},
    )


def _account(username: str) -> _Account:
    rng = _rng("account", username)
    interval = rng.uniform(2, 7) * DAY
    return _Account(
        username=username,
        niche=_niche(username, rng),
        base_followers=_log_uniform(rng, 1_000, 1_000_000),
        growth=rng.uniform(0.05, 0.3),
        base_follows=rng.randint(80, 2_500),
        base_posts=rng.randint(40, 1_200),
        post_interval=interval,
        first_post_at=REFERENCE_EPOCH + rng.random() * interval,
        reel_share=rng.uniform(0.4, 0.85),
        engagement=rng.uniform(0.01, 0.06),
        igtv_video_count=rng.choice((0, 0, 0, 1, 2, 5)),
    )


def _niche(username: str, rng: random.Random) -> words.Niche:
    for niche in words.NICHES:
        if any(keyword in username for keyword in niche.keywords):
            return niche
    return rng.choice(words.NICHES)


def _slot_time(account: _Account, slot: int) -> float:
    jitter = _rng("slot", account.username, slot).random() * 0.5 * account.post_interval
    return account.first_post_at + slot * account.post_interval + jitter


def _newest_slot(account: _Account, now: float) -> int:
    """The last slot published at or before ``now``; slot 0 is the first after the reference."""
    slot = math.floor((now - account.first_post_at) / account.post_interval)
    return slot if _slot_time(account, slot) <= now else slot - 1


def comments(post: PostRef, now: float, *, max_comments: int) -> tuple[ScrapedComment, ...]:
    """The top comments of a post or reel, the most liked first."""
    found = _comments(post.shortcode, post.timestamp, now, min(max_comments, post.comments_count))
    return tuple(sorted(found, key=lambda comment: -comment.likes_count))


def _post(account: _Account, slot: int, now: float, followers: int) -> ScrapedPost:
    rng = _rng("post", account.username, slot)
    kind: PostType = "reel" if rng.random() < account.reel_share else "image"
    if kind == "image" and rng.random() < 0.25:
        kind = "carousel"
    published = _slot_time(account, slot)
    post_id = _shortcode("post", account.username, slot)
    caption = _caption(rng, account.niche)
    likes, comments, views, plays = _metrics(
        rng, followers, account.engagement, kind, (now - published) / DAY
    )
    return ScrapedPost(
        post_id=post_id,
        post_url=f"https://instagram.com/p/{post_id}",
        timestamp=published,
        type=kind,
        is_reel=kind == "reel",
        caption=caption,
        likes_count=likes,
        comments_count=comments,
        video_view_count=views,
        video_play_count=plays,
        hashtags=tuple(parse_hashtags(caption)),
        mentions=tuple(parse_mentions(caption)),
    )


def _metrics(
    rng: random.Random, followers: int, engagement: float, kind: PostType, age_days: float
) -> tuple[int, int, int, int]:
    """Likes, comments, views and plays: final totals scaled by how far the post has got."""
    grown = _grown(age_days)
    likes = followers * engagement * rng.lognormvariate(0, 0.4)
    comments = likes * rng.uniform(0.01, 0.05) + rng.randint(0, 8)
    views = followers * rng.uniform(0.4, 3.0) if kind == "reel" else 0.0
    plays = views * rng.uniform(1.2, 1.8)
    return round(likes * grown), round(comments * grown), round(views * grown), round(plays * grown)


def _grown(age_days: float) -> float:
    """Share of a post's engagement reached at this age: fast at first, then a slow tail."""
    if age_days <= 0:
        return 0.0
    return (1 - math.exp(-age_days / 1.5)) * (1 + 0.08 * math.log1p(age_days))


def _comments(key: str, published: float, now: float, count: int) -> tuple[ScrapedComment, ...]:
    return tuple(_comment(key, index, published, now) for index in range(count))


def _comment(key: str, index: int, published: float, now: float) -> ScrapedComment:
    rng = _rng("comment", key, index)
    tone = rng.random()
    if tone < 0.55:
        text = rng.choice(words.POSITIVE_COMMENTS)
        if rng.random() < 0.3:
            text += " " + rng.choice(words.PRAISE_EMOJI)
    elif tone < 0.7:
        text = rng.choice(words.NEGATIVE_COMMENTS)
    elif tone < 0.9:
        text = rng.choice(words.NEUTRAL_COMMENTS)
    else:
        text = ""  # a sticker or GIF
    if text and rng.random() < 0.15:
        text = f"@{_handle(rng)} {text}"
    return ScrapedComment(
        text=text,
        owner_username=_handle(rng),
        # Spread over the post's first two days, or over its life so far if younger.
        timestamp=min(published + rng.uniform(60, max(60.0, min(2 * DAY, now - published))), now),
        likes_count=min(int(rng.paretovariate(1.2)) - 1, 5_000),
    )


def _caption(rng: random.Random, niche: words.Niche) -> str:
    line = rng.choice(niche.captions)
    ending = rng.choice(words.CAPTION_ENDINGS)
    if ending:
        line += (" " if line.endswith(("?", "!", ".")) else ". ") + ending
    parts = [f"{line} {rng.choice(words.CAPTION_EMOJI)}".rstrip()]
    if rng.random() < 0.4:
        parts.append(f"With @{_handle(rng)}")
    tags = rng.sample(niche.hashtags, rng.randint(0, 4))
    if tags:
        parts.append(" ".join(f"#{tag}" for tag in tags))
    return "\n\n".join(parts)


def _full_name(username: str) -> str:
    tokens = [token.capitalize() for token in re.split(r"[._0-9]+", username) if token]
    return " ".join(tokens) or "Demo User"


def _biography(username: str, niche: words.Niche) -> str:
    rng = _rng("bio", username)
    return " | ".join(
        (rng.choice(niche.bio), rng.choice(words.CITIES), rng.choice(words.CALLS_TO_ACTION))
    )


def _handle(rng: random.Random) -> str:
    handle = rng.choice(words.FIRST_NAMES) + rng.choice((".", "_", ""))
    handle += rng.choice(words.HANDLE_WORDS)
    if rng.random() < 0.3:
        handle += str(rng.randint(1, 99))
    return handle


def _shortcode(*parts: object) -> str:
    """An 11-character code like Instagram's, letters and digits only.

    Without ``_`` or ``-`` it can never start with a failure-injection prefix.
    """
    value = int.from_bytes(_digest(*parts), "big")
    code = []
    for _ in range(11):
        value, index = divmod(value, len(_SHORTCODE_ALPHABET))
        code.append(_SHORTCODE_ALPHABET[index])
    return "".join(code)


def _log_uniform(rng: random.Random, low: int, high: int) -> int:
    return round(math.exp(rng.uniform(math.log(low), math.log(high))))


def _rng(*parts: object) -> random.Random:
    return random.Random(int.from_bytes(_digest(*parts), "big"))


def _digest(*parts: object) -> bytes:
    return hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).digest()
