"""The FastAPI application: the composition root's resources for the lifespan, every
domain's router mounted under ``/codvid-ai``, one error handler tree."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline

from codvid import __version__, bootstrap
from codvid.ai.endpoints import router as ai_router
from codvid.alerts.endpoints import router as alerts_router
from codvid.analytics.endpoints import router as analytics_router
from codvid.api.envelope import AUTH_RESPONSES, ERROR_RESPONSES, EXCEPTION_HANDLERS
from codvid.api.middleware import (
    EnvelopeCORSMiddleware,
    LimitsMiddleware,
    RequestContextMiddleware,
)
from codvid.api.openapi import install_openapi
from codvid.auth.dependencies import REQUIRE_USER
from codvid.auth.endpoints import router as auth_router
from codvid.config import Settings, load_settings
from codvid.jobs.roles import ALL_ROLES, Role
from codvid.jobs.settings import is_in_process
from codvid.projects.endpoints import router as projects_router
from codvid.system.endpoints import router as system_router
from codvid.tracking.endpoints import router as tracking_router
from codvid.workspace.endpoints import router as workspace_router

log = logging.getLogger(__name__)
BASE_PATH = "/codvid-ai"

PUBLIC: tuple[APIRouter, ...] = (system_router, auth_router)
# Busiest first: routes are matched in order (protected ones before public).
PROTECTED: tuple[APIRouter, ...] = (
    tracking_router,
    projects_router,
    workspace_router,
    ai_router,
    analytics_router,
    alerts_router,
)


def include_routers(app: FastAPI) -> None:
    """Include each domain router into the app itself: one level of routers, not two, is
    cheaper to match on every request."""
    for protected in PROTECTED:
        app.include_router(
            protected,
            prefix=BASE_PATH,
            responses={**ERROR_RESPONSES, **AUTH_RESPONSES},
            dependencies=[REQUIRE_USER],
        )
    for public in PUBLIC:
        app.include_router(public, prefix=BASE_PATH, responses=ERROR_RESPONSES)


def serving_roles(settings: Settings) -> frozenset[Role]:
    """What ``codvid serve`` plays: every role on the embedded default (its jobs run in
    the process); only the API beside a broker between processes, whose workers and
    schedulers are ``codvid worker`` and ``codvid scheduler``."""
    return ALL_ROLES if is_in_process(settings.jobs) else frozenset({Role.API})


def settle_heap() -> None:
    """What start-up built lives as long as the process: collect once, then take it out of
    the collector's sight (``gc.freeze``). The full collections that requests' garbage sets
    off then walk only what requests made: over the 160,000 objects of a started server,
    one took 100-240 ms, every few analytics answers (``bench/analytics.py``)."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, *, freeze_heap: bool = False) -> FastAPI:
    """The API of a ``codvid serve`` process (:func:`serving_roles`); ``freeze_heap``: the
    process serves this one app for its life (:func:`settle_heap` once it started)."""
    settings = settings or load_settings()
    roles = serving_roles(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[bootstrap.Resources]:
        async with bootstrap.running(settings, roles) as resources:
            if freeze_heap:
                settle_heap()
            log.info(
                "codvid %s ready (data in %s)",
                __version__,
                settings.storage.data_dir.resolve(),
            )
            yield resources

    # The docs pages and their scripts are served from the installed package, so they work
    # offline (no CDN).
    app = FastAPIOffline(
        docs_url=f"{BASE_PATH}/docs",
        redoc_url=f"{BASE_PATH}/redoc",
        static_url=f"{BASE_PATH}/docs-static",
        title="Codvid backend",
        version=__version__,
        description=(
            "Track Instagram profiles and reels, analyse them, and chat with an assistant. "
            'Requests carry `{"schema_version": "4.0", "data": {...}}`; protected '
            "routes need `Authorization: Bearer <token>` from signup or login."
        ),
        openapi_tags=[
            {
                "name": "auth",
                "description": (
                    "Sign up, log in and look up account ids; public, with "
                    "throttles per email and client address."
                ),
            },
            {
                "name": "user",
                "description": "The caller's account: deleting it with everything it owns.",
            },
            {
                "name": "project",
                "description": (
                    "The caller's projects: create, list, read with their chats "
                    "and reel tasks, delete."
                ),
            },
            {
                "name": "ig-tracking",
                "description": (
                    "Tracking of Instagram profiles and reels: tasks, scrapes now "
                    "or on schedule, their progress, results and comment sentiment."
                ),
            },
            {
                "name": "analytics",
                "description": (
                    "Over the snapshots every scrape keeps: growth history, engagement "
                    "rates, competitors side by side, CSV exports and growth charts."
                ),
            },
            {
                "name": "webhooks",
                "description": (
                    "Alerts by webhook: subscriptions to a task's events (runs, new posts, "
                    "milestones, unusual growth, reel surges), signed and retried deliveries."
                ),
            },
            {
                "name": "ai",
                "description": (
                    "The project assistant: answers streamed as data_mods, one "
                    "JSON object per HTTP chunk."
                ),
            },
            {
                "name": "system",
                "description": "Public probes for monitoring: ping, liveness and readiness.",
            },
        ],
        lifespan=lifespan,
        openapi_url=f"{BASE_PATH}/openapi.json",
        swagger_ui_oauth2_redirect_url=f"{BASE_PATH}/docs/oauth2-redirect",
        exception_handlers=EXCEPTION_HANDLERS,
    )
    # Paths have no trailing slash (contract 1.1); a redirect would not be an envelope.
    app.router.redirect_slashes = False
    include_routers(app)
    install_openapi(app)
    if settings.http.cors_origins:
        app.add_middleware(
            EnvelopeCORSMiddleware,
            allow_origins=settings.http.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(LimitsMiddleware, max_body_bytes=settings.http.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    return app
