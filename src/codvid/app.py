"""The FastAPI application: resources built once in the lifespan, routers, handlers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from codvid import __version__
from codvid.ai.factory import build_assistant, close_assistant
from codvid.api.deps import State
from codvid.api.envelope import EXCEPTION_HANDLERS
from codvid.api.middleware import LimitsMiddleware, RequestContextMiddleware
from codvid.api.openapi import install_openapi
from codvid.api.router import BASE_PATH, include_routers
from codvid.auth.service import AuthContext
from codvid.auth.throttle import build_throttles
from codvid.auth.tokens import TokenIssuer, jwt_secret
from codvid.config import Settings, load_settings
from codvid.jobs import history, runs
from codvid.jobs.runtime import JobRuntime
from codvid.projects.service import INDEXES as PROJECT_INDEXES
from codvid.storage import open_store
from codvid.tracking.collections import INDEXES as TRACKING_INDEXES
from codvid.users.service import INDEXES as USER_INDEXES

log = logging.getLogger(__name__)
INDEXES = {
    **USER_INDEXES,
    **PROJECT_INDEXES,
    **TRACKING_INDEXES,
    **runs.INDEXES,
    **history.INDEXES,
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[State]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = open_store(settings)
        await store.ensure_indexes(INDEXES)
        auth = AuthContext(
            tokens=TokenIssuer(jwt_secret(settings), settings.jwt_lifetime_days * 86400),
            throttles=build_throttles(settings),
            min_password_length=settings.min_password_length,
        )
        jobs = JobRuntime(store, settings)
        await jobs.start()
        assistant = build_assistant(settings)
        log.info("codvid %s ready (data in %s)", __version__, settings.data_dir.resolve())
        try:
            yield {
                "settings": settings,
                "store": store,
                "auth": auth,
                "jobs": jobs,
                "assistant": assistant,
            }
        finally:
            await close_assistant(assistant)
            await jobs.stop()
            await store.close()

    app = FastAPI(
        title="Codvid backend",
        version=__version__,
        description=(
            "Track Instagram profiles and reels, analyse them, and chat with an assistant. "
            'Requests carry `{"schema_version": "4.0", "data": {...}}`; protected '
            "routes need `Authorization: Bearer <token>` from signup or login."
        ),
        lifespan=lifespan,
        docs_url=f"{BASE_PATH}/docs",
        redoc_url=None,
        openapi_url=f"{BASE_PATH}/openapi.json",
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
    )
    # Paths have no trailing slash (contract 1.1); a redirect would not be an envelope.
    app.router.redirect_slashes = False
    include_routers(app)
    install_openapi(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(LimitsMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    return app
