"""Routes over a user's data as a whole: the project with everything in it, and the
deletes that take everything with them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from codvid.api.deps import StoreDep, envelope
from codvid.api.envelope import Ok
from codvid.api.routing import route
from codvid.auth.dependencies import CurrentUser
from codvid.projects.schemas import MessageOk, ProjectRef
from codvid.workspace import service
from codvid.workspace.schemas import AccountDeleted, ProjectDataBody

router = APIRouter()
ProjectBody = Annotated[ProjectRef, envelope(ProjectRef)]


@route(
    router,
    "/project/get-project-data",
    ["GET", "POST"],
    summary="A project with chats and reels",
    description=(
        "Answers the whole project as `response.project_data`: its fields (`mod_count`, "
        "`date`, `project_info`, `ai_memory`), its chat messages in order and its reel "
        "tracking tasks with their results. Needs `Authorization: Bearer <token>`; the body "
        "is `ProjectRef` in the envelope (GET reads it too). An unknown project, or another "
        "user's, is 400 `Project not exists.`."
    ),
    tags=["project"],
)
async def get_project_data(
    body: ProjectBody, user: CurrentUser, store: StoreDep
) -> Ok[ProjectDataBody]:
    data = await service.project_by_name(store, user["_id"], body.project_name)
    return Ok(response=ProjectDataBody(project_data=data))


@route(
    router,
    "/project/delete-project",
    ["POST", "DELETE", "GET"],
    summary="Delete a project",
    description=(
        "Deletes the project with its chats and its reel tracking tasks (their runs and "
        'history too) and answers `{"result": true, "message": "Project deleted '
        'successfully"}`. Needs `Authorization: Bearer <token>`; the body is `ProjectRef` in '
        "the envelope; POST, DELETE and GET do the same. An unknown project, or another "
        "user's, is 400 `Project not found`."
    ),
    tags=["project"],
)
async def delete_project(body: ProjectBody, user: CurrentUser, store: StoreDep) -> MessageOk:
    await service.delete_project(store, user["_id"], body.project_name)
    return MessageOk(message="Project deleted successfully")


@route(
    router,
    "/user/delete-account",
    ["POST", "GET", "DELETE"],
    summary="Delete the account",
    description=(
        "Deletes the caller's account and everything it owns (profile tracking tasks, "
        "projects with their chats and reel tasks); the token stops working. Answers "
        "`message` and `response.message` `Account deleted successfully`. Needs "
        "`Authorization: Bearer <token>` (401 without a valid one); no body; POST, GET and "
        "DELETE do the same. `/user/delete_account` is the update 7 name of the same route."
    ),
    tags=["user"],
)
@route(
    router,
    "/user/delete_account",
    ["POST", "GET", "DELETE"],
    summary="Delete the account (update 7)",
    description=(
        "The update 7 name of `/user/delete-account`, the same route: deletes the caller's "
        "account and everything it owns (profile tracking tasks, projects with their chats "
        "and reel tasks) and answers `message` and `response.message` `Account deleted "
        "successfully`. Needs `Authorization: Bearer <token>` (401 without a valid one); no "
        "body; POST, GET and DELETE do the same."
    ),
    tags=["user"],
)
async def delete_account(user: CurrentUser, store: StoreDep) -> AccountDeleted:
    await service.delete_account(store, user["_id"])
    return AccountDeleted()
