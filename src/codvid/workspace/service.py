"""Operations over everything a user has, each part through the package that owns it."""

from __future__ import annotations

from codvid.alerts import service as alerts
from codvid.projects import chats
from codvid.projects import service as projects
from codvid.projects.documents import ProjectDocument
from codvid.projects.schemas import ChatMessage, ProjectInfo
from codvid.storage import Store
from codvid.tracking import profiles, reels, usage, views
from codvid.users import service as users
from codvid.workspace.schemas import ProjectData


async def project_data(store: Store, project: ProjectDocument) -> ProjectData:
    """The project as the client caches it: its fields, chats and reel tasks."""
    return ProjectData(
        schema_version=project["schema_version"],
        mod_count=project["mod_count"],
        date=project["date"],
        project_info=ProjectInfo.model_validate(project["project_info"]),
        ai_memory=project["ai_memory"],
        chats=[ChatMessage.model_validate(m) for m in await chats.messages(store, project["_id"])],
        reel_tracking_tasks=[
            views.reel_task(task) for task in await reels.for_project(store, project["_id"])
        ],
    )


async def project_by_name(store: Store, user_id: str, name: str) -> ProjectData:
    return await project_data(store, await projects.get(store, user_id, name))


async def delete_project(store: Store, user_id: str, name: str) -> None:
    project = await projects.get(store, user_id, name, missing="Project not found")
    await reels.delete_for_project(store, project["_id"])
    await projects.delete(store, project["_id"])


async def delete_account(store: Store, user_id: str) -> None:
    """Remove everything the user owns, then the user (so a retry after a crash
    finishes the job; the token stops working once the user document is gone)."""
    await profiles.delete_all(store, user_id)
    for project in await projects.list_for_user(store, user_id):
        await reels.delete_for_project(store, project["_id"])
        await projects.delete(store, project["_id"])
    await usage.delete_for_user(store, user_id)
    await alerts.delete_for_user(store, user_id)
    await users.delete_user(store, user_id)
