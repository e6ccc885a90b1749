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


@route(router, "/get-project-list", ["GET", "POST"], summary="The caller's project names")
async def get_project_list(user: CurrentUser, store: StoreDep) -> Ok[ProjectList]:
    return Ok(response=ProjectList(project_list=await service.list_names(store, user["_id"])))


@route(router, "/create-project", ["POST"], summary="Create a project")
async def create_project(body: ProjectBody, user: CurrentUser, store: StoreDep) -> MessageOk:
    await service.create(store, user["_id"], body.project_name)
    return MessageOk(message="Project created successfully")


@route(router, "/get-project-mod-count", ["GET", "POST"], summary="A project's mod_count")
async def get_project_mod_count(
    body: ProjectBody, user: CurrentUser, store: StoreDep
) -> Ok[ModCount]:
    count = await service.mod_count(store, user["_id"], body.project_name)
    return Ok(response=ModCount(mod_count=count))
