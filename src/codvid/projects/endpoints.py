from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from codvid.api.deps import StoreDep, envelope
from codvid.api.envelope import Ok
from codvid.api.routing import route
from codvid.auth.dependencies import CurrentUser
from codvid.projects import service
from codvid.projects.schemas import MessageOk, ModCount, ProjectList, ProjectRef

router = APIRouter(prefix="/project", tags=["project"])
ProjectBody = Annotated[ProjectRef, envelope(ProjectRef)]


@route(
    router,
    "/get-project-list",
    ["GET", "POST"],
    summary="The caller's project names",
    description=(
        "Lists the names of the caller's projects as `response.project_list`, oldest first "
        "(clients open the last one as the newest). Needs `Authorization: Bearer <token>` "
        "(401 without a valid one); no body. GET and POST answer alike."
    ),
)
async def get_project_list(user: CurrentUser, store: StoreDep) -> Ok[ProjectList]:
    return Ok(response=ProjectList(project_list=await service.list_names(store, user["_id"])))


@route(
    router,
    "/create-project",
    ["POST"],
    summary="Create a project",
    description=(
        "Creates an empty project named `project_name` (1-100 characters, no control or "
        "invisible characters, surrounding spaces trimmed) and answers "
        '`{"result": true, "message": "Project created successfully"}`. '
        "Needs `Authorization: Bearer <token>`; the body is `ProjectRef` in the envelope. "
        "A name the caller already uses is 400 `Project already exists`, a missing one 400 "
        "`Missing required field: project_name`."
    ),
)
async def create_project(body: ProjectBody, user: CurrentUser, store: StoreDep) -> MessageOk:
    await service.create(store, user["_id"], body.project_name)
    return MessageOk(message="Project created successfully")


@route(
    router,
    "/get-project-mod-count",
    ["GET", "POST"],
    summary="A project's mod_count",
    description=(
        "Answers the project's `response.mod_count`, a counter the server raises with every "
        "change it makes to the project (each streamed assistant chunk, each reel task change): "
        "when it differs from the client's copy, reload the project with `get-project-data`. "
        "Needs `Authorization: Bearer <token>`; the body is `ProjectRef` in the envelope (GET "
        "reads it too). An unknown project, or another user's, is 400 `Project not exists.`."
    ),
)
async def get_project_mod_count(
    body: ProjectBody, user: CurrentUser, store: StoreDep
) -> Ok[ModCount]:
    count = await service.mod_count(store, user["_id"], body.project_name)
    return Ok(response=ModCount(mod_count=count))
