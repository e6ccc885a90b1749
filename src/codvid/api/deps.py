"""Generic dependencies as ``Annotated`` aliases: routes declare what they need, nothing
more. What the lifespan builds (the composition root's resources) is read from the
request state; domain-specific dependencies (the current user) live with their domain.

All are ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread, a
hand-off that costs more than these lookups themselves. The functions are public so that
tests can replace one with ``app.dependency_overrides``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from codvid.api.envelope import EnvelopeParser
from codvid.jobs.ports import Enqueue
from codvid.storage import Store


async def get_store(request: Request) -> Store:
    store: Store = request.state.store
    return store


async def get_enqueue(request: Request) -> Enqueue:
    enqueue: Enqueue = request.state.enqueue
    return enqueue


async def get_client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


StoreDep = Annotated[Store, Depends(get_store)]
EnqueueDep = Annotated[Enqueue, Depends(get_enqueue)]
ClientAddress = Annotated[str, Depends(get_client_address)]


def envelope(model: type[Any]) -> Any:
    """``data: Annotated[Model, envelope(Model)]``: the validated envelope ``data``."""
    return Depends(EnvelopeParser(model))
