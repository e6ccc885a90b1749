"""A fake Instagram Graph API (Business Discovery): a Starlette app that uvicorn serves on
127.0.0.1 (a free port) in a background thread, answering as Meta documents.

It reads the ``fields`` expansion it is sent (``business_discovery.username(x){...,
media.limit(n).after(c){...}}``), checks the access token (``Authorization: Bearer`` or
``OAuth`` header, or the ``access_token`` query parameter, as Graph accepts all three),
and answers scripted accounts::

    with FakeGraph() as graph:
        graph.add(Account("bluebottle", media=[Media("C0de1", ...), ...]))
        graph.fail(throttled(4), server_error())   # the next two requests
        ...
        graph.requests                            # every request, in order

Sources of the shapes (each answer below names its own):

* [BD] developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/
  ig-user/business_discovery, and the Business Discovery guide
  (.../instagram-api-with-facebook-login/business-discovery);
* [MEDIA] developers.facebook.com/docs/instagram-platform/reference/instagram-media;
* [ERR] developers.facebook.com/docs/graph-api/guides/error-handling;
* [RATE] developers.facebook.com/docs/graph-api/overview/rate-limiting;
* [SDK] facebook/facebook-python-business-sdk, facebook_business/adobjects/igmedia.py
  (IG Media field names).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, NoReturn

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN = "EAAfakeGraphToken0123456789abcdefSECRET"
IG_USER_ID = "17841405309211844"
VERSION = re.compile(r"v\d+\.\d+")

# [BD] IG User fields Business Discovery may expand (public fields of the IG User
# reference, plus those Meta answers in practice), and its one edge.
USER_FIELDS = frozenset(
    {
        "biography",
        "followers_count",
        "follows_count",
        "id",
        "ig_id",
        "media_count",
        "name",
        "profile_picture_url",
        "username",
        "website",
        "media",
    }
)
# [MEDIA] [SDK] IG Media fields; ``view_count`` is "available for Business Discovery only".
MEDIA_FIELDS = frozenset(
    {
        "caption",
        "comments_count",
        "id",
        "is_shared_to_feed",
        "like_count",
        "media_product_type",
        "media_type",
        "media_url",
        "permalink",
        "shortcode",
        "thumbnail_url",
        "timestamp",
        "username",
        "view_count",
    }
)


@dataclass
class Media:
    """One IG Media object of an account, as Meta stores it."""

    shortcode: str
    timestamp: float
    media_type: Literal["IMAGE", "VIDEO", "CAROUSEL_ALBUM"] = "IMAGE"
    media_product_type: Literal["FEED", "REELS"] = "FEED"
    caption: str | None = None
    like_count: int | None = 0
    """``None``: the owner hides likes, so Meta omits the field (v11.0+, [MEDIA])."""
    comments_count: int = 0
    view_count: int | None = None
    """Reel views; other media have none, and Meta omits the field ([BD] sample)."""
    id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    """Requested fields answered as given over the real ones, ``None`` leaving one out
    (to answer something broken or partial)."""

    def node(self, fields: list[str], owner: str) -> dict[str, Any]:
        section = "reel" if self.media_product_type == "REELS" else "p"
        values: dict[str, Any] = {
            "shortcode": self.shortcode,
            "permalink": f"https://www.instagram.com/{section}/{self.shortcode}/",
            # [MEDIA] "ISO 8601-formatted creation date in UTC", e.g. 2019-04-05T07:56:32+0000
            "timestamp": datetime.fromtimestamp(self.timestamp, UTC).strftime(
                "%Y-%m-%dT%H:%M:%S+0000"
            ),
            "media_type": self.media_type,
            "media_product_type": self.media_product_type,
            "caption": self.caption,
            "like_count": self.like_count,
            "comments_count": self.comments_count,
            "view_count": self.view_count,
            "username": owner,
            "is_shared_to_feed": True,
            "media_url": f"https://scontent.cdninstagram.com/{self.shortcode}.jpg",
        }
        node = {name: values[name] for name in fields if values.get(name) is not None}
        node.setdefault("id", self.id)  # Graph answers every node with its id
        for name, value in self.extra.items():
            if name in fields and value is None:
                node.pop(name, None)
            elif name in fields:
                node[name] = value
        return node


@dataclass
class Account:
    """An Instagram account the fake knows; ``personal`` ones Business Discovery hides."""

    username: str
    kind: Literal["business", "creator", "personal"] = "business"
    name: str | None = None
    biography: str | None = None
    followers_count: int | None = 1200
    follows_count: int | None = 150
    media_count: int | None = None
    """Defaults to the number of media."""
    profile_picture_url: str | None = "https://scontent.cdninstagram.com/profile.jpg"
    website: str | None = None
    media: list[Media] = field(default_factory=list)
    """Newest first, as Meta pages them."""
    id: str = ""

    def node(self, fields: list[str]) -> dict[str, Any]:
        values = {
            "username": self.username,
            "name": self.name,
            "biography": self.biography,
            "followers_count": self.followers_count,
            "follows_count": self.follows_count,
            "media_count": len(self.media) if self.media_count is None else self.media_count,
            "profile_picture_url": self.profile_picture_url,
            "website": self.website,
            "ig_id": int(self.id[-9:]),
        }
        node = {name: values[name] for name in fields if values.get(name) is not None}
        node["id"] = self.id
        return node


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    url: str


@dataclass(frozen=True)
class Fault:
    """A scripted answer that replaces the next request's real one."""

    status: int = 200
    body: bytes | None = None
    error: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds before answering; with nothing else scripted, the real answer follows."""


class GraphFailure(Exception):
    """An error answer while handling a request (mirrors a Graph ``error`` object)."""

    def __init__(
        self, status: int, code: int, message: str, *, subcode: int | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = _error(code, message, subcode=subcode, **extra)


_trace = itertools.count(1)


def _error(code: int, message: str, *, subcode: int | None = None, **extra: Any) -> dict[str, Any]:
    """[ERR] ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error.update(extra)
    error["fbtrace_id"] = f"AFakeTrace{next(_trace):06d}"
    return error


