"""instaloader's connection to Instagram, held to the bounds of one provider call.

instaloader does its own pacing: :class:`instaloader.RateController` counts requests per
query type and sleeps when a sliding window is full (200 requests per type in 11
minutes, 75 for page loads, 275 GraphQL queries in 10 minutes), and the context sleeps a
short random pause (about 1.7 s on average, 15 s at most) before each request. Both are
kept, since they are what keeps an account or an address out of Instagram's blocks, but
they would hold a provider call for as long as they like, up to half an hour. Here:

* every wait goes through :class:`Bounds` and ends early if the call is abandoned;
* a rate-controller wait longer than ``max_wait`` or than the time the call has left
  raises :class:`RateLimited` with that wait as ``retry_after`` instead of sleeping, so
  the caller's own back-off takes over and the process is free for other work;
* each request's timeout is cut to the time the call has left.

instaloader makes a new ``requests`` session for almost every query (a copy per GraphQL
or iPhone query, a fresh anonymous one per page load), so a hook on one session would see
few of them. :class:`LoaderContext` mounts one adapter, :class:`Meter`, on every session
it creates or is handed, through instaloader's public methods (``get_anonymous_session``,
``load_session``, ``get_json``): the meter counts requests (the calls of a result's
``Cost``), keeps the status and ``Retry-After`` of the last answer for the error mapping,
and sends through the transport it was given (an ``HTTPAdapter``; tests give one that
answers from a local server).
"""

from __future__ import annotations

import logging
import math
import random
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from instaloader import InstaloaderContext, RateController
from requests.adapters import BaseAdapter

from codvid.scrapers.base import ProviderTimeout, RateLimited

log = logging.getLogger(__name__)

_PAUSE_RATE = 0.6
_PAUSE_MAX = 15.0
"""instaloader's pause before each request: ``min(expovariate(0.6), 15)`` seconds."""
_SESSION_COOKIE = re.compile(r"(?:^|;\s*)sessionid=[^;\s]")


class Stopped(Exception):
    """The call was abandoned (cancelled, timed out or the provider closed): stop now."""


class Run:
    """The bounds of one provider call: a deadline, and a flag to stop it early."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.stopped = threading.Event()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def check(self) -> None:
        if self.stopped.is_set():
            raise Stopped
        if self.remaining() <= 0:
            raise ProviderTimeout(f"Instagram did not answer within {self.timeout:g} s")


class Bounds:
    """What the call running now may spend; shared by the context, its rate controller
    and the meter. Outside a call (``run`` is ``None``) nothing is bounded."""

    def __init__(self, *, max_wait: float) -> None:
        self.max_wait = max_wait
        self.run: Run | None = None

    def check(self) -> None:
        if self.run is not None:
            self.run.check()

    def pause(self, seconds: float) -> None:
        """Wait ``seconds``, or stop early; a pause the call has no time left for ends it."""
        run = self.run
        if run is None or seconds <= 0:
            return
        if seconds >= run.remaining():
            raise ProviderTimeout(f"Instagram did not answer within {run.timeout:g} s")
        if run.stopped.wait(seconds):
            raise Stopped

    def wait_for_rate(self, seconds: float) -> None:
        """A rate-controller wait: done if short, else left to the caller's back-off."""
        run = self.run
        room = self.max_wait if run is None else min(self.max_wait, run.remaining())
        if seconds > room:
            raise RateLimited(
                f"Instagram's request limits need a pause of {math.ceil(seconds)} s",
                retry_after=math.ceil(seconds),
                raw={"rate_controller_wait": round(seconds, 1)},
            )
        self.pause(seconds)

    def cap(self, timeout: Any) -> Any:
        """A request timeout no longer than the time the call has left."""
        run = self.run
        if run is None or not isinstance(timeout, int | float):
            return timeout
        return max(0.01, min(float(timeout), run.remaining()))


class BoundedRateController(RateController):
    """instaloader's request accounting, unchanged; only its ``sleep`` (the documented
    place to change how it waits) goes through :class:`Bounds`."""

    def __init__(self, context: InstaloaderContext, bounds: Bounds) -> None:
        super().__init__(context)
        self._bounds = bounds

    def sleep(self, secs: float) -> None:
        self._bounds.wait_for_rate(secs)


