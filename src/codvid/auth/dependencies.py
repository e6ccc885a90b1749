"""The caller, for every protected route: dependencies as ``Annotated`` aliases.

All are ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread, a
hand-off that costs more than these lookups themselves."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from codvid.auth import service
from codvid.auth.service import AuthContext
from codvid.storage import Document


async def get_auth(request: Request) -> AuthContext:
    auth: AuthContext = request.state.auth
    return auth


async def current_user(request: Request) -> Document:
    """One dependency node, not a tree: every node costs FastAPI time on every request.
    The header is judged by the service so that every failure gets the contract's 401
    message; the security scheme is documented by ``api.openapi``."""
    state = request.state
    return await service.authenticate(state.store, state.auth, request.headers.get("authorization"))


AuthDep = Annotated[AuthContext, Depends(get_auth)]
CurrentUser = Annotated[Document, Depends(current_user)]
#: Router-level guard: authentication runs before the body is read, so a request without
#: a valid token is 401 whatever its body (the result is cached for ``CurrentUser``).
REQUIRE_USER = Depends(current_user)
