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


@route(
    router,
    "/respond",
    ["POST"],
    response_class=StreamingResponse,
    responses=STREAMED,
    summary="Talk to the project's assistant (streamed)",
    description=(
        "Sends the user's message to the assistant of a project and answers with a chunked "
        'stream, one JSON object per HTTP chunk and line: `{"result": true, "response": '
        '{"data_mods": [...]}}`, which the client applies to its copy of the project '
        "(`append` of chat messages; `create` of notes in `ai_memory` and of `project_info`). "
        "Every streamed message is stored first, so `get-project-data` shows the same chat, "
        "and each chunk raises `mod_count` by 1. Needs `Authorization: Bearer <token>`; the "
        "body is `RespondRequest` in the envelope (update 8 clients may send `message` as a "
        "bare string). Errors before the stream are ordinary envelopes, e.g. 400 `Project "
        "not exists.` or 400 `Invalid message.text: must be at most 20000 characters` (the "
        'default limit); an error during it is a last chunk `{"result": false, "message": '
        "...}`."
    ),
)
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
    router,
    "/respond-stream-test",
    ["POST"],
    response_class=StreamingResponse,
    responses=STREAMED,
    summary="A test stream for clients' chunk reading",
    description=(
        'Answers a chunked stream of five JSON objects, `{"a": "0\\n"}` to '
        '`{"a": "4\\n"}`, one per HTTP chunk, so a client can check how it reads the '
        "stream of `/ai/respond`; it changes no data. Needs `Authorization: Bearer <token>` "
        "(401 without a valid one); the body is `StreamTestRequest` in the envelope (an empty "
        "`data` object) or no body at all."
    ),
)
async def respond_stream_test(
    _data: Annotated[StreamTestRequest, envelope(StreamTestRequest)], _user: CurrentUser
) -> StreamingResponse:
    return _stream(service.stream_test())
