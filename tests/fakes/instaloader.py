"""A fake of the Instagram web endpoints instaloader 4.16 calls: real HTTP on 127.0.0.1.

instaloader builds its URLs from hard-coded ``https://www.instagram.com/`` and
``https://i.instagram.com/``. :class:`LocalTransport` is a ``requests`` adapter that
sends each of them here instead, over real HTTP, as ``/<host>/<path>``; the provider
takes it as its ``transport`` (a test-only seam) and mounts it on every session
instaloader makes. Everything above the socket is instaloader's own code.

Each answer reproduces the JSON (or HTML) that instaloader 4.16 parses; the comment on
each builder names the function in instaloader's source (``structures.py``,
``instaloadercontext.py``) that reads it. The operations, by the name requests are
recorded under:

=================  ==========================================================================
profile_page       ``GET /{username}/`` (HTML): ``InstaloaderContext.get_page_data``
start_page         ``GET /`` (HTML, sets ``csrftoken``): ``_web_api_tokens``, ``_csrf_token``
web_profile_info   ``GET /api/v1/users/web_profile_info/``: ``Profile._obtain_metadata``
post               doc_id 27128499623469141: ``Post._obtain_metadata``
posts_page         doc_id 28904005159232689: ``Profile.get_posts`` (logged out, next pages)
timeline           doc_id 29104886249145907: ``Profile.get_posts`` (logged in)
profile_query      doc_id 27937681195819736: ``Profile._obtain_metadata`` (logged in)
clips              doc_id 27234427476213202: ``Post._fetch_play_count_from_clips``
login_check        query_hash d6f4427fbe92d846298cf93df0b937d3: ``InstaloaderContext.test_login``
comments           query_hash 97b41c52301f77ce508f55e66d17620e: ``Post.get_comments``
iphone_comments    ``i.instagram.com/api/v1/media/{id}/comments/``:
                   ``Post._get_comments_via_iphone_endpoint`` (more than 12 comments)
=================  ==========================================================================

Faults are scripted per operation and used in order (:meth:`FakeInstagram.fail`), as
Instagram really answers: 401 "Please wait a few minutes before you try again", 403,
429, a redirect to the login page, malformed JSON, slow answers. Every request is
recorded with its start and end times, so tests can count calls and check for overlap.
"""

from __future__ import annotations

import asyncio
import json
import math
import pickle
import threading
import time
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import requests
import uvicorn
from requests.adapters import HTTPAdapter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

HOSTS = ("www.instagram.com", "i.instagram.com")
SESSION_ID = "fake-session-id"
VIEWER = "viewer"
VIEWER_PK = 4242
CDN = "https://scontent.cdninstagram.com/v/t51.2885-15"
PAGE_SIZE = 12
"""Posts per page: the logged-out profile page and ``NodeIterator._graphql_page_length``."""
IPHONE_PAGE_SIZE = 15

DOC_IDS = {
    "27128499623469141": "post",
    "28904005159232689": "posts_page",
    "29104886249145907": "timeline",
    "27937681195819736": "profile_query",
    "27234427476213202": "clips",
}
QUERY_HASHES = {
    "d6f4427fbe92d846298cf93df0b937d3": "login_check",
    "97b41c52301f77ce508f55e66d17620e": "comments",
}
LOGGED_IN_ONLY = {"timeline", "profile_query", "comments", "iphone_comments", "clips"}
MEDIA_TYPES = {"image": 1, "video": 2, "reel": 2, "carousel": 8}
PRODUCT_TYPES = {
    "image": "feed",
    "video": "feed",
    "reel": "clips",
    "carousel": "carousel_container",
}


# ---- the data it serves


@dataclass
class FakeComment:
    text: str
    owner: str
    created_at: int
    likes: int = 0


