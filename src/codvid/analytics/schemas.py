"""The analytics answers, as documented in the OpenAPI schema (with examples)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TaskType = Literal["profile", "reel"]
Values = dict[str, int | None]


class Growth(BaseModel):
    """How a count moved over ``days`` up to the latest scrape: from the last snapshot
    taken that long before it."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "days": 7,
                "start": 12000,
                "end": 12420,
                "absolute": 420,
                "percent": 3.5,
                "start_at": 1764000000.0,
                "end_at": 1764604800.0,
            }
        }
    )

    days: int
    start: int
    end: int
    absolute: int
    percent: float | None = Field(description="null when the start is 0")
    start_at: float
    end_at: float


class GrowthSpans(BaseModel):
    """Growth over 7, 30 and 90 days; null where the history is shorter."""

    days_7: Growth | None
    days_30: Growth | None
    days_90: Growth | None


class Point(BaseModel):
    taken_at: float
    taken_at_iso: str = Field(examples=["2026-12-01T09:00:00Z"])
    values: Values = Field(
        description="Each metric at this scrape; null where the provider could not give it",
        examples=[{"followers": 12420, "follows_count": 310, "posts_count": 288}],
    )


class Day(BaseModel):
    date: str = Field(examples=["2026-12-01"], description="A UTC day with a scrape")
    taken_at: float = Field(description="The day's last scrape: its closing numbers")
    values: Values
    changes: Values = Field(
        description="Change from the previous day with a scrape; null where unknown"
    )
    days_since: int | None = Field(
        description="Days since that previous day (more than 1 when scrapes skipped days)"
    )


class PostPoint(BaseModel):
    taken_at: float
    plays: int | None
    views: int | None
    likes: int | None
    comments: int | None


class PostHistory(BaseModel):
    post_id: str
    published_at: float
    is_reel: bool
    first_seen_at: float
    last_seen_at: float
    points: list[PostPoint]


class HistoryBody(BaseModel):
    """``history``: a task's counts over time."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "task_id": "6f1c...",
                "task_type": "profile",
                "target": "natgeo",
                "days": 90,
                "since": 1756828800.0,
                "metrics": ["followers", "follows_count", "posts_count"],
                "first_scrape_at": 1756900000.0,
                "last_scrape_at": 1764604800.0,
                "freshness_seconds": 3600.0,
                "next_scrape_due": 1764777600.0,
                "points": [
                    {
                        "taken_at": 1764604800.0,
                        "taken_at_iso": "2026-12-01T16:00:00Z",
                        "values": {"followers": 12420, "follows_count": 310, "posts_count": 288},
                    }
                ],
                "points_truncated": False,
                "daily": [
                    {
                        "date": "2026-12-01",
                        "taken_at": 1764604800.0,
                        "values": {"followers": 12420, "follows_count": 310, "posts_count": 288},
                        "changes": {"followers": 60, "follows_count": 0, "posts_count": 1},
                        "days_since": 1,
                    }
                ],
                "growth": {
                    "followers": {
                        "days_7": {
                            "days": 7,
                            "start": 12000,
                            "end": 12420,
                            "absolute": 420,
                            "percent": 3.5,
                            "start_at": 1764000000.0,
                            "end_at": 1764604800.0,
                        },
                        "days_30": None,
                        "days_90": None,
                    }
                },
                "posts": [],
            }
        }
    )

    task_id: str
    task_type: TaskType
    target: str = Field(description="The profile's username or the reel's shortcode")
    days: int
    since: float = Field(description="The window's start (epoch seconds)")
    metrics: list[str]
    first_scrape_at: float | None
    last_scrape_at: float | None
    freshness_seconds: float | None = Field(description="Seconds since the latest scrape")
    next_scrape_due: float | None
    points: list[Point] = Field(description="Every scrape of the window, oldest first")
    points_truncated: bool = Field(description="The window had more scrapes than are shown")
    daily: list[Day]
    growth: dict[str, GrowthSpans] = Field(description="Per metric")
    posts: list[PostHistory] = Field(
        description="Profiles: each post seen in the window's latest scrapes, with its "
        "counts at each (how a post grew in its first days), the latest published first"
    )


class PostEngagement(BaseModel):
    """One post's engagement in percent; null where a count it needs is unknown."""

    post_id: str
    published_at: float
    is_reel: bool
    likes: int | None
    comments: int | None
    plays: int | None
    views: int | None
    followers: int | None = Field(description="At the scrape nearest the publication")
    followers_taken_at: float | None
    by_followers: float | None = Field(examples=[3.4521])
    per_play: float | None
    per_view: float | None


