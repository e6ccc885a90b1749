"""Where Instagram data comes from, how much of it one run takes, and how the provider is
spared: batches, a shared rate limit, retries, and monthly budgets."""

from __future__ import annotations

from pydantic import field_validator

from codvid.kit.ratelimits import check_rate
from codvid.kit.settings import SettingsGroup, setting
from codvid.scrapers.registry import SCRAPERS


class ScrapingSettings(SettingsGroup):
    provider: str = setting("SCRAPER_PROVIDER", "demo")
    step_delay: float = setting("SCRAPER_STEP_DELAY", 0.5, ge=0, le=60)
    """Demo provider: seconds per fetch step."""
    timeout: float = setting("SCRAPE_TIMEOUT", 120, gt=0, le=3600)
    max_posts: int = setting("SCRAPE_MAX_POSTS", 12, ge=1, le=100)
    max_comments: int = setting("SCRAPE_MAX_COMMENTS", 10, ge=0, le=100)
    batch_size: int = setting("SCRAPE_BATCH_SIZE", 25, ge=1, le=200)
    """Profiles one provider call may serve (the provider may take fewer)."""
    batch_window: float = setting("SCRAPE_BATCH_WINDOW", 2, ge=0, le=60)
    """Seconds a profile fetch waits for others to share its provider call."""
    comment_refresh_change: float = setting("SCRAPE_COMMENT_REFRESH_CHANGE", 0.1, ge=0, le=100)
    """A post's comments are fetched again when its comment count moved by more than this
    share (0.1: 10 %) since they were last fetched; new posts always get theirs."""
    raw_max_bytes: int = setting("SCRAPE_RAW_MAX_BYTES", 262_144, ge=1024, le=16 * 1024 * 1024)
    """The most of a provider's payload kept per run for auditing (a failed run's too)."""
    raw_retention_days: float = setting("RAW_PAYLOAD_RETENTION_DAYS", 30, gt=0, le=3650)
    """Days a run's raw payload is kept; the snapshots (the numbers) are kept for good."""
    snapshot_compact_after_days: float = setting("SNAPSHOT_COMPACT_AFTER_DAYS", 90, ge=0, le=36500)
    """Snapshots older than this many days are compacted to one a day per task (the day's
    last); 0 keeps every snapshot."""
    rate_limit: str | None = setting("SCRAPER_RATE_LIMIT", None)
    """Provider calls, shared by every run of the process (of every process, with Redis);
    unset: the provider's own default (its vendor's published limits)."""
    retries: int = setting("SCRAPER_RETRIES", 3, ge=1, le=10)
    """Attempts of a provider call that fails transiently (timeouts, 5xx, throttling)."""
    retry_wait: float = setting("SCRAPER_RETRY_WAIT", 2, ge=0, le=600)
    """Seconds before the first retry; doubled each time, with jitter."""
    budget_usd_per_user_month: float | None = setting(
        "SCRAPE_BUDGET_USD_PER_USER_MONTH", None, ge=0, le=1_000_000
    )
    budget_usd_month: float | None = setting("SCRAPE_BUDGET_USD_MONTH", None, ge=0, le=10_000_000)
    """The whole deployment's monthly scraping spend."""

    @field_validator("provider")
    @classmethod
    def _registered(cls, value: str) -> str:
        return SCRAPERS.check(value)

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        return None if value is None else check_rate(value)
