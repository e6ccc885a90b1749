"""What comments cost in a month of tracking: 100 profiles scraped at the default interval
against the fake Apify's per-result prices, incremental comments (the default) versus
every post's comments fetched on every scrape.

In process, with the real machinery: ``bootstrap.running`` builds the service as
``codvid serve`` does (SQLite store in a temporary directory, in-process broker, the
worker with its batching Fetcher and Adopter, the Apify provider behind its guard, the
scheduler loop), only without the HTTP server. Money comes from the fake's own bill
(:attr:`FakeApify.items_charged`, :attr:`FakeApify.usage_usd`); the service's recorded
spend (``scrape_usage``) is shown beside it as a check.

Variants, each on a fresh store and fake fed the same simulated month:

- incremental: the default (``CODVID_SCRAPE_COMMENT_REFRESH_CHANGE`` 0.1); every scrape is
  the scheduler's: all tasks are made due (``next_scrape_due`` in the past, written
  through the service's storage, as time passing does) and its loop starts them;
- full: every scrape is a force scrape with ``full: true`` (``tracking.service.force_scrape``,
  what ``POST /force_scrape/{id}`` with ``{"full": true}`` calls): every post with comments
  gets them fetched again. ``CODVID_SCRAPE_COMMENT_REFRESH_CHANGE=0`` does *not* mean
  that (``TopComments.due``: a count must still move, by any amount), so it is a third,
  informational variant, run like the incremental one.

The month (the model): the default interval is ``INTERVAL_DEFAULT`` (2 days), so 30 / 2 =
15 scrapes per profile. A first scrape at simulated day 0 fills the stored data
(onboarding, reported apart), then scrapes at days 2, 4, ..., 30 are the month. Each
profile posts as a Poisson process with a mean gap drawn from 2-3 days (so about 12 new
posts a month); its history before day 0 comes from the same process. Each post has a
final comment count (lognormal, median about 40, varying per profile); comments arrive
on a saturating curve, ``1 - exp(-age / 1.5 days)`` normalised to reach the final count
at 7 days: half of them in the first day, about 90 % by day 3.5, none after a week.
``latestPosts`` are the 12 newest (``CODVID_SCRAPE_MAX_POSTS``); the comment scraper has
as many comments for a post as its count (up to 50). Simulated days end at the present,
so no post is dated in the future; the service's clock runs in real time.

The fake's prices are its defaults: ``price_per_item`` per result written, by every actor
(a profile is one result, a comment one), ``start_price`` per run (0). Every run's
``maxTotalChargeUsd`` is raised to the most the setting allows
(``CODVID_APIFY_MAX_CHARGE_USD``): at the default $0.50 a batched comment run of 25
profiles' posts (up to 3000 results) stops at 185 results and the rest of its posts are
stored as fetched with no comments, which would make both variants look cheaper than
they are; runs cut by the cap are counted and reported. Job concurrency is raised so a
scrape's 100 runs go at once (fast rounds); with no start price, how runs are grouped
into actor runs does not change what results cost, so the batch window is shortened too
(rounds go faster). Prints the summary rows, or with ``--json`` one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apify_world import (
    COMMENT_SCRAPER,
    PROFILE_SCRAPER,
    FakeApify,
    FakeRun,
    comments_for,
    iso,
    post_item,
    profile_item,
)
from report import comment_notes, comment_rows, emit
from servers import stop_on_sigterm

from codvid.bootstrap import running
from codvid.config import Settings, load_settings
from codvid.kit.clock import now
from codvid.storage import Store
from codvid.tracking import profiles, service, usage
from codvid.tracking.documents import PROFILE_TASKS, RUNS, USAGE
from codvid.tracking.schemas import ProfileTaskCreate
from codvid.tracking.validation import INTERVAL_DEFAULT

DAY = 86400.0
PROFILES = 100
USERS = 4
MONTH_DAYS = 30
SEED = 20260701
POSTS_SHOWN = 12
COMMENT_POOL = 50
GROWTH_TAU_DAYS = 1.5
GROWTH_DAYS = 7.0
GAP_DAYS = (2.0, 3.0)
HISTORY_DAYS = 45.0
MAX_CHARGE_USD = 1000.0
ROUND_TIMEOUT = 120.0


def say(message: str) -> None:
    sys.stderr.write(f"[bench comments {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


# ---- the simulated Instagram ----------------------------------------------------------


def grown(age_days: float) -> float:
    """The share of a post's final comment count it has at ``age_days``."""
    if age_days <= 0:
        return 0.0
    if age_days >= GROWTH_DAYS:
        return 1.0
    full = 1 - math.exp(-GROWTH_DAYS / GROWTH_TAU_DAYS)
    return (1 - math.exp(-age_days / GROWTH_TAU_DAYS)) / full