class Spread(BaseModel):
    mean: float | None
    median: float | None
    posts: int = Field(description="Posts whose rate is known")


class EngagementSummary(BaseModel):
    by_followers: Spread
    per_play: Spread
    per_view: Spread
    posts: int
    from_published_at: float | None
    to_published_at: float | None


class ReelEngagement(BaseModel):
    likes: int | None
    comments: int | None
    plays: int | None
    views: int | None
    published_at: float | None
    per_play: float | None
    per_view: float | None
    by_followers: None = Field(description="The reel owner's followers are not tracked here")


class Formulas(BaseModel):
    by_followers: str
    per_play: str
    per_view: str


_POST_EXAMPLE: dict[str, Any] = {
    "post_id": "0LxYCQWiJfp",
    "published_at": 1795916136.4,
    "is_reel": True,
    "likes": 597,
    "comments": 27,
    "plays": 108554,
    "views": 64393,
    "followers": 29934,
    "followers_taken_at": 1796164196.5,
    "by_followers": 2.0846,
    "per_play": 0.5748,
    "per_view": 0.969,
}


class EngagementBody(BaseModel):
    """``engagement``: per post and per profile, by followers, per play and per view."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "task_id": "55d14e4f-8917-4b86-bead-24a956562eee",
                "task_type": "profile",
                "target": "natgeo",
                "scraped_at": 1796164199.2,
                "formulas": {
                    "by_followers": "100 * (likes + comments) / followers, followers taken "
                    "at the scrape nearest the post's publication",
                    "per_play": "100 * (likes + comments) / plays",
                    "per_view": "100 * (likes + comments) / views",
                },
                "window": "the posts of the latest scrape (the profile's latest posts)",
                "followers": 29934,
                "reel": None,
                "posts": [_POST_EXAMPLE],
                "summary": {
                    "by_followers": {"mean": 2.0846, "median": 2.0846, "posts": 1},
                    "per_play": {"mean": 0.5748, "median": 0.5748, "posts": 1},
                    "per_view": {"mean": 0.969, "median": 0.969, "posts": 1},
                    "posts": 1,
                    "from_published_at": 1795916136.4,
                    "to_published_at": 1795916136.4,
                },
                "top_posts": [_POST_EXAMPLE],
            }
        }
    )

    task_id: str
    task_type: TaskType
    target: str
    scraped_at: float | None
    formulas: Formulas
    window: str
    followers: int | None = Field(default=None, description="Profiles: at the latest scrape")
    reel: ReelEngagement | None
    posts: list[PostEngagement]
    summary: EngagementSummary | None
    top_posts: list[PostEngagement] = Field(description="The 3 most engaging posts")


class CompareRow(BaseModel):
    task_id: str
    username: str
    is_competitor: bool
    followers: int | None
    growth_7d: Growth | None
    growth_30d: Growth | None
    posts_per_week: float | None
    engagement_mean: float | None = Field(description="Percent, by followers")
    engagement_median: float | None
    engagement_posts: int
    average_plays_per_reel: float | None
    reels: int = Field(description="Reels with known plays among the latest posts")
    last_scraped: float | None


class CompareFormulas(BaseModel):
    engagement: str
    posts_per_week: str
    average_plays_per_reel: str


class CompareBody(BaseModel):
    """``compare``: the caller's profiles, own first, then competitors."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "days": 30,
                "rows": [
                    {
                        "task_id": "55d14e4f-8917-4b86-bead-24a956562eee",
                        "username": "natgeo",
                        "is_competitor": False,
                        "followers": 29934,
                        "growth_7d": {
                            "days": 7,
                            "start": 29650,
                            "end": 29934,
                            "absolute": 284,
                            "percent": 0.9578,
                            "start_at": 1795559396.5,
                            "end_at": 1796164199.2,
                        },
                        "growth_30d": None,
                        "posts_per_week": 1.17,
                        "engagement_mean": 4.5661,
                        "engagement_median": 3.7666,
                        "engagement_posts": 12,
                        "average_plays_per_reel": 96178.6667,
                        "reels": 12,
                        "last_scraped": 1796164199.2,
                    }
                ],
                "truncated": False,
                "formulas": {
                    "engagement": "100 * (likes + comments) / followers, followers taken at "
                    "the scrape nearest the post's publication",
                    "posts_per_week": "posts_count change over the window, a week's worth",
                    "average_plays_per_reel": "mean plays of the reels among the latest "
                    "scrape's posts",
                },
            }
        }
    )

    days: int
    rows: list[CompareRow]
    truncated: bool = Field(description="The caller has more profile tasks than are compared")
    formulas: CompareFormulas
