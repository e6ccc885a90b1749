"""Dependencies as ``Annotated`` aliases: routes declare what they need, nothing more.

All are ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread, a
hand-off that costs more than these lookups themselves."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from fastapi import Depends, Request

from codvid.ai.service import Assistant
from codvid.api.envelope import EnvelopeParser
from codvid.auth import service as auth_service
from codvid.auth.service import AuthContext
from codvid.config import Settings
from codvid.jobs.runtime import JobRuntime
from codvid.jobs.scheduler import Enqueue
from codvid.storage import Document, Store


class State(TypedDict):
    """What the lifespan builds once and every request shares."""

    settings: Settings
    store: Store
    auth: AuthContext
    jobs: JobRuntime
    assistant: Assistant


async def _store(request: Request) -> Store:
    store: Store = request.state.store
    return store


async def _auth(request: Request) -> AuthContext:
    auth: AuthContext = request.state.auth
    return auth


async def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _enqueue(request: Request) -> Enqueue:
    jobs: JobRuntime = request.state.jobs
    return jobs.enqueue


async def _assistant(request: Request) -> Assistant:
    assistant: Assistant = request.state.assistant
    return assistant


StoreDep = Annotated[Store, Depends(_store)]
AssistantDep = Annotated[Assistant, Depends(_assistant)]
EnqueueDep = Annotated[Enqueue, Depends(_enqueue)]
AuthDep = Annotated[AuthContext, Depends(_auth)]
ClientAddress = Annotated[str, Depends(_client)]


async def _current_user(request: Request) -> Document:
    """One dependency node, not a tree: every node costs FastAPI time on every request.
    The header is judged by the service so that every failure gets the contract's 401
    message; the security scheme is documented by ``api.openapi``."""
    state = request.state
    return await auth_service.authenticate(
        state.store, state.auth, request.headers.get("authorization")
    )


CurrentUser = Annotated[Document, Depends(_current_user)]
#: Router-level guard: authentication runs before the body is read, so a request without
#: a valid token is 401 whatever its body (the result is cached for ``CurrentUser``).
REQUIRE_USER = Depends(_current_user)


def envelope(model: type[Any]) -> Any:
    """``data: Annotated[Model, envelope(Model)]``: the validated envelope ``data``."""
    return Depends(EnvelopeParser(model))