@dataclass(frozen=True, slots=True)
class Answer:
    """The last HTTP answer seen: what error mapping needs beyond instaloader's messages."""

    status: int
    retry_after: float | None
    url: str
    with_session: bool
    """Whether the request carried the logged-in session: instaloader loads pages (a
    profile's, for instance) anonymously even when it has one."""


class Meter(BaseAdapter):
    """The adapter on every session of the context: counts, bounds and records requests."""

    def __init__(self, transport: BaseAdapter, bounds: Bounds) -> None:
        super().__init__()
        self._transport = transport
        self._bounds = bounds
        self.calls = 0
        self.last: Answer | None = None
        self.failure: requests.RequestException | None = None
        """The exception of the last request, if it got no answer at all."""

    def reset(self) -> None:
        self.calls = 0
        self.last = None
        self.failure = None

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        self._bounds.check()
        self.calls += 1
        self.last = None
        self.failure = None
        try:
            response = self._transport.send(
                request,
                stream=stream,
                timeout=self._bounds.cap(timeout),
                verify=verify,
                cert=cert,
                proxies=proxies,
            )
        except requests.RequestException as exc:
            self.failure = exc
            raise
        self.last = Answer(
            status=response.status_code,
            retry_after=_seconds(response.headers.get("Retry-After")),
            url=str(request.url or "").split("?", 1)[0],
            with_session=_with_session(request),
        )
        return response

    def close(self) -> None:
        """Sessions close their adapters when done; the shared transport stays open until
        the provider closes it (:meth:`shutdown`)."""

    def shutdown(self) -> None:
        self._transport.close()


class LoaderContext(InstaloaderContext):
    """An :class:`InstaloaderContext` whose every session sends through ``meter``, whose
    pauses and rate waits are bounded, and whose messages go to the log, not stderr."""

    def __init__(
        self, *, meter: Meter, bounds: Bounds, request_timeout: float, polite: bool = True
    ) -> None:
        # Set before instaloader's constructor, which makes the first session.
        self._meter = meter
        self._bounds = bounds
        self.last_error = ""
        """instaloader's last error message (where it swallows the error itself)."""
        super().__init__(
            sleep=polite,
            quiet=True,
            max_connection_attempts=1,  # retries are the caller's
            request_timeout=request_timeout,
            rate_controller=lambda context: BoundedRateController(context, bounds),
            # Off: it would add an iPhone API request per profile picture and image URL,
            # which the provider does not need. Comments past the first page still use
            # the iPhone endpoint (instaloader calls it regardless).
            iphone_support=False,
        )

    def _mount(self, session: requests.Session) -> requests.Session:
        session.mount("https://", self._meter)
        session.mount("http://", self._meter)
        return session

    def get_anonymous_session(self) -> requests.Session:
        return self._mount(super().get_anonymous_session())

    def load_session(self, username: str, sessiondata: dict[str, str]) -> None:
        super().load_session(username, sessiondata)  # type: ignore[no-untyped-call]
        self._mount(self._session)

    def get_json(
        self,
        path: str,
        params: dict[str, Any],
        host: str = "www.instagram.com",
        session: requests.Session | None = None,
        response_headers: dict[str, Any] | None = None,
        use_post: bool = False,
    ) -> dict[str, Any]:
        # GraphQL and iPhone queries arrive here with a fresh copy of the session.
        self._mount(session or self._session)
        return super().get_json(path, params, host, session, response_headers, use_post)

    def do_sleep(self) -> None:
        if self.sleep:
            self._bounds.pause(min(random.expovariate(_PAUSE_RATE), _PAUSE_MAX))

    def error(self, msg: str, repeat_at_end: bool = True) -> None:
        self.last_error = str(msg)[:500]
        log.warning("instaloader: %s", msg)


def _with_session(request: requests.PreparedRequest) -> bool:
    cookies = request.headers.get("Cookie", "")
    text = cookies.decode("latin-1") if isinstance(cookies, bytes) else cookies
    return bool(_SESSION_COOKIE.search(text)) or "authorization" in request.headers


def _seconds(value: str | None) -> float | None:
    """A ``Retry-After`` in seconds (Instagram sends none in an HTTP date form)."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and math.isfinite(seconds) and seconds >= 0 else None
