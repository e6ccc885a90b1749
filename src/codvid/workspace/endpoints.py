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
    tags=["user"],
)
@route(
    router,
    "/user/delete_account",
    ["POST", "GET", "DELETE"],
    summary="Delete the account (update 7)",
    tags=["user"],
)
async def delete_account(user: CurrentUser, store: StoreDep) -> AccountDeleted:
    await service.delete_account(store, user["_id"])
    return AccountDeleted()
