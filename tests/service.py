"""The service in this process: the real app with its lifespan running (the composition
root's resources built and closed as ``codvid serve`` does), reached through
``httpx.ASGITransport``, with ``app.dependency_overrides`` for tests that replace a part."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.types import ASGIApp

from codvid import app as app_module
from codvid.app import create_app
from codvid.config import Settings

BASE_URL = "http://codvid.test"


@dataclass
class Service:
    app: FastAPI
    asgi: ASGIApp
    """The app as a server runs it: each request's scope carries the lifespan state."""
    settings: Settings

    def client(self, address: str = "127.0.0.1") -> httpx.AsyncClient:
        """A client whose requests come from ``address`` (the app sees it as the peer)."""
        transport = httpx.ASGITransport(app=self.asgi, client=(address, 50000))
        return httpx.AsyncClient(transport=transport, base_url=BASE_URL, timeout=30)


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Service]:
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
        yield Service(app, manager.app, settings)


def api_routes() -> list[APIRoute]:
    """Every route of every domain router, aliases and methods each their own."""
    return [
        route
        for router in (*app_module.PROTECTED, *app_module.PUBLIC)
        for route in router.routes
        if isinstance(route, APIRoute)
    ]