# -- scriptable faults -------------------------------------------------------------------

THROTTLE_MESSAGES = {
    # [ERR] / [RATE]: the throttling codes and their messages; all answer HTTP 400.
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80002: "(#80002) There have been too many calls to this Instagram account. "
    "Wait a bit and try again.",
}


def throttled(code: int = 4, *, call_count: int = 100, regain_minutes: int | None = None) -> Fault:
    """[RATE] A throttled call: HTTP 400, a throttling ``code``, and usage headers at
    ``call_count`` percent; ``regain_minutes`` adds an ``X-Business-Use-Case-Usage`` with
    ``estimated_time_to_regain_access``."""
    usage = {"call_count": call_count, "total_cputime": 40, "total_time": 55}
    headers = {"x-app-usage": json.dumps(usage)}
    if regain_minutes is not None:
        buc = {
            IG_USER_ID: [
                {"type": "instagram", **usage, "estimated_time_to_regain_access": regain_minutes}
            ]
        }
        headers["x-business-use-case-usage"] = json.dumps(buc)
    return Fault(
        status=400,
        error=_error(code, THROTTLE_MESSAGES[code], is_transient=True),
        headers=headers,
    )


def token_expired() -> Fault:
    """[ERR] 190 with subcode 463 (expired), answered with HTTP 400 and the OAuth
    ``WWW-Authenticate`` challenge Graph sends with token errors."""
    message = (
        "Error validating access token: Session has expired on Friday, 14-Nov-25 10:00:00 "
        "PST. The current time is Monday, 01-Dec-25 04:00:00 PST."
    )
    return Fault(
        status=400,
        error=_error(190, message, subcode=463),
        headers={"www-authenticate": f'OAuth "Facebook Platform" "invalid_token" "{message}"'},
    )


def permission_denied(code: int = 10) -> Fault:
    """[ERR] 10 and 200-299: a permission the app lacks. Meta answers these with 400 or
    403 (here #10 with 400, #2xx with 403); the code, not the status, says what it is."""
    if code == 10:
        return Fault(
            400, error=_error(10, "(#10) Application does not have permission for this action")
        )
    return Fault(
        403,
        error=_error(
            code, f"(#{code}) Requires instagram_manage_insights permission to manage the object"
        ),
    )


def server_error(status: int = 500, code: int = 2) -> Fault:
    """[ERR] 1 (unknown) or 2 (service): transient, answered with HTTP 500."""
    message = (
        "An unknown error occurred"
        if code == 1
        else "An unexpected error has occurred. Please retry your request later."
    )
    return Fault(status, error=_error(code, message, is_transient=True))


def bad_gateway() -> Fault:
    """A proxy's HTML page in front of Graph (HTTP 502): no JSON at all."""
    return Fault(
        502,
        body=b"<html><body><h1>502 Bad Gateway</h1></body></html>",
        headers={"content-type": "text/html"},
    )


def malformed_json() -> Fault:
    """HTTP 200 whose JSON is cut short."""
    return Fault(
        200,
        body=b'{"business_discovery": {"followers_count": 12',
        headers={"content-type": "application/json"},
    )


def slow(seconds: float) -> Fault:
    """The real answer, ``seconds`` late."""
    return Fault(delay=seconds)


def graph_error(status: int, code: int, message: str, *, subcode: int | None = None) -> Fault:
    """Any other Graph error object."""
    return Fault(status, error=_error(code, message, subcode=subcode))


