"""A fake OpenAI-compatible server: real HTTP on 127.0.0.1, scripted answers.

It runs its own event loop in a thread and speaks the chat-completions streaming wire
format as OpenAI does: ``text/event-stream`` over chunked transfer encoding, one
``data: {chunk}`` event per HTTP chunk, each flushed on its own, then ``data: [DONE]``.
Every connection carries one request (``Connection: close``).

Each request takes the next scripted response::

    fake.script(text("Hello"), tool_call("list_tracked", {}), http_error(500))

and leaves its JSON body in :attr:`FakeOpenAI.requests` (headers in ``headers``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any

MODEL = "fake-model"
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
            503: "Service Unavailable"}  # fmt: skip


class _Stream:
    """Writes one streamed answer; the fake's handler owns the connection."""

    def __init__(self, writer: asyncio.StreamWriter, model: str) -> None:
        self.writer = writer
        self.model = model

    async def headers(self) -> None:
        self.writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
            b"transfer-encoding: chunked\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n"
        )
        await self.writer.drain()

    async def event(self, data: str) -> None:
        payload = f"data: {data}\n\n".encode()
        self.writer.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        await self.writer.drain()

    async def chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> None:
        body = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 1_750_000_000,
            "model": self.model,
            "system_fingerprint": None,
            "choices": [
                {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            ],
        }
        await self.event(json.dumps(body))

    async def done(self) -> None:
        await self.event("[DONE]")
        self.writer.write(b"0\r\n\r\n")
        await self.writer.drain()


class Response:
    """One scripted answer."""

    async def send(self, stream: _Stream) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class _Text(Response):
    content: str
    piece: int
    finish_reason: str | None

    async def send(self, stream: _Stream) -> None:
        await stream.headers()
        await stream.chunk({"role": "assistant", "content": "", "refusal": None})
        for start in range(0, len(self.content), self.piece):
            await stream.chunk({"content": self.content[start : start + self.piece]})
        await stream.chunk({}, self.finish_reason)
        await stream.done()


@dataclass(frozen=True)
class _Call:
    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class _ToolCalls(Response):
    calls: tuple[_Call, ...]
    piece: int
    text: str
    interleave: bool

    async def send(self, stream: _Stream) -> None:
        await stream.headers()
        await stream.chunk({"role": "assistant", "content": self.text or None, "refusal": None})
        starts = []
        for index, call in enumerate(self.calls):
            first = {"id": call.id, "type": "function",
                     "function": {"name": call.name, "arguments": ""}}  # fmt: skip
            starts.append({"tool_calls": [{"index": index, **first}]})
        fragments = [
            [
                {"tool_calls": [{"index": index, "function": {"arguments": part}}]}
                for part in _pieces(call.arguments, self.piece)
            ]
            for index, call in enumerate(self.calls)
        ]
        if self.interleave:
            for start in starts:
                await stream.chunk(start)
            for round_ in range(max(map(len, fragments), default=0)):
                for parts in fragments:
                    if round_ < len(parts):
                        await stream.chunk(parts[round_])
        else:
            for start, parts in zip(starts, fragments, strict=True):
                await stream.chunk(start)
                for part in parts:
                    await stream.chunk(part)
        await stream.chunk({}, "tool_calls")
        await stream.done()


@dataclass(frozen=True)
class _ErrorMidStream(Response):
    """A few content chunks, then the connection is cut (no chunked terminator)."""

    async def send(self, stream: _Stream) -> None:
        await stream.headers()
        await stream.chunk({"role": "assistant", "content": ""})
        await stream.chunk({"content": "Partial "})
        await stream.chunk({"content": "answer"})
        stream.writer.transport.abort()


@dataclass(frozen=True)
class _ErrorEvent(Response):
    """An ``error`` object inside the stream, as OpenAI sends when it fails mid-answer."""

    message: str

    async def send(self, stream: _Stream) -> None:
        await stream.headers()
        await stream.chunk({"role": "assistant", "content": "Partial"})
        error = {"message": self.message, "type": "server_error", "param": None, "code": None}
        await stream.event(json.dumps({"error": error}))
        await stream.done()


