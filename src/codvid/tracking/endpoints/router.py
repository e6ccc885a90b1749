"""The one tracking router; the modules beside this one add their routes to it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from codvid.api.envelope import ErrorBody
from codvid.scrapers.settings import ScrapingSettings

router = APIRouter(prefix="/ig-tracking", tags=["ig-tracking"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Task not found or access denied"}
}
BUSY: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "Task is already being processed"}
}
DUPLICATE: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "Already tracked"}
}
BUDGET: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorBody, "description": "Monthly scraping budget reached"}
}


async def get_scraping(request: Request) -> ScrapingSettings:
    scraping: ScrapingSettings = request.state.settings.scraping
    return scraping


ScrapingDep = Annotated[ScrapingSettings, Depends(get_scraping)]
