from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from codvid.api.routing import route

router = APIRouter(tags=["system"])


class Pong(BaseModel):
    """Shape F: no ``result`` key."""

    message: str = Field(default="pong", examples=["pong"])


@route(router, "/ping", ["GET", "POST"], summary="Health check (public)")
async def ping() -> Pong:
    return Pong()
