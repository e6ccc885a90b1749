"""The thread side of the provider: one instaloader context, one call at a time.

instaloader is blocking and keeps state per instance (its rate accounting, its session,
the tokens of Instagram's start page), and Instagram punishes parallel use of one
account or address. So the process has one :class:`Loader`, and :meth:`Loader.execute`
runs each call in a worker thread under one lock (the process's, shared by any other
loader), with the call's :class:`.context.Run` as the bounds. A call whose caller has
gone (cancelled or timed out) stops before its next request; the lock is held until it
has, so no second call ever runs beside it.
"""

from __future__ import annotations

import logging
import pickle
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from instaloader import Post, Profile
from instaloader.exceptions import BadResponseException
from requests.adapters import BaseAdapter

from codvid.errors import ConfigurationError
from codvid.scrapers.base import (
    AccessDenied,
    PostRef,
    ProfileNotFound,
    ProfilePrivate,
    ProfileResult,
    ProviderTimeout,
    ReelNotFound,
    ReelResult,
    ScrapedComment,
    ScraperError,
)
from codvid.scrapers.providers.instaloader.context import (
    Bounds,
    LoaderContext,
    Meter,
    Run,
    Stopped,
)
from codvid.scrapers.providers.instaloader.errors import (
    SESSION_REFUSED,
    SESSION_SETTING,
    Missing,
    by_status,
    translate,
)
from codvid.scrapers.providers.instaloader.mapping import (
    newest_posts,
    profile_result,
    reel_result,
    top_comments,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

_ONE_AT_A_TIME = threading.Lock()
"""One lock for the process, not per loader: even two providers built in one process (a
script, a test) never talk to Instagram at the same time."""
_POST_MISSING = "Fetching Post metadata failed"
"""instaloader's message when Instagram's answer to a shortcode lookup has no post."""


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in session: instaloader's session file (its cookies) and its account."""

    username: str
    cookies: dict[str, str] = field(repr=False)
    """Secret: the ``sessionid`` cookie logs in as the account."""

    @classmethod
    def read(cls, path: Path, username: str) -> Session:
        """The session file ``instaloader --login USER`` (or ``-b BROWSER``) writes: a pickled
        dict of cookies. It is the operator's own file, read once at start."""
        try:
            with path.open("rb") as file:
                cookies = pickle.load(file)
        except OSError as exc:
            raise ConfigurationError(
                f"{SESSION_SETTING}: cannot read {path}: {exc.strerror or exc}"
            ) from None
        except Exception:  # anything unpickling can raise
            cookies = None
        if not (isinstance(cookies, dict) and cookies.get("sessionid") and "csrftoken" in cookies):
            raise ConfigurationError(
                f"{SESSION_SETTING}: {path} is not an instaloader session file "
                "(make one with: instaloader --login USERNAME)"
            )
        return cls(username=username, cookies={str(k): str(v) for k, v in cookies.items()})


@dataclass(frozen=True, slots=True)
class Done(Generic[T]):
    """How a call ended in its thread, and the requests it made."""

    value: T | None = None
    error: ScraperError | None = None
    calls: int = 0


class Loader:
    def __init__(
        self,
        *,
        transport: BaseAdapter,
        request_timeout: float,
        max_wait: float,
        polite: bool,
        session: Session | None,
    ) -> None:
        self.bounds = Bounds(max_wait=max_wait)
        self.meter = Meter(transport, self.bounds)
        self.context = LoaderContext(
            meter=self.meter, bounds=self.bounds, request_timeout=request_timeout, polite=polite
        )
        self._lock = _ONE_AT_A_TIME
        self._verified = False
        self.logged_in = session is not None
        if session is not None:
            self.context.load_session(session.username, session.cookies)

    def execute(self, run: Run, operation: Callable[[], T]) -> Done[T]:
        """Run ``operation`` once the calls before it are done, within ``run``'s bounds."""
        if not self._lock.acquire(timeout=max(0.0, run.remaining())):
            return Done(error=ProviderTimeout("Instagram calls queued for too long"))
        try:
            if run.stopped.is_set():
                return Done(error=ProviderTimeout("The call was abandoned"))
            self.bounds.run = run
            self.meter.reset()
            try:
                return Done(value=operation(), calls=self.meter.calls)
            except Stopped:
                return Done(error=ProviderTimeout("The call was abandoned"), calls=self.meter.calls)
            except ScraperError as error:
                return Done(error=error, calls=self.meter.calls)
        finally:
            self.bounds.run = None
            self._lock.release()

    def shutdown(self, wait: float) -> None:
        """Close the session and its connections, after the running call (``wait`` s at
        most: it has been told to stop and ends at its next request)."""
        locked = self._lock.acquire(timeout=wait)
        try:
            self.context.close()  # type: ignore[no-untyped-call]
            self.meter.shutdown()
        finally:
            if locked:
                self._lock.release()

    # The operations; each runs inside execute().

    def profile(self, username: str, max_posts: int) -> ProfileResult:
        with self._translated(lambda: ProfileNotFound(f"Profile @{username} not found")):
            self._verify_session()
            profile = Profile.from_username(self.context, username)
            own = self.logged_in and profile.username == (self.context.username or "").lower()
            if profile.is_private and not own and not profile.followed_by_viewer:
                raise ProfilePrivate(f"Profile @{username} is private")
            posts = newest_posts(profile.get_posts(), max_posts) if max_posts else []
            return profile_result(profile, posts)

    def reel(self, shortcode: str) -> ReelResult:
        with self._translated(_missing_reel(shortcode), lookup=True):
            self._verify_session()
            return reel_result(Post.from_shortcode(self.context, shortcode))

    def comments(
        self, posts: Sequence[PostRef], max_comments: int
    ) -> tuple[dict[str, tuple[ScrapedComment, ...]], list[dict[str, Any]]]:
        """The top comments by shortcode, and what was read for each post. A post that no
        longer exists is left out; any other failure ends the call."""
        with self._translated(_session_refused):
            self._verify_session()
        found: dict[str, tuple[ScrapedComment, ...]] = {}
        raw: list[dict[str, Any]] = []
        for ref in posts:
            try:
                with self._translated(_missing_reel(ref.shortcode), lookup=True):
                    post = Post.from_shortcode(self.context, ref.shortcode)
                    total = post.comments
                    kept = top_comments(post.get_comments(), max_comments) if total else ()
            except ScraperError as error:
                if not error.permanent:
                    raise
                raw.append({"shortcode": ref.shortcode, "error": error.message})
                continue
            raw.append({"shortcode": ref.shortcode, "comments": total, "kept": len(kept)})
            if kept:
                found[ref.shortcode] = kept
        return found, raw

    @contextmanager
    def _translated(self, missing: Missing, *, lookup: bool = False) -> Iterator[None]:
        try:
            yield
        except (Stopped, ScraperError):
            raise
        except BadResponseException as exc:
            # Only an empty answer to the lookup itself means the post is missing; an
            # unreadable start page or media type is a malformed answer.
            found = lookup and str(exc).startswith(_POST_MISSING)
            raise self._error(exc, missing, lookup=found) from exc
        except Exception as exc:
            raise self._error(exc, missing, lookup=lookup) from exc

    def _error(self, exc: Exception, missing: Missing, *, lookup: bool) -> ScraperError:
        return translate(
            exc, answer=self.meter.last, logged_in=self.logged_in, missing=missing, lookup=lookup
        )

    def _verify_session(self) -> None:
        """Check once that the session is still logged in (instaloader's ``test_login``),
        so an expired session fails clearly instead of as odd answers later."""
        if not self.logged_in or self._verified:
            return
        username = self.context.test_login()
        if username is None:
            # test_login swallows its failure; the meter saw what happened.
            if self.meter.failure is not None:
                raise self._error(self.meter.failure, _session_refused, lookup=False)
            answer = self.meter.last
            failed = None
            if answer is not None and answer.status != 200:
                detail = self.context.last_error
                failed = by_status(answer, missing=_session_refused, detail=detail)
            raise failed or AccessDenied(SESSION_REFUSED, raw={"login_check": "logged out"})
        if username.lower() != (self.context.username or "").lower():
            log.warning("the instaloader session file belongs to @%s", username)
        self._verified = True


def _missing_reel(shortcode: str) -> Missing:
    return lambda: ReelNotFound(f"Reel {shortcode} not found, private or deleted")


def _session_refused() -> ScraperError:
    return AccessDenied(SESSION_REFUSED)
