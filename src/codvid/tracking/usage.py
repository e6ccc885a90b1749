"""What scraping costs, per task and per month, and the monthly budgets that cap it.

A run's cost (what the provider reported: dollars, results charged, calls) is added to
the run itself and to one counter document per task and month (``scrape_usage``), plus
one for the whole deployment, so a budget check reads a handful of documents however
many runs a month has. Months are calendar months in UTC.

A budget is checked before a run starts (a force scrape answers 429, the scheduler holds
the task until the month turns): a run already under way is never stopped, so a month may
end above its budget by what the runs in flight when it was reached cost.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final, Literal, cast

from codvid.errors import TooManyRequests
from codvid.kit.clock import now
from codvid.scrapers import Cost
from codvid.scrapers.settings import ScrapingSettings
from codvid.storage import Store, update_or_insert
from codvid.tracking.documents import RUNS, USAGE, RunDocument, TaskKind, UsageDocument

EVERYONE: Final = "*"
BUDGET_REACHED = "Monthly scraping budget reached"


class BudgetReached(TooManyRequests):
    message = BUDGET_REACHED


def month_of(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m")


def next_month_start(moment: float) -> float:
    day = dt.datetime.fromtimestamp(moment, dt.UTC)
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.datetime(year, month, 1, tzinfo=dt.UTC).timestamp()


async def record(store: Store, run: RunDocument, target: str, cost: Cost) -> None:
    """Add the run's ``cost`` to it and to this month's counters of its task and of
    everyone; called once per run that reached its provider."""
    amounts: dict[str, Any] = {"usd": cost.usd or 0.0, "items": cost.items, "calls": cost.calls}
    await store.collection(RUNS).update_one({"_id": run["_id"]}, {"$set": {"cost": amounts}})
    month = month_of(now())
    owners: tuple[tuple[str, str, TaskKind | Literal["*"], str], ...] = (
        (run["user_id"], run["task_id"], run["kind"], target),
        (EVERYONE, EVERYONE, EVERYONE, EVERYONE),
    )
    for user_id, task_id, kind, shown in owners:
        counter: UsageDocument = {
            "_id": f"{month}|{user_id}|{task_id}",
            "month": month,
            "user_id": user_id,
            "task_id": task_id,
            "kind": kind,
            "target": shown,
            "runs": 0,
            "usd": 0.0,
            "items": 0,
            "calls": 0,
        }
        await _add(store, counter, {**amounts, "runs": 1})


async def _add(store: Store, counter: UsageDocument, amounts: dict[str, Any]) -> None:
    """``$inc`` on the counter, creating it first if this is its month's first cost."""
    await update_or_insert(store.collection(USAGE), {**counter, **amounts}, {"$inc": amounts})


async def spent(store: Store, user_id: str, month: str) -> float:
    """Dollars ``user_id`` (or :data:`EVERYONE`) spent in ``month``."""
    if user_id == EVERYONE:
        total = await store.collection(USAGE).find_one(
            {"_id": f"{month}|{EVERYONE}|{EVERYONE}"}, projection=["usd"]
        )
        return float(total["usd"]) if total else 0.0
    counters = await store.collection(USAGE).find(
        {"user_id": user_id, "month": month}, projection=["usd"]
    )
    return float(sum(counter["usd"] for counter in counters))


def budgeted(settings: ScrapingSettings) -> bool:
    return settings.budget_usd_per_user_month is not None or settings.budget_usd_month is not None


async def check_budget(store: Store, settings: ScrapingSettings, user_id: str) -> None:
    """Raise :class:`BudgetReached` if the user's or the deployment's budget is spent."""
    moment = now()
    month = month_of(moment)
    limits = (
        (user_id, settings.budget_usd_per_user_month),
        (EVERYONE, settings.budget_usd_month),
    )
    for who, budget in limits:
        if budget is not None and await spent(store, who, month) >= budget:
            raise BudgetReached(retry_after=max(1, int(next_month_start(moment) - moment)))


async def report(store: Store, settings: ScrapingSettings, user_id: str) -> dict[str, Any]:
    """The caller's spend and calls this month, in total and per task."""
    moment = now()
    month = month_of(moment)
    counters = cast(
        list[UsageDocument],
        await store.collection(USAGE).find(
            {"user_id": user_id, "month": month}, sort=[("usd", -1), ("_id", 1)]
        ),
    )
    tasks = [
        {
            "task_id": counter["task_id"],
            "task_type": counter["kind"],
            "target": counter["target"],
            "runs": counter["runs"],
            "usd": round(counter["usd"], 6),
            "items": counter["items"],
            "calls": counter["calls"],
        }
        for counter in counters
    ]
    budget = settings.budget_usd_per_user_month
    usd = sum(counter["usd"] for counter in counters)
    return {
        "month": month,
        "provider": settings.provider,
        "usd": round(usd, 6),
        "items": sum(counter["items"] for counter in counters),
        "calls": sum(counter["calls"] for counter in counters),
        "runs": sum(counter["runs"] for counter in counters),
        "budget_usd": budget,
        "budget_left_usd": None if budget is None else round(max(0.0, budget - usd), 6),
        "resets_at": next_month_start(moment),
        "tasks": tasks,
    }


async def delete_for_user(store: Store, user_id: str) -> None:
    """A deleted account's counters go with it; the deployment total keeps its spend."""
    await store.collection(USAGE).delete_many({"user_id": user_id})
