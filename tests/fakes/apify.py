"""A fake Apify API v2 on 127.0.0.1: real HTTP, scripted Instagram actors, recorded traffic.

The official ``apify-client`` (3.4.0) runs against it unchanged through ``api_url``, so
the provider's tests exercise the requests the client really builds. What it answers, and
where each shape comes from:

- ``POST /v2/actors/{actorId}/runs`` (3.4.0's path, ``_resource_clients/actor.py``:
  ``resource_path='actors'``; ``/v2/acts/`` is accepted too, as the API does, and 3.0.0-3.0.2
  used it). Query ``timeout``, ``memory``, ``maxItems``, ``maxTotalChargeUsd``, ``build``,
  ``waitForFinish``...; the body is the run input (gzip when the client compresses it,
  ``http_clients/_base.py``). Answers 201 ``{"data": run}`` (docs.apify.com/api/v2 "Run
  Actor"). Actor ids arrive as ``apify~instagram-profile-scraper`` (``_utils/http.py``
  ``to_safe_id``).
- ``GET /v2/actor-runs/{runId}?waitForFinish=N``: long-polls up to N seconds, at most 60
  as the API does, and answers ``{"data": run}`` (docs "Get run"; the client polls this in
  ``_resource_client.py`` ``_wait_for_finish``).
- ``POST /v2/actor-runs/{runId}/abort`` (``run.py`` ``abort``).
- ``GET /v2/datasets/{id}/items?offset&limit&clean&desc&fields&omit&skipEmpty&skipHidden``
  and ``GET /v2/actor-runs/{runId}/dataset/items``: a bare JSON array with the
  ``X-Apify-Pagination-Offset/Limit/Count/Total/Desc`` headers ``dataset.py``
  ``list_items`` reads (a missing one is a ``KeyError`` there). ``GET /v2/datasets/{id}``:
  ``{"data": dataset}``.
- ``GET /v2/actor-runs/{runId}/log`` and ``GET /v2/logs/{runId}``: the run log as
  ``text/plain`` (``log.py``; only the client's default ``call()`` logger streams it).
- Errors: ``{"error": {"type": ..., "message": ...}}`` (``errors.py``
  ``_extract_error_payload``); 401 ``user-or-token-not-found`` for a missing or wrong
  bearer token, 404 ``record-not-found`` for an unknown actor, run or dataset; the types
  are the API's own (``_literals.py``).

Run objects carry the fields of ``_models.py`` ``Run`` (id, actId, userId, startedAt,
finishedAt, status, statusMessage, meta, stats, options, buildId, default storage ids,
pricingInfo, usage, usageTotalUsd, chargedEventCounts...).

The actors (inputs from their input schemas on the Apify store pages; outputs from the
output examples there and from real runs, as ``docs/providers/apify.md`` lists them):

- ``apify/instagram-profile-scraper``: input ``usernames``; one item per username: the
  profile with ``latestPosts``, a private profile (``private: true``, no posts), or for an
  unknown name ``{"inputUrl", "error": "no_items", "errorDescription": "Empty or private
  data for provided input"}``; the run still SUCCEEDS.
- ``apify/instagram-scraper``: input ``directUrls`` and ``resultsType`` (``posts``:
  one post item per post or reel URL, or the same error item; ``details``: profiles;
  ``comments``: as the comment scraper).
- ``apify/instagram-comment-scraper``: input ``directUrls``, ``resultsLimit`` (per URL,
  default 15): the post's comments in Instagram's order (not by likes), each with the
  ``postUrl`` it was asked for.

A run lasts ``run_duration`` seconds (0 in unit tests, a few seconds for a benchmark),
then writes its items. It charges ``price_per_item`` per dataset item plus ``start_price``
and honours ``maxItems`` (truncates) and ``maxTotalChargeUsd`` (stops charging, and so
writing, when the next result would pass it), so ``usageTotalUsd`` is what Apify would
bill. A run longer than its ``timeout`` ends ``TIMED-OUT`` as the platform ends it.

Scripted faults: :meth:`FakeApify.fail_next` (the next N matching requests answer an
error status, 429 with ``Retry-After``, or any body), :meth:`FakeApify.next_run` (the next
run ends ``FAILED``/``ABORTED``/``TIMED-OUT``, never finishes, or writes given items:
malformed or partial ones). Everything is recorded: :attr:`FakeApify.requests` and
:attr:`FakeApify.runs`.

Use it from a pytest fixture or a plain script::

    with FakeApify(run_duration=2) as fake:
        fake.add_profile(profile_item("nasa"))
        provider = ApifyProvider(token=fake.token, api_url=fake.base_url, ...)
"""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import math
import random
import re
import socket
import string
import threading
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

