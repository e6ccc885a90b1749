"""``/ai/respond`` and ``/ai/respond-stream-test``: one JSON object per HTTP chunk."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from codvid.ai import service
from codvid.ai.schemas import RespondRequest, StreamChunk, StreamTestRequest
from codvid.ai.service import Assistant
from codvid.api.deps import EnqueueDep, StoreDep, envelope
from codvid.api.routing import route
from codvid.auth.dependencies import CurrentUser

router = APIRouter(prefix="/ai", tags=["ai"])
MEDIA_TYPE = "application/json; charset=utf-8"
STREAMED = {
    200: {
        "description": "A chunked stream of JSON objects, one per chunk (contract 2.5.4)",
        "content": {"application/json": {"schema": StreamChunk.model_json_schema()}},
    }
}


async def get_assistant(request: Request) -> Assistant:
    assistant: Assistant = request.state.assistant
    return assistant


AssistantDep = Annotated[Assistant, Depends(get_assistant)]


async def _encode(chunks: AsyncIterator[dict[str, Any]]) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        yield (json.dumps(chunk, ensure_ascii=True) + "\n").encode()


def _stream(chunks: AsyncIterator[dict[str, Any]]) -> StreamingResponse:
    return StreamingResponse(
        _encode(chunks),
        media_type=MEDIA_TYPE,
        headers={"X-Accel-Buffering": "no"},  # Cache-Control: no-store is set for every answer
    )


@route(router, "/respond", ["POST"], response_class=StreamingResponse, responses=STREAMED)
async def respond(
    data: Annotated[RespondRequest, envelope(RespondRequest)],
    user: CurrentUser,
    store: StoreDep,
    assistant: AssistantDep,
    enqueue: EnqueueDep,
) -> StreamingResponse:
    turn = await service.start_turn(store, assistant, user, data, enqueue)
    return _stream(turn.chunks())


@route(
    router, "/respond-stream-test", ["POST"], response_class=StreamingResponse, responses=STREAMED
)
async def respond_stream_test(
    _data: Annotated[StreamTestRequest, envelope(StreamTestRequest)], _user: CurrentUser
) -> StreamingResponse:
    return _stream(service.stream_test())