# -- the fields expansion ----------------------------------------------------------------


@dataclass
class FieldSpec:
    """One requested field: ``name.modifier(arg)...{children}``."""

    name: str
    modifiers: dict[str, str]
    children: list[FieldSpec] | None


class _Parser:
    """Graph's field-expansion grammar, as far as Business Discovery uses it."""

    NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def parse(self) -> list[FieldSpec]:
        fields = self._fields()
        if self.at != len(self.text):
            self._fail("Expected end of string")
        return fields

    def _fields(self) -> list[FieldSpec]:
        fields = [self._field()]
        while self._peek(","):
            self.at += 1
            fields.append(self._field())
        return fields

    def _field(self) -> FieldSpec:
        name = self._name()
        modifiers: dict[str, str] = {}
        while self._peek("."):
            self.at += 1
            modifier = self._name()
            if not self._peek("("):
                self._fail('Expected "("')
            end = self.text.find(")", self.at)
            if end < 0:
                self._fail('Expected ")"')
            modifiers[modifier] = self.text[self.at + 1 : end]
            self.at = end + 1
        children = None
        if self._peek("{"):
            self.at += 1
            children = self._fields()
            if not self._peek("}"):
                self._fail('Expected "}"')
            self.at += 1
        return FieldSpec(name, modifiers, children)

    def _name(self) -> str:
        found = self.NAME.match(self.text, self.at)
        if found is None:
            self._fail("Expected a field name")
        self.at = found.end()
        return found.group()

    def _peek(self, char: str) -> bool:
        return self.text.startswith(char, self.at)

    def _fail(self, problem: str) -> NoReturn:
        # [ERR] syntax errors in ``fields`` are code 2500 (``OAuthException``), HTTP 400.
        raise GraphFailure(
            400, 2500, f'Syntax error "{problem}" at character {self.at}: {self.text}'
        )


def parse_fields(text: str) -> list[FieldSpec]:
    return _Parser(text).parse()


def _cursor(account: Account, offset: int) -> str:
    """Opaque base64 like Meta's (``QVFIU...``); here it only wraps an offset."""
    return base64.urlsafe_b64encode(f"{account.id}:{offset}".encode()).decode().rstrip("=")


def _offset(account: Account, cursor: str) -> int:
    try:
        decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        owner, offset = decoded.split(":")
        if owner != account.id:
            raise ValueError(owner)
        return int(offset)
    except ValueError:
        # Not documented by Meta; an invalid parameter is the plausible answer.
        raise GraphFailure(400, 100, "(#100) The after parameter is not a valid cursor") from None


# -- the server --------------------------------------------------------------------------