@dataclass
class FakePost:
    shortcode: str
    taken_at: int
    kind: str = "image"
    """image, video (a legacy feed video), reel or carousel."""
    caption: str | None = ""
    likes: int = 0
    views: int | None = None
    plays: int | None = None
    comments: list[FakeComment] = field(default_factory=list)
    comment_count: int | None = None
    """What Instagram says the count is, if not ``len(comments)``."""
    owner: str = ""
    pk: int = 0

    @property
    def count(self) -> int:
        return len(self.comments) if self.comment_count is None else self.comment_count


@dataclass
class FakeProfile:
    username: str
    pk: int
    full_name: str = ""
    biography: str = ""
    followers: int = 0
    following: int = 0
    media_count: int | None = None
    private: bool = False
    followed_by_viewer: bool = False
    posts: list[FakePost] = field(default_factory=list)
    """In the order Instagram lists them: pinned posts first, then newest first."""
    page_omits: tuple[str, ...] = ()
    """Fields left out of the logged-out profile page (instaloader then asks
    ``web_profile_info``)."""

    @property
    def page_id(self) -> str:
        """The page's "id" of the profile, which is not its user ID (``pk``)."""
        return f"9{self.pk}"


# ---- scripted faults


@dataclass(frozen=True)
class Fault:
    status: int | None = None
    """``None``: answer normally, after ``delay``."""
    json: Any = None
    text: str | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def wait_a_few_minutes() -> Fault:
    """Instagram's usual refusal of anonymous traffic since 2024 (instaloader #2425)."""
    body = {
        "message": "Please wait a few minutes before you try again.",
        "require_login": True,
        "status": "fail",
    }
    return Fault(status=401, json=body)


def forbidden() -> Fault:
    return Fault(status=403, text="<!DOCTYPE html><html><body>Forbidden</body></html>")


def too_many_requests(retry_after: int | None = None) -> Fault:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return Fault(status=429, json={"message": "rate limited", "status": "fail"}, headers=headers)


def login_redirect() -> Fault:
    """How Instagram refuses what needs a login (``_raise_if_login_redirect``)."""
    location = "https://www.instagram.com/accounts/login/?next=%2F"
    return Fault(status=302, text="", headers={"Location": location})


def malformed() -> Fault:
    return Fault(status=200, text='{"data": {"xdt_api__v1__media__sh')


def slow(seconds: float) -> Fault:
    return Fault(delay=seconds)


@dataclass
class Seen:
    """One request the fake received."""

    op: str
    method: str
    host: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    logged_in: bool
    started: float
    ended: float = 0.0

    @property
    def variables(self) -> dict[str, Any]:
        raw = self.form.get("variables") or self.query.get("variables") or "{}"
        value: dict[str, Any] = json.loads(raw)
        return value


# ---- the transport the provider is given in tests


