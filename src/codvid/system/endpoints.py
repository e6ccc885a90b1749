from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from codvid.api.deps import StoreDep
from codvid.api.envelope import ErrorBody, Ok
from codvid.api.routing import route
from codvid.system import service

router = APIRouter(tags=["system"])
NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorBody, "description": "A dependency does not answer"}
}


class Pong(BaseModel):
    """Shape F: no ``result`` key."""

    message: str = Field(default="pong", examples=["pong"])


@route(
    router,
    "/ping",
    ["GET", "POST"],
    summary="Health check (public)",
    description=(
        'Answers `{"message": "pong"}` (no `result` key) while the service runs. Public; no '
        "body; GET and POST answer alike."
    ),
)
async def ping() -> Pong:
    return Pong()


class Live(BaseModel):
    status: Literal["live"] = "live"


class Ready(BaseModel):
    status: Literal["ready"] = "ready"
    checks: dict[str, str] = Field(examples=[{"storage": "ok"}])


@route(
    router,
    "/health/live",
    ["GET"],
    summary="Liveness: the process answers (public)",
    description=(
        'Liveness probe: answers 200 `{"result": true, "response": {"status": "live"}}` '
        "whenever the process serves requests at all; it checks nothing else. Public; no body."
    ),
)
async def live() -> Ok[Live]:
    return Ok(response=Live())


@route(
    router,
    "/health/ready",
    ["GET"],
    responses=NOT_READY,
    summary="Readiness: storage answers in time (public)",
    description=(
        "Readiness probe: answers 200 with `response.status` `ready` and `response.checks` "
        '(`{"storage": "ok"}`) when the storage answers within 2 s. Otherwise it is 503 '
        "naming what does not answer, e.g. `Not ready: storage: no answer within 2 s`, with "
        "`Retry-After`. Public; no body."
    ),
)
async def ready(store: StoreDep) -> Ok[Ready]:
    return Ok(response=Ready(checks=await service.readiness(store)))