class FakeGraph:
    def __init__(
        self, *, token: str = TOKEN, ig_user_id: str = IG_USER_ID, page_cap: int = 50
    ) -> None:
        self.token = token
        self.ig_user_id = ig_user_id
        self._lock = threading.Lock()
        self._ids = itertools.count(17841400000000001)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.reset(page_cap=page_cap)

    def reset(self, *, page_cap: int = 50) -> None:
        """Forget accounts, requests and faults, so one server can serve many tests."""
        with self._lock:
            # The most media one page holds, whatever ``limit`` asks (Meta documents no
            # maximum), and Graph's page size when no ``limit`` is given.
            self.page_cap = page_cap
            self.default_page = 25
            self.accounts: dict[str, Account] = {}
            self.requests: list[Recorded] = []
            # [RATE] ``X-App-Usage`` of successful answers; ``None`` sends no header.
            self.app_usage: dict[str, int] | None = {
                "call_count": 2,
                "total_cputime": 1,
                "total_time": 1,
            }
            self._faults: deque[Fault] = deque()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, *accounts: Account) -> None:
        for account in accounts:
            account.id = account.id or str(next(self._ids))
            for media in account.media:
                media.id = media.id or str(next(self._ids))
            self.accounts[account.username.lower()] = account

    def fail(self, *faults: Fault) -> None:
        """Answer the next ``len(faults)`` requests with these, in order."""
        with self._lock:
            self._faults.extend(faults)

    def start(self) -> None:
        app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET", "POST"])])
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            loop="asyncio",
            http="h11",
            ws="none",
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="fake-graph", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 5
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake Graph API server did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FakeGraph:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _handle(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(
                Recorded(
                    method=request.method,
                    path=request.url.path,
                    query=dict(request.query_params),
                    headers=dict(request.headers),
                    url=str(request.url),
                )
            )
            fault = self._faults.popleft() if self._faults else None
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault is not None and (fault.body is not None or fault.error is not None):
            if fault.body is not None:
                return Response(fault.body, fault.status, headers=fault.headers)
            return JSONResponse({"error": fault.error}, fault.status, headers=fault.headers)
        try:
            body = self._answer(request)
        except GraphFailure as failure:
            return JSONResponse({"error": failure.error}, failure.status)
        headers = {"x-app-usage": json.dumps(self.app_usage)} if self.app_usage else {}
        return JSONResponse(body, headers=headers)

    def _answer(self, request: Request) -> dict[str, Any]:
        version, _, node = request.url.path.strip("/").partition("/")
        if request.method != "GET" or not VERSION.fullmatch(version) or "/" in node:
            raise GraphFailure(400, 100, f"Unsupported {request.method.lower()} request.")
        self._authorize(request)
        if node != self.ig_user_id:
            # [ERR] code 100, subcode 33: an object the token cannot see.
            raise GraphFailure(
                400,
                100,
                f"Unsupported get request. Object with ID '{node}' does not exist, cannot be "
                "loaded due to missing permissions, or does not support this operation.",
                subcode=33,
            )
        answer: dict[str, Any] = {}
        for spec in parse_fields(request.query_params.get("fields", "id")):
            if spec.name == "business_discovery":
                answer["business_discovery"] = self._discovery(spec)
            elif spec.name not in {"id", "username"}:
                raise _nonexisting(spec.name, "IGUser")
        answer["id"] = self.ig_user_id
        return answer

    def _authorize(self, request: Request) -> None:
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        token = credential if scheme.lower() in {"bearer", "oauth"} else None
        token = token or request.query_params.get("access_token")
        if not token:
            # [ERR] no token at all: code 104.
            raise GraphFailure(400, 104, "An access token is required to request this resource.")
        if token != self.token:
            raise GraphFailure(400, 190, "Invalid OAuth access token - Cannot parse access token")

    def _discovery(self, spec: FieldSpec) -> dict[str, Any]:
        """[BD] ``business_discovery.username(x){fields}``."""
        username = spec.modifiers.get("username", "").lower()
        if not username:
            raise GraphFailure(400, 100, "(#100) The parameter username is required")
        account = self.accounts.get(username)
        if account is None or account.kind == "personal":
            # [BD] Missing and personal accounts answer alike: "Invalid user id", 110/2207013.
            raise GraphFailure(
                400,
                110,
                "Invalid user id",
                subcode=2207013,
                is_transient=False,
                error_user_title="Cannot find User",
                error_user_msg=f"The user with username: {username} cannot be found.",
            )
        fields = spec.children or [FieldSpec("id", {}, None)]
        for child in fields:
            if child.name not in USER_FIELDS:
                raise _nonexisting(child.name, "IGUser")
        node = account.node([child.name for child in fields if child.name != "media"])
        for child in fields:
            if child.name == "media":
                edge = self._media(account, child)
                if edge is not None:
                    node["media"] = edge
        return node

    def _media(self, account: Account, spec: FieldSpec) -> dict[str, Any] | None:
        """[BD] The media edge: ``data``, and ``paging.cursors.before/after`` when there is
        more than one page, but no ``next`` or ``previous``: Business Discovery leaves it to
        the client to build the next request with ``.after(cursor)`` ("Pagination")."""
        fields = [child.name for child in spec.children or [FieldSpec("id", {}, None)]]
        for name in fields:
            if name not in MEDIA_FIELDS:
                raise _nonexisting(name, "IGMedia")
        for modifier in spec.modifiers:
            if modifier not in {"limit", "after"}:
                raise GraphFailure(400, 100, f"(#100) Unknown modifier ({modifier}) on media")
        try:
            asked = int(spec.modifiers.get("limit", self.default_page))
        except ValueError:
            raise GraphFailure(400, 100, "(#100) Param limit must be a number") from None
        limit = min(asked if asked > 0 else self.default_page, self.page_cap)
        after = spec.modifiers.get("after")
        offset = _offset(account, after) if after is not None else 0
        if not account.media and after is None:
            return None  # an account without media has no edge in the answer
        page = account.media[offset : offset + limit]
        edge: dict[str, Any] = {"data": [m.node(fields, account.username) for m in page]}
        if page and len(account.media) > limit:
            edge["paging"] = {
                "cursors": {
                    "before": _cursor(account, offset),
                    "after": _cursor(account, offset + len(page)),
                }
            }
        return edge


def _nonexisting(name: str, node: str) -> GraphFailure:
    # [ERR] an unknown field: code 100.
    return GraphFailure(
        400, 100, f"(#100) Tried accessing nonexisting field ({name}) on node type ({node})"
    )


__all__ = [
    "IG_USER_ID",
    "TOKEN",
    "Account",
    "FakeGraph",
    "Fault",
    "Media",
    "bad_gateway",
    "graph_error",
    "malformed_json",
    "parse_fields",
    "permission_denied",
    "server_error",
    "slow",
    "throttled",
    "token_expired",
]