@dataclass(frozen=True)
class _RawEvents(Response):
    """``data:`` events exactly as given, then ``[DONE]``."""

    events: tuple[str, ...]

    async def send(self, stream: _Stream) -> None:
        await stream.headers()
        for data in self.events:
            await stream.event(data)
        await stream.done()


@dataclass(frozen=True)
class _HttpError(Response):
    status: int
    message: str

    async def send(self, stream: _Stream) -> None:
        error = {"message": self.message, "type": "invalid_request_error", "param": None,
                 "code": None}  # fmt: skip
        body = json.dumps({"error": error}).encode()
        reason = _REASONS.get(self.status, "Error")
        stream.writer.write(
            f"HTTP/1.1 {self.status} {reason}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
            + body
        )
        await stream.writer.drain()


@dataclass(frozen=True)
class _Hang(Response):
    seconds: float
    before_headers: bool

    async def send(self, stream: _Stream) -> None:
        if not self.before_headers:
            await stream.headers()
        await asyncio.sleep(self.seconds)


def text(content: str, *, piece: int = 4, finish_reason: str | None = "stop") -> Response:
    """A text answer in ``piece``-character deltas; ``finish_reason=None`` sends none."""
    return _Text(content, piece, finish_reason)


def tool_call(
    name: str, arguments: dict[str, Any] | str, *, call_id: str = "call_0", piece: int = 5
) -> Response:
    """One tool call; ``arguments`` (a dict is dumped to JSON) in ``piece``-character parts."""
    return tool_calls((name, arguments, call_id), piece=piece)


def tool_calls(
    *calls: tuple[str, dict[str, Any] | str, str],
    piece: int = 5,
    text: str = "",
    interleave: bool = False,
) -> Response:
    """Several calls ``(name, arguments, id)`` in one answer, in order or interleaved."""
    made = tuple(
        _Call(call_id, name, args if isinstance(args, str) else json.dumps(args))
        for name, args, call_id in calls
    )
    return _ToolCalls(made, piece, text, interleave)


def error_mid_stream() -> Response:
    return _ErrorMidStream()


def error_event(
    message: str = "The server had an error while processing your request.",
) -> Response:
    return _ErrorEvent(message)


def raw_events(*events: str | dict[str, Any]) -> Response:
    """Events as given (a dict is dumped to JSON), for servers that bend the format."""
    return _RawEvents(tuple(e if isinstance(e, str) else json.dumps(e) for e in events))


def http_error(status: int, message: str = "fake error") -> Response:
    return _HttpError(status, message)


def hang(seconds: float, *, before_headers: bool = False) -> Response:
    """Send nothing for ``seconds`` (after the headers, unless ``before_headers``)."""
    return _Hang(seconds, before_headers)


def _pieces(value: str, size: int) -> list[str]:
    return [value[start : start + size] for start in range(0, len(value), size)]


@dataclass
class FakeOpenAI:
    model: str = MODEL
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    port: int = 0
    _script: list[Response] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _stop: asyncio.Event | None = None
    _ready: threading.Event = field(default_factory=threading.Event)
    _handlers: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *responses: Response) -> None:
        """Queue answers, one per coming request."""
        with self._lock:
            self._script.extend(responses)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="fake-openai", daemon=True)
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("fake OpenAI server did not start")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        with asyncio.Runner() as runner:
            runner.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stop.wait()
        server.close()
        # Hanging answers end now; newer Pythons' wait_closed() waits for them.
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            await self._answer(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away: normal after a timeout
        finally:
            self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        request_line, *lines = head.split("\r\n")
        _, path, _ = request_line.split(" ", 2)
        headers = {}
        for line in lines:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        stream = _Stream(writer, self.model)
        with self._lock:
            self.paths.append(path)
            self.headers.append(headers)
            self.requests.append(json.loads(body) if body else {})
            response = self._script.pop(0) if self._script else None
        if not path.endswith("/chat/completions"):
            await _HttpError(404, f"unknown path {path}").send(stream)
        elif response is None:
            await _HttpError(500, "fake OpenAI server: no scripted response left").send(stream)
        else:
            await response.send(stream)


__all__ = [
    "FakeOpenAI",
    "Response",
    "error_event",
    "error_mid_stream",
    "hang",
    "http_error",
    "raw_events",
    "text",
    "tool_call",
    "tool_calls",
]
