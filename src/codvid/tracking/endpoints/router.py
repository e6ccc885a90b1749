"""The one tracking router; the modules beside this one add their routes to it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from codvid.api.envelope import ErrorBody

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