DEFAULT_TOKEN = "apify_api_FAKEtoken0123456789abcdefghijKLMN"
USER_ID = "Hk7mDxQ2pLzR8vNcT"
PROFILE_SCRAPER = "apify/instagram-profile-scraper"
GENERIC_SCRAPER = "apify/instagram-scraper"
COMMENT_SCRAPER = "apify/instagram-comment-scraper"
# Actor ids as the store lists them; a run's ``actId`` is the id, not the name.
ACTOR_IDS = {
    PROFILE_SCRAPER: "dSCLg0C3YEZ83HzYX",
    GENERIC_SCRAPER: "shu8hvrXbJbY3Eb9W",
    COMMENT_SCRAPER: "SbK00X0JYCPblD2wp",
}
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED-OUT", "ABORTED"})
NEVER = "NEVER"
"""A :meth:`FakeApify.next_run` status: the run stays RUNNING until aborted."""
MAX_WAIT_FOR_FINISH = 60
"""The API holds a ``waitForFinish`` request at most this long (docs: "maximum value is 60")."""
NO_LIMIT = 999_999_999_999
"""``X-Apify-Pagination-Limit`` when no limit was asked (``dataset.py`` comment)."""

# Default error bodies per status; the types are the API's (``_literals.py``).
ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid-input", "Input is not valid"),
    401: ("user-or-token-not-found", "User was not found or authentication token is not valid"),
    402: (
        "not-enough-usage-to-run-paid-actor",
        "You have reached your usage limit. Upgrade your plan to run this Actor.",
    ),
    403: (
        "insufficient-permissions",
        "Insufficient permissions for the Actor. Make sure you're passing a correct API token "
        "and that it has the required permissions.",
    ),
    404: ("record-not-found", "Actor was not found"),
    429: ("rate-limit-exceeded", "You have exceeded the rate limit of 30 requests per second"),
    500: ("internal-server-error", "Internal server error"),
    502: ("internal-server-error", "Bad gateway"),
    503: ("internal-server-error", "Service is temporarily unavailable"),
}
_HASHTAG = re.compile(r"(?<![\w&#])#(\w+)")
_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9._]{1,30})")
_ids = itertools.count(1)
_ID_ALPHABET = string.ascii_letters + string.digits
_id_random = random.Random(20260622)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _new_id() -> str:
    """A 17-character id like Apify's (``HG7ML7M8z78YcAPEB``); the same sequence each run."""
    return "".join(_id_random.choices(_ID_ALPHABET, k=17))


# ---- Item builders: the shapes the actors emit ------------------------------------------


def post_item(
    shortcode: str,
    *,
    owner: str = "nasa",
    kind: str = "reel",
    timestamp: str = "2026-06-22T17:24:20.000Z",
    likes: int | None = 1200,
    comments: int | None = 45,
    views: int | None = 4_584,
    plays: int | None = 40_562,
    caption: str = "Launch day #space #rocket with @spacex",
    **extra: Any,
) -> dict[str, Any]:
    """A post as ``latestPosts[]`` of the profile scraper and the generic scraper's
    ``posts`` emit it (the output examples of apify.com/apify/instagram-scraper: 23 post
    fields, reels add ``videoViewCount``, ``videoPlayCount``, ``productType: clips``...);
    ``kind`` is ``reel``, ``image`` or ``carousel``. A count passed as ``None`` is left out,
    as the actors leave out what Instagram did not show."""
    types = {"reel": "Video", "image": "Image", "carousel": "Sidecar"}
    item: dict[str, Any] = {
        "id": f"3{zlib.crc32(shortcode.encode()):018d}",
        "type": types[kind],
        "shortCode": shortcode,
        "caption": caption,
        "hashtags": _HASHTAG.findall(caption),
        "mentions": _MENTION.findall(caption),
        "url": f"https://www.instagram.com/p/{shortcode}/",
        "commentsCount": comments,
        "firstComment": "first!",
        # The newest comments, not the top ones: a provider must not take them for those.
        "latestComments": [
            comment_item(f"https://www.instagram.com/p/{shortcode}/", "newest comment", likes=0)
        ],
        "dimensionsHeight": 1920 if kind == "reel" else 1350,
        "dimensionsWidth": 1080,
        "displayUrl": f"https://scontent.cdninstagram.com/v/{shortcode}.jpg?oe=6A1B2C3D",
        "images": [],
        "alt": None,
        "likesCount": likes,
        "timestamp": timestamp,
        "childPosts": [],
        "ownerUsername": owner,
        "ownerId": "528817151",
        "isPinned": False,
        "isCommentsDisabled": False,
    }
    if kind == "reel":
        item |= {
            "videoUrl": f"https://scontent.cdninstagram.com/o1/v/{shortcode}.mp4?oe=6A1B2C3D",
            "videoDuration": 28.28,
            "videoViewCount": views,
            "videoPlayCount": plays,
            "productType": "clips",
            "musicInfo": {"artist_name": owner, "song_name": "Original audio"},
        }
    elif kind == "carousel":
        item["childPosts"] = [
            {"type": "Image", "displayUrl": "https://scontent.cdninstagram.com/c"}
        ]
    item |= extra
    return {key: value for key, value in item.items() if value is not None or key == "alt"}


