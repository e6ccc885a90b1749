"""Mount every domain router under the base path ``/codvid-ai``."""

from __future__ import annotations

from fastapi import FastAPI

from codvid.ai.endpoints import router as ai_router
from codvid.api.deps import REQUIRE_USER
from codvid.api.envelope import AUTH_RESPONSES, ERROR_RESPONSES
from codvid.auth.endpoints import router as auth_router
from codvid.projects.endpoints import router as projects_router
from codvid.system.endpoints import router as system_router
from codvid.tracking.endpoints import router as tracking_router
from codvid.users.endpoints import router as users_router

BASE_PATH = "/codvid-ai"

PUBLIC = (system_router, auth_router)
# Busiest first: routes are matched in order (protected ones before public).
PROTECTED = (tracking_router, projects_router, ai_router, users_router)


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