@dataclass
class Post:
    code: str
    day: float
    final: int
    kind: str
    given: int = 0
    """Comment items handed to the fake so far."""

    def comments(self, day: float) -> int:
        return round(self.final * grown(day - self.day))


@dataclass
class Profile:
    index: int
    rng: random.Random
    gap_days: float
    scale: float
    next_day: float
    posts: list[Post] = field(default_factory=list)

    @property
    def username(self) -> str:
        return f"bench.c{self.index:05d}"

    def advance(self, day: float) -> None:
        while self.next_day <= day:
            final = round(self.scale * self.rng.lognormvariate(math.log(40), 0.7))
            code = f"C{self.index:05d}x{len(self.posts):04d}"
            kind = self.rng.choice(("reel", "reel", "image", "carousel"))
            self.posts.append(Post(code, self.next_day, final, kind))
            self.next_day += self.rng.expovariate(1 / self.gap_days)


class World:
    """``PROFILES`` profiles on a simulated clock; day ``MONTH_DAYS`` is the present."""

    def __init__(self, count: int, seed: int, present: float) -> None:
        self.present = present
        self.profiles = []
        for index in range(count):
            rng = random.Random(f"{seed}:{index}")
            gap = rng.uniform(*GAP_DAYS)
            start = -HISTORY_DAYS + rng.uniform(0, gap)
            scale = rng.lognormvariate(0, 0.6)
            self.profiles.append(Profile(index, rng, gap, scale, start))

    def epoch(self, day: float) -> float:
        return self.present - (MONTH_DAYS - day) * DAY

    def show(self, fake: FakeApify, day: float) -> dict[str, int]:
        """Bring the fake to ``day``: new posts published, comment counts grown."""
        new = 0
        for profile in self.profiles:
            before = len(profile.posts)
            profile.advance(day)
            new += len(profile.posts) - before
            shown = sorted(profile.posts, key=lambda p: -p.day)[:POSTS_SHOWN]
            items = []
            for post in shown:
                count = post.comments(day)
                wanted = min(count, COMMENT_POOL)
                if wanted > post.given:
                    epoch = self.epoch(day)
                    fresh = comments_for(post.code, wanted, epoch)[post.given :]
                    fake.add_comments(post.code, fresh)
                    post.given = wanted
                items.append(
                    post_item(
                        post.code,
                        owner=profile.username,
                        kind=post.kind,
                        timestamp=iso(self.epoch(post.day)),
                        comments=count,
                        likes=count * 25,
                    )
                )
            fake.add_profile(
                profile_item(profile.username, posts=items, posts_count=200 + len(profile.posts))
            )
        return {"new_posts": new}


# ---- one variant --------------------------------------------------------------------


def _capped(fake: FakeApify, run: FakeRun) -> bool:
    cap, wanted = run.max_total_charge_usd, run.max_items
    return (
        cap is not None
        and wanted is not None
        and run.charged_items < wanted
        and run.usage_usd + fake.price_per_item > cap + 1e-9
    )


def _bill(fake: FakeApify, runs: list[FakeRun]) -> dict[str, Any]:
    profile = [run for run in runs if run.actor == PROFILE_SCRAPER]
    comment = [run for run in runs if run.actor == COMMENT_SCRAPER]
    return {
        "usd": sum(run.usage_usd for run in runs),
        "items": sum(run.charged_items for run in runs),
        "profile_items": sum(run.charged_items for run in profile),
        "comment_items": sum(run.charged_items for run in comment),
        "comment_usd": sum(run.usage_usd for run in comment),
        "actor_runs": len(runs),
        "comment_runs": len(comment),
        "posts_asked": sum(len(run.input.get("directUrls", [])) for run in comment),
        "capped_runs": sum(1 for run in runs if _capped(fake, run)),
    }


async def _wait_round(store: Store, expected: int) -> None:
    deadline = time.monotonic() + ROUND_TIMEOUT
    runs = store.collection(RUNS)
    while True:
        done = await runs.count_documents({"status": {"$in": ["succeeded", "failed", "cancelled"]}})
        if done >= expected:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{done} of {expected} runs ended after {ROUND_TIMEOUT:g} s")
        await asyncio.sleep(0.05)


