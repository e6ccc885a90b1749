from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from codvid.api.deps import CurrentUser, StoreDep
from codvid.api.envelope import MessageBody
from codvid.api.routing import route
from codvid.users import service

router = APIRouter(prefix="/user", tags=["user"])
DELETED = "Account deleted successfully"


class AccountDeleted(BaseModel):
    """Shape B plus the update 7 (``response.message``) and update 8 (``message``) forms."""

    result: Literal[True] = True
    message: str = DELETED
    response: MessageBody = MessageBody(message=DELETED)


@route(router, "/delete-account", ["POST", "GET", "DELETE"], summary="Delete the account")
@route(router, "/delete_account", ["POST", "DELETE"], summary="Delete the account (update 7)")
async def delete_account(user: CurrentUser, store: StoreDep) -> AccountDeleted:
    await service.delete_account(store, user["_id"])
    return AccountDeleted()
