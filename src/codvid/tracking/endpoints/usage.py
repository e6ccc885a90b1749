"""What the caller's scraping cost this month."""

from __future__ import annotations

from codvid.api.deps import StoreDep
from codvid.api.envelope import Ok
from codvid.api.routing import route
from codvid.auth.dependencies import CurrentUser
from codvid.tracking import usage
from codvid.tracking.endpoints.router import ScrapingDep, router
from codvid.tracking.schemas import UsageBody


@route(
    router,
    ["/usage"],
    ["GET"],
    summary="The caller's scraping spend this month",
    description=(
        "Answers `response` with this calendar month's (UTC) scraping spend of the caller: "
        "`usd` (what the provider charged, when it charges: Apify; 0 for the others), "
        "`items` (results charged), `calls` (provider calls the runs took part in; a call "
        "shared by a batch of profiles counts once for each) and `runs`, the budget "
        "(`budget_usd`, `budget_left_usd`; null when no budget is set), `resets_at` (when "
        "the month turns) and the same per task in `tasks`, the costliest first (a deleted "
        "task keeps its line: the money was spent). Needs `Authorization: Bearer <token>`; "
        "no body."
    ),
)
async def scraping_usage(
    user: CurrentUser, store: StoreDep, scraping: ScrapingDep
) -> Ok[UsageBody]:
    report = await usage.report(store, scraping, user["_id"])
    return Ok(response=UsageBody.model_validate(report))
