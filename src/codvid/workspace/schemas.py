from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from codvid.kit.schemas import MessageBody
from codvid.projects.schemas import ChatMessage, ProjectFields
from codvid.tracking.views import ReelTask

ACCOUNT_DELETED = "Account deleted successfully"


class ProjectData(ProjectFields):
    """A project as ``get-project-data`` returns it (contract 3.2)."""

    chats: list[ChatMessage]
    reel_tracking_tasks: list[ReelTask]


class ProjectDataBody(BaseModel):
    project_data: ProjectData


class AccountDeleted(BaseModel):
    """Shape B plus the update 7 (``response.message``) and update 8 (``message``) forms."""

    result: Literal[True] = True
    message: str = ACCOUNT_DELETED
    response: MessageBody = MessageBody(message=ACCOUNT_DELETED)