def settings_for(data_dir: Path, fake: FakeApify, refresh_change: float | None) -> Settings:
    overrides: dict[str, Any] = {
        "data_dir": data_dir,
        "scraper_provider": "apify",
        "apify_token": fake.token,
        "apify_api_url": fake.base_url,
        "apify_max_charge_usd": MAX_CHARGE_USD,
        "job_concurrency": PROFILES,
        "scheduler_enabled": True,
        "scheduler_interval": 0.25,
        "scheduler_batch": PROFILES,
        "scraper_rate_limit": "100000/minute",
        "scrape_batch_window": 0.25,
        "log_level": "warning",
    }
    if refresh_change is not None:
        overrides["scrape_comment_refresh_change"] = refresh_change
    return load_settings(**overrides)


async def variant(
    name: str, root: Path, *, full: bool, refresh_change: float | None = None
) -> dict[str, Any]:
    data_dir = root / name
    world = World(PROFILES, SEED, time.time())
    fake = FakeApify()  # run_duration 0: cost does not depend on it
    rounds: list[dict[str, Any]] = []
    scrapes = round(MONTH_DAYS / INTERVAL_DEFAULT)
    with fake:
        settings = settings_for(data_dir, fake, refresh_change)
        async with running(settings) as resources:
            store, enqueue = resources["store"], resources["enqueue"]
            tasks = []
            for profile in world.profiles:
                user = f"bench-user-{profile.index % USERS}"
                data = ProfileTaskCreate(target_profile=profile.username)
                tasks.append(await profiles.create(store, user, data))
            interval = tasks[0]["scrape_interval_days"]
            for number in range(scrapes + 1):
                day = number * interval
                shown = world.show(fake, day)
                first = len(fake.runs)
                if full:
                    for task in tasks:
                        await service.force_scrape(
                            store,
                            enqueue,
                            settings.scraping,
                            "profile",
                            task["user_id"],
                            task["_id"],
                            full=True,
                        )
                else:  # as if the interval had passed: the scheduler's loop starts them
                    await store.collection(PROFILE_TASKS).update_many(
                        {}, {"$set": {"next_scrape_due": now() - 1}}
                    )
                await _wait_round(store, (number + 1) * len(tasks))
                rounds.append({"day": day, **shown, **_bill(fake, fake.runs[first:])})
            month = usage.month_of(now())
            recorded = await store.collection(USAGE).find_one({"_id": f"{month}|*|*"})
            statuses = {
                status: await store.collection(RUNS).count_documents({"status": status})
                for status in ("succeeded", "failed", "cancelled")
            }
    shutil.rmtree(data_dir, ignore_errors=True)
    measured = rounds[1:]
    total = {
        key: sum(r[key] for r in measured)
        for key in measured[0]
        if key != "day" and isinstance(measured[0][key], int | float)
    }
    result = {
        "name": name,
        "full": full,
        "refresh_change": (
            settings.scraping.comment_refresh_change if refresh_change is None else refresh_change
        ),
        "scrapes_per_profile": scrapes,
        "interval_days": interval,
        "month": total,
        "onboarding": {k: v for k, v in rounds[0].items() if k != "day"},
        "per_profile_usd": total["usd"] / PROFILES,
        "per_profile_items": total["items"] / PROFILES,
        "service_recorded_usd": recorded["usd"] if recorded else 0.0,
        "fake_usd": fake.usage_usd,
        "fake_items": fake.items_charged,
        "statuses": statuses,
        "rounds": rounds,
    }
    say(
        f"  {name}: ${result['per_profile_usd']:.4f} and {result['per_profile_items']:.0f} "
        f"results per profile per month; comment posts asked {total['posts_asked']}"
    )
    return result


async def main_async(root: Path, informational: bool) -> dict[str, Any]:
    plans: list[tuple[str, dict[str, Any]]] = [
        ("incremental", {"full": False}),
        ("full", {"full": True}),
    ]
    if informational:
        plans.append(("refresh-any-change", {"full": False, "refresh_change": 0.0}))
    results = {}
    for name, options in plans:
        say(f"{name}: {PROFILES} profiles, a month of scrapes")
        results[name] = await variant(name, root, **options)
    fake = FakeApify()
    return {
        "profiles": PROFILES,
        "price_per_item": fake.price_per_item,
        "start_price": fake.start_price,
        "max_charge_usd": MAX_CHARGE_USD,
        "variants": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--no-informational",
        action="store_true",
        help="skip the CODVID_SCRAPE_COMMENT_REFRESH_CHANGE=0 variant",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    stop_on_sigterm()
    root = Path(tempfile.mkdtemp(prefix="codvid-bench-comments-"))
    try:
        result = asyncio.run(main_async(root, not args.no_informational))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    emit(result, comment_rows, comment_notes, args.json)


if __name__ == "__main__":
    main()