def profile_item(
    username: str,
    *,
    posts: Sequence[Mapping[str, Any]] | None = None,
    followers: int | None = 104_423_132,
    follows: int | None = 92,
    posts_count: int | None = 4_888,
    igtv: int | None = 171,
    private: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """A profile as the profile scraper emits it (the ``details`` example of
    apify.com/apify/instagram-scraper, which the profile scraper shares: ``latestPosts`` up
    to 12, newest first after any pinned ones). Without ``posts``, three posts."""
    if posts is None:
        posts = [] if private else _default_posts(username)
    item: dict[str, Any] = {
        "inputUrl": f"https://www.instagram.com/{username}",
        "id": "528817151",
        "username": username,
        "url": f"https://www.instagram.com/{username}",
        "fullName": username.replace("_", " ").title(),
        "biography": "Making the seemingly impossible, possible. ✨",
        "externalUrl": "https://www.nasa.gov/",
        "externalUrls": [{"title": "", "url": "https://www.nasa.gov/"}],
        "followersCount": followers,
        "followsCount": follows,
        "hasChannel": False,
        "highlightReelCount": 5,
        "isBusinessAccount": True,
        "joinedRecently": False,
        "businessCategoryName": "Government Agencies",
        "private": private,
        "verified": True,
        "profilePicUrl": f"https://scontent.cdninstagram.com/v/{username}_s150.jpg?oe=6A1B2C3D",
        "profilePicUrlHD": f"https://scontent.cdninstagram.com/v/{username}_hd.jpg?oe=6A1B2C3D",
        "igtvVideoCount": igtv,
        "relatedProfiles": [{"username": f"{username}_fan{i}"} for i in range(3)],
        "latestIgtvVideos": [],
        "postsCount": posts_count,
        "latestPosts": [dict(post) for post in posts],
        "fbid": "17841401474538262",
    }
    item |= extra
    return {key: value for key, value in item.items() if value is not None}


def _default_posts(username: str) -> list[dict[str, Any]]:
    days = ("2026-06-22T17:24:20.000Z", "2026-06-20T09:00:00.000Z", "2026-06-18T12:30:00.000Z")
    kinds = ("reel", "image", "carousel")
    return [
        post_item(f"{username[:4].upper()}post{i}x", owner=username, kind=kind, timestamp=day)
        for i, (kind, day) in enumerate(zip(kinds, days, strict=True))
    ]


def not_found_item(username: str) -> dict[str, Any]:
    """What the profile scraper emits for a username that does not exist, as real runs show
    (the run still SUCCEEDS)."""
    return {
        "inputUrl": f"https://www.instagram.com/{username}",
        "error": "no_items",
        "errorDescription": "Empty or private data for provided input",
    }


def comment_item(
    post_url: str,
    text: str,
    *,
    likes: int | None = 0,
    owner: str = "mavideniz5521__",
    timestamp: str = "2026-06-22T18:00:00.000Z",
    replies: int | None = 0,
    comment_id: str | None = None,
) -> dict[str, Any]:
    """A comment as the comment scraper emits it (output example of
    apify.com/apify/instagram-comment-scraper; ``repliesCount`` is filled with nested
    comments only)."""
    comment_id = comment_id or f"18{next(_ids):015d}"
    item: dict[str, Any] = {
        "postUrl": post_url,
        "commentUrl": f"{post_url.rstrip('/')}/c/{comment_id}",
        "id": comment_id,
        "text": text,
        "ownerUsername": owner,
        "ownerProfilePicUrl": f"https://scontent.cdninstagram.com/v/{owner}.jpg",
        "timestamp": timestamp,
        "repliesCount": replies,
        "replies": [],
        "likesCount": likes,
        "owner": {"id": "5319127183", "username": owner, "is_verified": False},
    }
    return {key: value for key, value in item.items() if value is not None}


def shortcode_of(url: str) -> str | None:
    """The shortcode of an Instagram post, reel or comment URL."""
    parts = [part for part in urlsplit(url).path.split("/") if part]
    for kind in ("p", "reel", "reels", "tv"):
        if kind in parts[:-1]:
            return parts[parts.index(kind) + 1]
    return None


# ---- Recorded traffic and scripts --------------------------------------------------------


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Lowercased names."""
    body: Any
    """The decoded JSON body, ``None`` if there was none."""


@dataclass
class _Fault:
    status: int
    body: bytes
    headers: dict[str, str]
    path: str | None
    method: str | None
    remaining: int

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or self.path in path
        )


@dataclass(frozen=True)
class RunScript:
    """How the next run ends (see :meth:`FakeApify.next_run`)."""

    status: str = "SUCCEEDED"
    items: list[Any] | None = None
    status_message: str | None = None
    duration: float | None = None


@dataclass
class FakeRun:
    """One actor run the fake started."""

    id: str
    actor: str
    act_id: str
    input: Any
    options: dict[str, Any]
    query: dict[str, str]
    started: float
    """``time.monotonic()`` at the start."""
    started_at: datetime
    duration: float
    script: RunScript
    dataset_id: str = field(default_factory=_new_id)
    key_value_store_id: str = field(default_factory=_new_id)
    request_queue_id: str = field(default_factory=_new_id)
    build_id: str = field(default_factory=_new_id)
    status: str = "READY"
    status_message: str = "Starting the Actor."
    finished_at: datetime | None = None
    items: list[Any] = field(default_factory=list)
    usage_usd: float = 0.0
    charged_items: int = 0

    @property
    def max_items(self) -> int | None:
        return self.options.get("maxItems")

    @property
    def max_total_charge_usd(self) -> float | None:
        return self.options.get("maxTotalChargeUsd")


# ---- The fake ----------------------------------------------------------------------------


class FakeApify:
    """Apify API v2 with Instagram actors; see the module docstring."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        run_duration: float = 0.0,
        price_per_item: float = 0.0027,
        start_price: float = 0.0,
        pricing_model: str = "PRICE_PER_DATASET_ITEM",
        default_timeout_secs: int = 3600,
    ) -> None:
        if pricing_model not in ("PRICE_PER_DATASET_ITEM", "PAY_PER_EVENT"):
            raise ValueError(f"unknown pricing model {pricing_model!r}")
        self.token = token
        self.run_duration = run_duration
        self.price_per_item = price_per_item
        self.start_price = start_price
        self.pricing_model = pricing_model
        self.default_timeout_secs = default_timeout_secs
        self.profiles: dict[str, dict[str, Any]] = {}
        """By lowercased username: what the profile scraper emits for it."""
        self.posts: dict[str, dict[str, Any]] = {}
        """By shortcode: what the generic scraper emits for a post or reel URL."""
        self.comments: dict[str, list[dict[str, Any]]] = {}
        """By shortcode, in Instagram's order (not by likes)."""
        self.requests: list[RecordedRequest] = []
        self.runs: list[FakeRun] = []
        self._faults: list[_Fault] = []
        self._scripts: list[RunScript] = []
        self._lock = threading.Lock()
        self._closing = False
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        self.actors: dict[str, Callable[[Any], list[dict[str, Any]]]] = {
            PROFILE_SCRAPER: self._profile_scraper,
            GENERIC_SCRAPER: self._generic_scraper,
            COMMENT_SCRAPER: self._comment_scraper,
        }

    # -- world

    def add_profile(self, item: dict[str, Any]) -> dict[str, Any]:
        """Script what the profile scraper emits for ``item["username"]``; its posts become
        known to the other actors as well."""
        with self._lock:
            self.profiles[item["username"].lower()] = item
            for post in item.get("latestPosts", []):
                if isinstance(post, dict) and "shortCode" in post:
                    self.posts.setdefault(post["shortCode"], post)
        return item

    def add_post(self, item: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.posts[item["shortCode"]] = item
        return item

    def add_comments(self, shortcode: str, items: Sequence[dict[str, Any]]) -> None:
        with self._lock:
            self.comments.setdefault(shortcode, []).extend(items)

    # -- scripts

    def fail_next(
        self,
        status: int,
        count: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        retry_after: float | None = None,
        error_type: str | None = None,
        message: str | None = None,
        body: bytes | None = None,
    ) -> None:
        """The next ``count`` requests (whose path contains ``path``, with ``method``)
        answer ``status`` with an Apify error body, or ``body`` as given (a 200 with a
        broken body, for instance)."""
        default_type, default_message = ERRORS.get(status, ("unknown-error", "Error"))
        if body is None:
            error = {"type": error_type or default_type, "message": message or default_message}
            body = json.dumps({"error": error}).encode()
        headers = {"content-type": "application/json; charset=utf-8"}
        if retry_after is not None:
            headers["retry-after"] = f"{retry_after:g}"
        with self._lock:
            self._faults.append(_Fault(status, body, headers, path, method, count))

    def next_run(
        self,
        status: str = "SUCCEEDED",
        *,
        items: list[Any] | None = None,
        status_message: str | None = None,
        duration: float | None = None,
    ) -> None:
        """How the next run started ends: ``status`` (``SUCCEEDED``, ``FAILED``,
        ``ABORTED``, ``TIMED-OUT`` or :data:`NEVER`), writing ``items`` instead of the
        actor's own output if given."""
        if status not in TERMINAL and status != NEVER:
            raise ValueError(f"unknown run status {status!r}")
        with self._lock:
            self._scripts.append(RunScript(status, items, status_message, duration))

    # -- what happened

    @property
    def run_starts(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/runs")]

    @property
    def items_charged(self) -> int:
        return sum(run.charged_items for run in self.runs)

    @property
    def usage_usd(self) -> float:
        return sum(run.usage_usd for run in self.runs)

    # -- lifecycle

    @property
    def base_url(self) -> str:
        """The ``api_url`` to give the client (it appends ``/v2``)."""
        if not self._port:
            raise RuntimeError("the fake Apify server is not running")
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app(),
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="fake-apify", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake Apify server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._closing = True
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._server = self._thread = None

    def __enter__(self) -> FakeApify:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- HTTP

    def _app(self) -> Starlette:
        routes = [
            Route("/v2/{kind:str}/{actor:str}/runs", self._start_run, methods=["POST"]),
            Route("/v2/actor-runs/{run:str}", self._get_run, methods=["GET"]),
            Route("/v2/actor-runs/{run:str}/abort", self._abort_run, methods=["POST"]),
            Route("/v2/actor-runs/{run:str}/dataset/items", self._run_items, methods=["GET"]),
            Route("/v2/actor-runs/{run:str}/log", self._log, methods=["GET"]),
            Route("/v2/logs/{run:str}", self._log, methods=["GET"]),
            Route("/v2/datasets/{dataset:str}", self._get_dataset, methods=["GET"]),
            Route("/v2/datasets/{dataset:str}/items", self._dataset_items, methods=["GET"]),
        ]
        app = Starlette(routes=routes)
        app.add_exception_handler(404, self._no_route)
        app.add_exception_handler(405, self._no_route)
        app.add_middleware(_Gate, fake=self)
        return app

    async def _no_route(self, request: Request, exc: Exception) -> Response:
        return _error(404, "page-not-found", "We have bad news: there is no API endpoint here.")

    async def _start_run(self, request: Request) -> Response:
        kind, safe_id = request.path_params["kind"], request.path_params["actor"]
        actor = self._actor_name(safe_id)
        if kind not in ("acts", "actors") or actor is None:
            return _error(404, "record-not-found", "Actor was not found")
        run_input = getattr(request.state, "json", None)
        problem = _input_problem(actor, run_input)
        if problem:
            return _error(400, "invalid-input", f"Input is not valid: {problem}")
        query = dict(request.query_params)
        try:
            options = self._options(query)
        except ValueError as exc:
            return _error(400, "invalid-parameter", str(exc))
        if self.pricing_model == "PAY_PER_EVENT" and (
            options["maxTotalChargeUsd"] is not None
            and options["maxTotalChargeUsd"] < self.start_price
        ):
            return _error(
                400,
                "max-total-charge-usd-below-minimum",
                "The maximum total charge is lower than the price of the Actor start",
            )
        with self._lock:
            script = self._scripts.pop(0) if self._scripts else RunScript()
            run = FakeRun(
                id=_new_id(),
                actor=actor,
                act_id=ACTOR_IDS.get(actor, _new_id()),
                input=run_input,
                options=options,
                query=query,
                started=time.monotonic(),
                started_at=datetime.now(UTC),
                duration=self.run_duration if script.duration is None else script.duration,
                script=script,
            )
            self.runs.append(run)
        # The API answers a start with the run as it is (READY) unless asked to wait.
        if query.get("waitForFinish"):
            await self._wait(run, query["waitForFinish"])
        return JSONResponse({"data": self._run_json(run, refresh=False)}, status_code=201)

    async def _get_run(self, request: Request) -> Response:
        run = self._run(request.path_params["run"])
        if run is None:
            return _error(404, "record-not-found", "Actor run was not found")
        await self._wait(run, request.query_params.get("waitForFinish"))
        return JSONResponse({"data": self._run_json(run)})

    async def _abort_run(self, request: Request) -> Response:
        run = self._run(request.path_params["run"])
        if run is None:
            return _error(404, "record-not-found", "Actor run was not found")
        with self._lock:
            self._refresh(run)
            if run.status not in TERMINAL:
                self._finish(run, "ABORTED", [], "The Actor run was aborted.")
        return JSONResponse({"data": self._run_json(run)})

    async def _run_items(self, request: Request) -> Response:
        run = self._run(request.path_params["run"])
        if run is None:
            return _error(404, "record-not-found", "Actor run was not found")
        return self._items(run, request)

    async def _dataset_items(self, request: Request) -> Response:
        run = self._dataset_run(request.path_params["dataset"])
        if run is None:
            return _error(404, "record-not-found", "Dataset was not found")
        return self._items(run, request)

    async def _get_dataset(self, request: Request) -> Response:
        # ``{"data": dataset}`` with the fields of ``_models.py`` ``DatasetResource``.
        run = self._dataset_run(request.path_params["dataset"])
        if run is None:
            return _error(404, "record-not-found", "Dataset was not found")
        with self._lock:
            self._refresh(run)
        stamp = _iso(run.finished_at or datetime.now(UTC))
        dataset = {
            "id": run.dataset_id,
            "name": None,
            "userId": USER_ID,
            "createdAt": _iso(run.started_at),
            "modifiedAt": stamp,
            "accessedAt": stamp,
            "itemCount": len(run.items),
            "cleanItemCount": sum(1 for item in run.items if item),
            "actId": run.act_id,
            "actRunId": run.id,
            "consoleUrl": f"https://console.apify.com/storage/datasets/{run.dataset_id}",
        }
        return JSONResponse({"data": dataset})

    async def _log(self, request: Request) -> Response:
        run = self._run(request.path_params["run"])
        if run is None:
            return _error(404, "record-not-found", "Log was not found")
        lines = [
            f"{_iso(run.started_at)} ACTOR: Pulling Docker image of build {run.build_id}.",
            f"{_iso(run.started_at)} INFO  Input: {json.dumps(run.input)[:200]}",
            f"{_iso(run.started_at)} INFO  {run.status_message}",
        ]
        return PlainTextResponse("\n".join(lines) + "\n")

    def _items(self, run: FakeRun, request: Request) -> Response:
        params = request.query_params
        if params.get("format", "json") != "json":
            return _error(400, "invalid-parameter", "Only the json format is supported here")
        with self._lock:
            self._refresh(run)
            items = list(run.items)
        if _flag(params.get("clean")) or _flag(params.get("skipHidden")):
            items = [_unhidden(item) for item in items]
        if _flag(params.get("clean")) or _flag(params.get("skipEmpty")):
            items = [item for item in items if item not in ({}, None)]
        total = len(items)
        if _flag(params.get("desc")):
            items.reverse()
        try:
            offset = int(params.get("offset", 0))
            limit = int(params["limit"]) if params.get("limit") else NO_LIMIT
        except ValueError:
            return _error(400, "invalid-parameter", "offset and limit must be integers")
        page = items[offset : offset + limit]
        fields = [name for name in params.get("fields", "").split(",") if name]
        omit = {name for name in params.get("omit", "").split(",") if name}
        page = [_select(item, fields, omit) for item in page]
        headers = {
            "x-apify-pagination-offset": str(offset),
            "x-apify-pagination-limit": str(limit),
            "x-apify-pagination-count": str(len(page)),
            "x-apify-pagination-total": str(total),
            "x-apify-pagination-desc": "true" if _flag(params.get("desc")) else "false",
        }
        return JSONResponse(page, headers=headers)

    # -- runs

    def _actor_name(self, safe_id: str) -> str | None:
        name = safe_id.replace("~", "/")
        if name in self.actors:
            return name
        by_id = {actor_id: actor for actor, actor_id in ACTOR_IDS.items()}
        return by_id.get(safe_id)

    def _options(self, query: dict[str, str]) -> dict[str, Any]:
        def number(name: str, kind: Callable[[str], Any]) -> Any:
            raw = query.get(name)
            if raw is None:
                return None
            try:
                value = kind(raw)
            except ValueError:
                raise ValueError(f"Query parameter {name} is not valid: {raw!r}") from None
            if value < 0:
                raise ValueError(f"Query parameter {name} must not be negative")
            return value

        timeout = number("timeout", int)
        return {
            "build": query.get("build", "latest"),
            "timeoutSecs": self.default_timeout_secs if timeout is None else timeout,
            "memoryMbytes": number("memory", int) or 4096,
            "diskMbytes": 8192,
            "maxItems": number("maxItems", int),
            "maxTotalChargeUsd": number("maxTotalChargeUsd", float),
        }

    def _run(self, run_id: str) -> FakeRun | None:
        return next((run for run in self.runs if run.id == run_id), None)

    def _dataset_run(self, dataset_id: str) -> FakeRun | None:
        return next((run for run in self.runs if run.dataset_id == dataset_id), None)

    async def _wait(self, run: FakeRun, wait_for_finish: str | None) -> None:
        """Hold the request until the run ends or ``waitForFinish`` seconds pass."""
        try:
            wait = min(max(float(wait_for_finish or 0), 0), MAX_WAIT_FOR_FINISH)
        except ValueError:
            wait = 0
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                self._refresh(run)
            if run.status in TERMINAL or self._closing or time.monotonic() >= deadline:
                return
            await asyncio.sleep(min(0.02, max(0.0, deadline - time.monotonic())))

    def _refresh(self, run: FakeRun) -> None:
        """Move the run on to where the clock says it is (call with the lock held)."""
        if run.status in TERMINAL:
            return
        elapsed = time.monotonic() - run.started
        timeout = run.options["timeoutSecs"]
        script = run.script
        if script.status == NEVER:
            return
        if timeout and elapsed >= timeout and run.duration > timeout:
            self._finish(run, "TIMED-OUT", [], "The Actor run timed out.")
        elif elapsed >= run.duration and script.status != "SUCCEEDED":
            message = (
                script.status_message
                or {
                    "FAILED": "The Actor process was terminated with exit code 1.",
                    "TIMED-OUT": "The Actor run timed out.",
                    "ABORTED": "The Actor run was aborted.",
                }[script.status]
            )
            self._finish(run, script.status, script.items or [], message)
        elif elapsed >= run.duration:
            try:
                output = self.actors[run.actor](run.input) if script.items is None else script.items
            except Exception as exc:  # an actor bug fails the run, as on the platform
                self._finish(run, "FAILED", [], f"The Actor process crashed: {exc}")
                return
            message = script.status_message or f"Finished! Total {len(output)} results."
            self._finish(run, "SUCCEEDED", output, message)
        else:
            run.status_message = "Crawling profiles..."

    def _finish(self, run: FakeRun, status: str, output: list[Any], message: str) -> None:
        kept = output[: run.max_items] if run.max_items is not None else list(output)
        budget = run.max_total_charge_usd
        if budget is not None and self.price_per_item > 0:
            affordable = math.floor((budget - self.start_price) / self.price_per_item + 1e-9)
            kept = kept[: max(0, affordable)]
        run.items = kept
        run.charged_items = len(kept)
        run.usage_usd = round(self.start_price + len(kept) * self.price_per_item, 10)
        run.status = status
        run.status_message = message
        run.finished_at = datetime.now(UTC)

    def _run_json(self, run: FakeRun, *, refresh: bool = True) -> dict[str, Any]:
        """The run object: the fields of ``_models.py`` ``Run`` (and its ``RunStats``,
        ``RunOptions``, ``RunMeta``), values like those of a real run."""
        with self._lock:
            if refresh:
                self._refresh(run)
            finished = run.finished_at
            seconds = ((finished or datetime.now(UTC)) - run.started_at).total_seconds()
            data: dict[str, Any] = {
                "id": run.id,
                "actId": run.act_id,
                "userId": USER_ID,
                "actorTaskId": None,
                "startedAt": _iso(run.started_at),
                "finishedAt": _iso(finished) if finished else None,
                "status": run.status,
                "statusMessage": run.status_message,
                "isStatusMessageTerminal": run.status in TERMINAL,
                "meta": {"origin": "API", "userAgent": "ApifyClient", "clientIp": "127.0.0.1"},
                "stats": {
                    "inputBodyLen": len(json.dumps(run.input)),
                    "migrationCount": 0,
                    "rebootCount": 0,
                    "restartCount": 0,
                    "resurrectCount": 0,
                    "memAvgBytes": 267_874_071.9,
                    "memMaxBytes": 404_713_472,
                    "memCurrentBytes": 0 if finished else 301_989_888,
                    "cpuAvgUsage": 33.75,
                    "cpuMaxUsage": 169.65,
                    "cpuCurrentUsage": 0,
                    "netRxBytes": 1_035_080,
                    "netTxBytes": 48_546,
                    "durationMillis": int(seconds * 1000),
                    "runTimeSecs": round(seconds, 3),
                    "metamorph": 0,
                    "computeUnits": round(seconds / 3600 * 4, 6),
                },
                "options": dict(run.options),
                "buildId": run.build_id,
                "buildNumber": "0.0.412",
                "exitCode": (0 if run.status == "SUCCEEDED" else 1) if finished else None,
                "defaultKeyValueStoreId": run.key_value_store_id,
                "defaultDatasetId": run.dataset_id,
                "defaultRequestQueueId": run.request_queue_id,
                "containerUrl": f"https://{run.id.lower()}.runs.apify.net",
                "generalAccess": "FOLLOW_USER_SETTING",
                "pricingInfo": self._pricing_info(),
                "usage": {"ACTOR_COMPUTE_UNITS": 0, "DATASET_WRITES": len(run.items)},
                "usageTotalUsd": run.usage_usd,
                "usageUsd": {"ACTOR_COMPUTE_UNITS": 0, "DATASET_WRITES": 0},
                "platformUsageBillingModel": "DEVELOPER",
            }
            if self.pricing_model == "PAY_PER_EVENT":
                data["chargedEventCounts"] = {"actor-start": 1, "result": run.charged_items}
            return data

    def _pricing_info(self) -> dict[str, Any]:
        """``pricingInfo`` as ``_models.py`` ``PricePerDatasetItemActorPricingInfo`` or
        ``PayPerEventActorPricingInfo`` reads it."""
        since = _iso(datetime(2025, 8, 1, tzinfo=UTC))
        common = {"apifyMarginPercentage": 0.2, "createdAt": since, "startedAt": since}
        if self.pricing_model == "PRICE_PER_DATASET_ITEM":
            return common | {
                "pricingModel": "PRICE_PER_DATASET_ITEM",
                "unitName": "result",
                "pricePerUnitUsd": self.price_per_item,
            }
        events = {
            "actor-start": {
                "eventTitle": "Actor start",
                "eventDescription": "Charged once when the run starts.",
                "eventPriceUsd": self.start_price,
            },
            "result": {
                "eventTitle": "Result",
                "eventDescription": "Charged for every result written to the dataset.",
                "eventPriceUsd": self.price_per_item,
                "isPrimaryEvent": True,
            },
        }
        return common | {
            "pricingModel": "PAY_PER_EVENT",
            "pricingPerEvent": {"actorChargeEvents": events},
            "minimalMaxTotalChargeUsd": self.start_price,
        }

    # -- actors

    def _profile_scraper(self, run_input: Any) -> list[dict[str, Any]]:
        out = []
        for name in run_input["usernames"]:
            username = str(name).strip().lstrip("@").lower()
            out.append(self.profiles.get(username) or not_found_item(username))
        return out

    def _generic_scraper(self, run_input: Any) -> list[dict[str, Any]]:
        kind = run_input.get("resultsType", "posts")
        urls = [str(url) for url in run_input.get("directUrls", [])]
        if kind == "comments":
            return self._comment_scraper(run_input)
        out = []
        for url in urls:
            shortcode = shortcode_of(url)
            if shortcode is not None and kind == "posts":
                post = self.posts.get(shortcode)
                out.append({"inputUrl": url, **post} if post else _missing(url))
            elif shortcode is None and kind == "details":
                username = next(part for part in urlsplit(url).path.split("/") if part)
                out.append(self.profiles.get(username.lower()) or not_found_item(username))
            else:
                out.append(_missing(url))
        return out

    def _comment_scraper(self, run_input: Any) -> list[dict[str, Any]]:
        limit = int(run_input.get("resultsLimit", 15))
        out: list[dict[str, Any]] = []
        for url in (str(url) for url in run_input["directUrls"]):
            shortcode = shortcode_of(url)
            comments = self.comments.get(shortcode or "")
            if comments is None and shortcode not in self.posts:
                out.append(_missing(url))
                continue
            out.extend({**comment, "postUrl": url} for comment in (comments or [])[:limit])
        return out


class _Gate:
    """Pure-ASGI middleware: records every request, decodes its body, plays scripted faults
    and checks the bearer token, before any route runs."""

    def __init__(self, app: Any, fake: FakeApify) -> None:
        self.app = app
        self.fake = fake

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        raw = await request.body()
        headers = {key.lower(): value for key, value in request.headers.items()}
        try:
            if headers.get("content-encoding") == "gzip":
                raw = gzip.decompress(raw)
            body = json.loads(raw) if raw else None
        except (OSError, ValueError):
            await _error(400, "invalid-input", "Input is not valid JSON")(scope, receive, send)
            return
        fake = self.fake
        recorded = RecordedRequest(
            method=request.method,
            path=request.url.path,
            query=dict(request.query_params),
            headers=headers,
            body=body,
        )
        with fake._lock:
            fake.requests.append(recorded)
            fault = next(
                (f for f in fake._faults if f.matches(request.method, recorded.path)), None
            )
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    fake._faults.remove(fault)
        if fault is not None:
            answer = Response(fault.body, status_code=fault.status, headers=fault.headers)
            await answer(scope, receive, send)
            return
        if _token(headers, recorded.query) != fake.token:
            await _error(401, *ERRORS[401])(scope, receive, send)
            return

        body_sent = False

        async def replay() -> dict[str, Any]:
            nonlocal body_sent
            if body_sent:
                return {"type": "http.disconnect"}
            body_sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        scope.setdefault("state", {})["json"] = body
        await self.app(scope, replay, send)


def _token(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return query.get("token")


def _input_problem(actor: str, run_input: Any) -> str | None:
    """What the actor's input schema rejects (the platform checks it before the run)."""
    if not isinstance(run_input, dict):
        return "the input must be a JSON object"
    required = {PROFILE_SCRAPER: "usernames", COMMENT_SCRAPER: "directUrls"}.get(actor)
    if required and not isinstance(run_input.get(required), list):
        return f"Field input.{required} is required and must be an array"
    if actor == GENERIC_SCRAPER and not (run_input.get("directUrls") or run_input.get("search")):
        return "Either input.directUrls or input.search is required"
    return None


def _missing(url: str) -> dict[str, Any]:
    return {
        "inputUrl": url,
        "error": "no_items",
        "errorDescription": "Empty or private data for provided input",
    }


def _error(status: int, error_type: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"type": error_type, "message": message}}, status_code=status)


def _flag(value: str | None) -> bool:
    return value in ("1", "true", "True")


def _unhidden(item: Any) -> Any:
    if isinstance(item, dict):
        return {key: value for key, value in item.items() if not str(key).startswith("#")}
    return item


def _select(item: Any, fields: list[str], omit: set[str]) -> Any:
    if not isinstance(item, dict):
        return item
    if fields:
        item = {name: item[name] for name in fields if name in item}
    return {key: value for key, value in item.items() if key not in omit}


__all__ = [
    "COMMENT_SCRAPER",
    "DEFAULT_TOKEN",
    "GENERIC_SCRAPER",
    "NEVER",
    "PROFILE_SCRAPER",
    "FakeApify",
    "FakeRun",
    "RecordedRequest",
    "comment_item",
    "not_found_item",
    "post_item",
    "profile_item",
    "shortcode_of",
]