class LocalTransport(HTTPAdapter):
    """Sends instaloader's ``https://www.instagram.com/...`` and ``https://i.instagram.com/...``
    requests to the fake over real HTTP; anything else fails as unreachable."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self._netloc = urlsplit(base_url).netloc
        self.closed = False

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        original = str(request.url)
        parts = urlsplit(original)
        if parts.scheme != "https" or parts.hostname not in HOSTS:
            raise requests.ConnectionError(f"tests reach no host but the fake: {parts.hostname}")
        local = request.copy()
        local.url = urlunsplit(
            ("http", self._netloc, f"/{parts.hostname}{parts.path}", parts.query, "")
        )
        # No proxies: the fake is on the loopback.
        response = super().send(local, stream=stream, timeout=timeout, verify=verify, cert=cert)
        response.url = original
        response.request = request
        return response

    def close(self) -> None:
        self.closed = True
        super().close()


# ---- the server


class FakeInstagram:
    def __init__(self) -> None:
        self.profiles: dict[str, FakeProfile] = {}
        self.posts: dict[str, FakePost] = {}
        self.requests: list[Seen] = []
        self.session_valid = True
        """False: the session cookie is no longer logged in (Instagram logged it out)."""
        self.delay = 0.0
        """Seconds every answer takes."""
        self._faults: dict[str, list[Fault]] = {}
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # -- data

    def add_profile(self, profile: FakeProfile) -> FakeProfile:
        self.profiles[profile.username] = profile
        for post in profile.posts:
            self.add_post(post, owner=profile.username)
        return profile

    def add_post(self, post: FakePost, *, owner: str = "someone") -> FakePost:
        post.owner = post.owner or owner
        post.pk = post.pk or 3_000_000_000_000_000_000 + len(self.posts) + 1
        self.posts[post.shortcode] = post
        return post

    def fail(self, op: str, *faults: Fault, times: int = 1) -> None:
        """The next ``times`` requests of ``op`` get each of ``faults`` in turn."""
        with self._lock:
            self._faults.setdefault(op, []).extend(list(faults) * times)

    def write_session(self, path: Path) -> Path:
        """A session file as ``instaloader --login`` writes it: its pickled cookies."""
        cookies = {
            "sessionid": SESSION_ID,
            "csrftoken": "csrf-from-session",
            "ds_user_id": str(VIEWER_PK),
            "mid": "fake-mid",
            "ig_did": "fake-did",
        }
        path.write_bytes(pickle.dumps(cookies))
        return path

    # -- what was asked

    def ops(self) -> list[str]:
        return [seen.op for seen in self.requests]

    def count(self, op: str) -> int:
        return sum(1 for seen in self.requests if seen.op == op)

    def overlapping(self) -> list[tuple[Seen, Seen]]:
        """Pairs of requests that were being answered at the same time (one still being
        answered overlaps all that came after it)."""
        ordered = sorted(self.requests, key=lambda seen: seen.started)
        return [(a, b) for a, b in pairwise(ordered) if b.started < (a.ended or math.inf)]

    # -- lifecycle

    def start(self) -> None:
        app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET", "POST"])])
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="off",
            access_log=False,
            loop="asyncio",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="fake-instagram", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake Instagram server did not start")
            time.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)

    def transport(self) -> LocalTransport:
        return LocalTransport(self.base_url)

    # -- answering

    async def _handle(self, request: Request) -> Response:
        started = time.monotonic()
        host, _, path = request.url.path.lstrip("/").partition("/")
        path = "/" + path
        query = dict(parse_qsl(request.url.query, keep_blank_values=True))
        body = (await request.body()).decode()
        form = dict(parse_qsl(body, keep_blank_values=True)) if request.method == "POST" else {}
        logged_in = self._logged_in(request)
        seen = Seen(
            _classify(host, path, query, form),
            request.method,
            host,
            path,
            query,
            form,
            logged_in,
            started,
        )
        with self._lock:
            self.requests.append(seen)
            queue = self._faults.get(seen.op)
            fault = queue.pop(0) if queue else None
        delay = self.delay + (fault.delay if fault is not None else 0.0)
        if delay:
            await asyncio.sleep(delay)
        try:
            if fault is not None and fault.status is not None:
                return _fault_response(fault)
            return self._answer(seen)
        finally:
            seen.ended = time.monotonic()

    def _logged_in(self, request: Request) -> bool:
        if request.cookies.get("sessionid") == SESSION_ID:
            return self.session_valid
        # The iPhone API gets the session as a bearer token built from the cookies.
        return "authorization" in request.headers and self.session_valid

    def _answer(self, seen: Seen) -> Response:
        if seen.op in LOGGED_IN_ONLY and not seen.logged_in:
            return _fault_response(login_redirect())
        match seen.op:
            case "start_page":
                return self._start_page(seen)
            case "profile_page":
                return self._profile_page(seen.path.strip("/").lower())
            case "web_profile_info":
                return self._web_profile_info(seen.query.get("username", "").lower())
            case "post":
                return self._post(seen)
            case "posts_page":
                return self._posts_page(seen.variables)
            case "timeline":
                return self._timeline(seen.variables)
            case "profile_query":
                return self._profile_query(seen.variables)
            case "clips":
                return _json(
                    {"data": {"xdt_api__v1__clips__user__connection_v2": None}, "status": "ok"}
                )
            case "login_check":
                return self._login_check(seen)
            case "comments":
                return self._comments(seen.variables)
            case "iphone_comments":
                return self._iphone_comments(seen)
        return _json({"message": "unknown endpoint", "status": "fail"}, status=404)

    # instaloadercontext.py, _web_api_tokens(): the patterns of "DTSGInitialData", "LSD" and
    # "IG_USER_EIMU" in the start page; _csrf_token(): the csrftoken cookie it sets.
    def _start_page(self, seen: Seen) -> Response:
        parts = ['["LSD",[],{"token":"fake-lsd"},323]']
        if seen.logged_in:
            parts.append('["DTSGInitialData",[],{"token":"fake-dtsg"},258]')
            parts.append(f'"IG_USER_EIMU":"{VIEWER_PK}"')
        else:
            parts.append('"IG_USER_EIMU":"0"')
        page = f"<!DOCTYPE html><html><head><script>{','.join(parts)}</script></head></html>"
        response = HTMLResponse(page)
        response.set_cookie("csrftoken", "csrf-from-start-page", path="/", secure=True)
        return response

    # instaloadercontext.py, get_page_data() and _embedded_query_data(): every
    # <script type="application/json"> whose JSON has a "__bbox" with result.data;
    # structures.py, Profile.from_username() merges each data's "xig_user_by_username"
    # (needs "pk"), and Profile.get_posts() (logged out) takes the one with
    # "polaris_ordered_timeline_connection" as its first page.
    def _profile_page(self, username: str) -> Response:
        profile = self.profiles.get(username)
        if profile is None:
            return HTMLResponse(
                "<html><body>Sorry, this page isn't available.</body></html>", status_code=404
            )
        details = {
            "pk": str(profile.pk),
            "id": profile.page_id,
            "username": profile.username,
            "full_name": profile.full_name,
            "biography": profile.biography,
            "profile_pic_url": f"{CDN}/{profile.username}-s150.jpg",
            "hd_profile_pic_url_info": {"url": f"{CDN}/{profile.username}-s320.jpg"},
            "is_private": profile.private,
            "is_verified": False,
            "follower_count": profile.followers,
            "following_count": profile.following,
            # Logged out, Instagram hides the number of posts.
            "all_media_count": None,
            "bio_links": [],
        }
        for omitted in profile.page_omits:
            details.pop(omitted, None)
        scripts = [_bbox("PolarisProfilePageContentQuery", {"xig_user_by_username": details})]
        if not profile.private:
            timeline = {
                "id": profile.page_id,
                "polaris_ordered_timeline_connection": _timeline_page(profile, 0, _grid),
            }
            scripts.append(_bbox("PolarisProfilePostsQuery", {"xig_user_by_username": timeline}))
        body = "".join(f'<script type="application/json" data-sjs>{s}</script>' for s in scripts)
        return HTMLResponse(f"<!DOCTYPE html><html><head></head><body>{body}</body></html>")

    # structures.py, Profile._obtain_metadata() (logged out): data.user in the legacy
    # format, read by followers (edge_followed_by), mediacount, igtvcount and the rest.
    def _web_profile_info(self, username: str) -> Response:
        profile = self.profiles.get(username)
        if profile is None:
            return _json({"message": "", "status": "fail"}, status=404)
        user = {
            "id": str(profile.pk),
            "username": profile.username,
            "full_name": profile.full_name,
            "biography": profile.biography,
            "is_private": profile.private,
            "followed_by_viewer": False,
            "follows_viewer": False,
            "blocked_by_viewer": False,
            "has_blocked_viewer": False,
            "has_requested_viewer": False,
            "requested_by_viewer": False,
            "profile_pic_url": f"{CDN}/{profile.username}-s150.jpg",
            "profile_pic_url_hd": f"{CDN}/{profile.username}-s320.jpg",
            "edge_followed_by": {"count": profile.followers},
            "edge_follow": {"count": profile.following},
            "edge_owner_to_timeline_media": {
                "count": len(profile.posts),
                "edges": [],
                "page_info": {"has_next_page": False},
            },
            "edge_felix_video_timeline": {"count": 0, "edges": []},
        }
        return _json({"data": {"user": user}, "status": "ok"})

    # structures.py, Post._obtain_metadata(): data.xdt_api__v1__media__shortcode__web_info
    # .items[0], normalized by Post._normalize_post_data(). Missing: no items. The web
    # app's api/graphql answers without "status"; graphql/query with one.
    def _post(self, seen: Seen) -> Response:
        post = self.posts.get(str(seen.variables.get("shortcode")))
        items = [self._media(post)] if post is not None else []
        answer: dict[str, Any] = {
            "data": {"xdt_api__v1__media__shortcode__web_info": {"items": items}},
            "extensions": {"is_final": True},
        }
        if seen.path == "/graphql/query":
            answer["status"] = "ok"
        return _json(answer)

    # structures.py, Profile.get_posts() (logged out): the edge_extractor
    # data.node.polaris_ordered_timeline_connection; nodes are wrapped by their "code".
    def _posts_page(self, variables: dict[str, Any]) -> Response:
        profile = next(
            (p for p in self.profiles.values() if p.page_id == variables.get("id")), None
        )
        if profile is None:
            return _json({"data": {"node": None}})
        connection = _timeline_page(profile, int(variables.get("after") or 0), _grid)
        return _json(
            {
                "data": {"node": {"polaris_ordered_timeline_connection": connection}},
                "extensions": {"is_final": True},
            }
        )

    # structures.py, Profile.get_posts() (logged in): the edge_extractor
    # data.xdt_api__v1__feed__user_timeline_graphql_connection; each node goes through
    # Post.from_iphone_struct() (needs code, pk, media_type, taken_at, caption, has_liked,
    # like_count, and user for Profile.from_iphone_struct()).
    def _timeline(self, variables: dict[str, Any]) -> Response:
        profile = self.profiles.get(str(variables.get("username")))
        if profile is None:
            return _json({"data": {"xdt_api__v1__feed__user_timeline_graphql_connection": None}})
        connection = _timeline_page(profile, int(variables.get("after") or 0), self._media)
        return _json(
            {
                "data": {"xdt_api__v1__feed__user_timeline_graphql_connection": connection},
                "extensions": {"is_final": True},
            }
        )

    # structures.py, Profile._obtain_metadata() (logged in): data.user, normalized by
    # Profile._normalize_profile_data() (follower_count, following_count, media_count,
    # friendship_status.following).
    def _profile_query(self, variables: dict[str, Any]) -> Response:
        profile = next(
            (p for p in self.profiles.values() if str(p.pk) == variables.get("id")), None
        )
        if profile is None:
            return _json({"data": {"user": None}, "status": "ok"})
        following = profile.followed_by_viewer
        user = {
            "pk": str(profile.pk),
            "id": str(profile.pk),
            "username": profile.username,
            "full_name": profile.full_name,
            "biography": profile.biography,
            "follower_count": profile.followers,
            "following_count": profile.following,
            "media_count": profile.media_count
            if profile.media_count is not None
            else len(profile.posts),
            "profile_pic_url": f"{CDN}/{profile.username}-s150.jpg",
            "hd_profile_pic_url_info": {"url": f"{CDN}/{profile.username}-s1080.jpg"},
            "is_private": profile.private,
            "is_verified": False,
            "is_business": False,
            "friendship_status": {
                "following": following,
                "followed_by": False,
                "blocking": False,
                "incoming_request": False,
                "outgoing_request": False,
            },
        }
        return _json({"data": {"user": user}, "extensions": {"is_final": True}, "status": "ok"})

    # instaloadercontext.py, test_login(): data.user.username, or data.user null.
    def _login_check(self, seen: Seen) -> Response:
        user = {"username": VIEWER, "id": str(VIEWER_PK)} if seen.logged_in else None
        return _json({"data": {"user": user}, "status": "ok"})

    # structures.py, Post.get_comments(): data.shortcode_media.edge_media_to_parent_comment,
    # each node made a PostComment (id, created_at, text, owner, edge_liked_by.count,
    # edge_threaded_comments for the answers).
    def _comments(self, variables: dict[str, Any]) -> Response:
        post = self.posts.get(str(variables.get("shortcode")))
        if post is None:
            return _json({"data": {"shortcode_media": None}, "status": "ok"})
        start = int(variables.get("after") or 0)
        page = post.comments[start : start + int(variables.get("first") or PAGE_SIZE)]
        end = start + len(page)
        edges = [
            {
                "node": {
                    "id": str(post.pk + 1000 + start + i),
                    "text": c.text,
                    "created_at": c.created_at,
                    "did_report_as_spam": False,
                    "owner": {
                        "id": str(5000 + start + i),
                        "is_verified": False,
                        "profile_pic_url": f"{CDN}/{c.owner}.jpg",
                        "username": c.owner,
                    },
                    "viewer_has_liked": False,
                    "edge_liked_by": {"count": c.likes},
                    "is_restricted_pending": False,
                    "edge_threaded_comments": {
                        "count": 0,
                        "edges": [],
                        "page_info": {"has_next_page": False, "end_cursor": None},
                    },
                }
            }
            for i, c in enumerate(page)
        ]
        connection = {
            "count": post.count,
            "edges": edges,
            "page_info": {"has_next_page": end < len(post.comments), "end_cursor": str(end)},
        }
        return _json(
            {
                "data": {"shortcode_media": {"edge_media_to_parent_comment": connection}},
                "status": "ok",
            }
        )

    # structures.py, Post._get_comments_via_iphone_endpoint(): "comments" (pk, created_at,
    # text, comment_like_count, user for Profile.from_iphone_struct(), child_comment_count,
    # preview_child_comments) and "next_min_id" while there are more.
    def _iphone_comments(self, seen: Seen) -> Response:
        media_id = seen.path.split("/")[4] if seen.path.count("/") >= 5 else ""
        post = next((p for p in self.posts.values() if str(p.pk) == media_id), None)
        if post is None:
            return _json(
                {"message": "Media not found or unavailable", "status": "fail"}, status=400
            )
        start = int(seen.query.get("min_id") or 0)
        page = post.comments[start : start + IPHONE_PAGE_SIZE]
        end = start + len(page)
        comments = [
            {
                "pk": str(post.pk + 1000 + start + i),
                "text": c.text,
                "created_at": c.created_at,
                "comment_like_count": c.likes,
                "user": {
                    "pk": str(5000 + start + i),
                    "username": c.owner,
                    "full_name": "",
                    "is_private": False,
                    "profile_pic_url": f"{CDN}/{c.owner}.jpg",
                },
                "child_comment_count": 0,
                "preview_child_comments": [],
            }
            for i, c in enumerate(page)
        ]
        answer: dict[str, Any] = {"comments": comments, "comment_count": post.count, "status": "ok"}
        if end < len(post.comments):
            answer["next_min_id"] = str(end)
        return _json(answer)

    # structures.py, Post._normalize_post_data() (a Polaris media item) and
    # Post.from_iphone_struct(): the same media shape serves both.
    def _media(self, post: FakePost) -> dict[str, Any]:
        owner = self.profiles.get(post.owner)
        owner_pk = owner.pk if owner is not None else 77
        media: dict[str, Any] = {
            "code": post.shortcode,
            "pk": str(post.pk),
            "id": f"{post.pk}_{owner_pk}",
            "media_type": MEDIA_TYPES[post.kind],
            "product_type": PRODUCT_TYPES[post.kind],
            "taken_at": post.taken_at,
            "user": {
                "pk": str(owner_pk),
                "username": post.owner,
                "full_name": "",
                "is_private": False,
                "profile_pic_url": f"{CDN}/{post.owner}.jpg",
            },
            "caption": {"text": post.caption, "pk": str(post.pk + 1)}
            if post.caption is not None
            else None,
            "like_count": post.likes,
            "comment_count": post.count,
            "has_liked": False,
            "like_and_view_counts_disabled": False,
            "image_versions2": {
                "candidates": [
                    {"url": f"{CDN}/{post.shortcode}.jpg", "width": 1080, "height": 1350}
                ]
            },
        }
        if post.kind in ("video", "reel"):
            media.update(
                {
                    "video_versions": [{"url": f"{CDN}/{post.shortcode}.mp4", "type": 101}],
                    "video_duration": 12.5,
                    "view_count": post.views,
                    "play_count": post.plays,
                }
            )
        if post.kind == "carousel":
            media["carousel_media"] = [
                {
                    "media_type": 1,
                    "code": f"{post.shortcode}{i}",
                    "image_versions2": {"candidates": [{"url": f"{CDN}/{post.shortcode}-{i}.jpg"}]},
                }
                for i in range(2)
            ]
        return media


def _classify(host: str, path: str, query: dict[str, str], form: dict[str, str]) -> str:
    if host == "i.instagram.com":
        return "iphone_comments" if path.endswith("/comments/") else "iphone"
    if path in ("/graphql/query", "/api/graphql"):
        if "query_hash" in query:
            return QUERY_HASHES.get(query["query_hash"], "graphql")
        return DOC_IDS.get(form.get("doc_id") or query.get("doc_id", ""), "graphql")
    if path == "/":
        return "start_page"
    if path == "/api/v1/users/web_profile_info/":
        return "web_profile_info"
    if path.count("/") == 2 and path.endswith("/"):
        return "profile_page"
    return "unknown"


def _grid(post: FakePost) -> dict[str, Any]:
    """A post as the logged-out profile grid lists it: instaloader reads only "code"."""
    return {
        "code": post.shortcode,
        "pk": str(post.pk),
        "id": str(post.pk),
        "media_type": MEDIA_TYPES[post.kind],
        "taken_at": post.taken_at,
    }


def _timeline_page(profile: FakeProfile, start: int, node: Any) -> dict[str, Any]:
    page = profile.posts[start : start + PAGE_SIZE]
    end = start + len(page)
    return {
        "edges": [{"node": node(post), "cursor": str(start + i)} for i, post in enumerate(page)],
        "page_info": {
            "has_next_page": end < len(profile.posts),
            "end_cursor": str(end),
            "has_previous_page": start > 0,
            "start_cursor": str(start),
        },
    }


def _bbox(query: str, data: dict[str, Any]) -> str:
    """One query result as Instagram's pages embed it (``RelayPrefetchedStreamCache``)."""
    result = {"__bbox": {"complete": True, "result": {"data": data, "extensions": {}}}}
    payload = {
        "require": [
            [
                "ScheduledServerJS",
                "handle",
                None,
                [
                    {
                        "__bbox": {
                            "require": [
                                [
                                    "RelayPrefetchedStreamCache",
                                    "next",
                                    [],
                                    [f"adp_{query}RelayPreloader_1", result],
                                ]
                            ]
                        }
                    }
                ],
            ]
        ]
    }
    # "</" inside a script would end it; JSON allows "\/" for "/".
    return json.dumps(payload).replace("</", "<\\/")


def _json(body: Any, status: int = 200) -> Response:
    return JSONResponse(body, status_code=status)


def _fault_response(fault: Fault) -> Response:
    status = fault.status if fault.status is not None else 200
    if fault.json is not None:
        return JSONResponse(fault.json, status_code=status, headers=fault.headers)
    media_type = "text/html" if (fault.text or "").startswith("<") else "application/json"
    return Response(
        fault.text or "", status_code=status, headers=fault.headers, media_type=media_type
    )
