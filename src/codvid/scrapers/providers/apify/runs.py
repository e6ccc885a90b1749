"""One Apify actor run, start to dataset, with every failure mapped to a scraper error.

The only module that talks to ``apify-client``. A run is started, waited for, and its
dataset read, by hand rather than with ``ActorClient.call()``: ``call()`` streams the run
log and sleeps about 6 s after the end with its default logger, and when waiting runs out
it leaves a run that is still charging; here a run that does not finish within the
scrape timeout is aborted (also when the caller cancels: the start request itself is
shielded, so no run is started without its id being known) and reported as
:class:`ProviderTimeout`. ``call()``-style waiting returns whatever status the run
reached, so the status is checked here: only ``SUCCEEDED`` gives data.

Every run carries ``maxItems`` (what the caller expects, at most) and
``maxTotalChargeUsd`` (``CODVID_APIFY_MAX_CHARGE_USD``), so a run can never bill more
results than were asked for nor more money than allowed.

The client retries network errors, 429 and 5xx by itself (``max_retries``, doubling from
``min_retry_delay``); nothing else here retries. Two things it does not expose are taken
from its documented extension point, a custom HTTP client (``with_custom_http_client``):
the ``Retry-After`` of a 429 (``ApifyApiError`` keeps no headers) and the number of
requests a fetch made (its cost in calls). Both are recorded per task in a context
variable, so concurrent fetches on one provider do not mix them up.

The API token never leaves the HTTP client's ``Authorization`` header: every message and
raw payload built here is scrubbed of it, and errors are raised ``from None`` so no
chained exception carries a client message into a log.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import anyio
import impit
from apify_client import ApifyClientAsync
from apify_client.errors import ApifyApiError
from apify_client.http_clients import ImpitHttpClientAsync
from typing_extensions import override

from codvid.scrapers.base import (
    AccessDenied,
    Cost,
    MalformedResponse,
    ProviderRunFailed,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    ScraperError,
)

log = logging.getLogger(__name__)

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED-OUT", "ABORTED"})
SLACK = 30.0
"""Seconds beyond the run's own timeout for starting it, reading its dataset and aborting."""
POLL_TIMEOUT = timedelta(seconds=75)
"""One status request: the API holds it at most 60 s (``waitForFinish``), plus the network."""
START_TIMEOUT = 60.0
"""The most a start request may take, retries included."""
ABORT_TIMEOUT = 10.0
RESOURCE_LIMITS = frozenset({"actor-memory-limit-exceeded", "concurrent-runs-limit-exceeded"})
"""Start refusals that clear by themselves as the account's other runs finish."""
_STATUS_WORDS = {"FAILED": "failed", "ABORTED": "was aborted", "TIMED-OUT": "timed out on Apify"}


@dataclass
class Exchange:
    """What one fetch sent and heard, beyond what the client reports."""

    requests: int = 0
    retry_after: float | None = None
    """``Retry-After`` of the latest answer, if it was a 429 that said."""


_EXCHANGE: ContextVar[Exchange | None] = ContextVar("codvid_apify_exchange", default=None)


class CountingHttpClient(ImpitHttpClientAsync):
    """The client's own transport, recording requests and ``Retry-After`` per fetch."""

    closed = False

    @override
    async def send_request(
        self,
        *,
        method: str,
        url: str,
        headers: dict[str, str],
        content: bytes | AsyncIterator[bytes] | None,
        timeout: float | None,
        stream: bool,
    ) -> impit.Response:
        exchange = _EXCHANGE.get()
        if exchange is not None:
            exchange.requests += 1
        response = await super().send_request(
            method=method,
            url=url,
            headers=headers,
            content=content,
            timeout=timeout,
            stream=stream,
        )
        if exchange is not None:
            exchange.retry_after = (
                retry_after(response.headers.get("retry-after"))
                if response.status_code == 429
                else None
            )
        return response

    @override
    async def aclose(self) -> None:
        self.closed = True
        await super().aclose()


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number, or an HTTP date."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


@dataclass(frozen=True, kw_only=True)
class Finished:
    """A run that SUCCEEDED and its dataset items (at most ``max_items``)."""

    items: list[Any]
    cost: Cost
    origin: dict[str, Any]
    """Which actor, run and dataset the items came from, for ``raw``."""


@dataclass
class _Attempt:
    actor: str
    phase: str = "start"
    run_id: str | None = None
    ended: bool = False
    origin: dict[str, Any] = field(default_factory=dict)


class ActorRunner:
    def __init__(
        self,
        token: str,
        *,
        api_url: str,
        timeout: float,
        max_charge_usd: float,
        max_retries: int,
        min_retry_delay: float,
    ) -> None:
        if not token:
            raise ValueError("an Apify API token is required")
        if timeout <= 0 or max_charge_usd <= 0 or max_retries < 0 or min_retry_delay < 0:
            raise ValueError("timeout and max_charge_usd must be positive, retries not negative")
        self._secret = token
        self._timeout = timeout
        self._max_charge = Decimal(str(max_charge_usd))
        self.http = CountingHttpClient(
            token=token,
            max_retries=max_retries,
            min_delay_between_retries=timedelta(seconds=min_retry_delay),
        )
        self._client = ApifyClientAsync.with_custom_http_client(
            token, api_url=api_url, api_public_url=api_url, http_client=self.http
        )

    async def close(self) -> None:
        if not self.http.closed:
            await self.http.aclose()

    async def run(self, actor: str, run_input: dict[str, Any], *, max_items: int) -> Finished:
        """Run ``actor`` on ``run_input`` and return its items; raises only
        :class:`ScraperError` for failures of Apify or of the run."""
        if self.http.closed:
            raise RuntimeError("the Apify provider is closed")
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        exchange = Exchange()
        reset = _EXCHANGE.set(exchange)
        attempt = _Attempt(actor)
        try:
            with anyio.fail_after(self._timeout + SLACK):
                return await self._run(attempt, run_input, max_items, exchange)
        except ScraperError as exc:
            raise self._scrubbed(exc) from None
        except TimeoutError:
            raise self._scrubbed(
                ProviderTimeout(
                    "Apify did not answer in time",
                    raw={**attempt.origin, "phase": attempt.phase},
                )
            ) from None
        except ApifyApiError as exc:
            raise self._scrubbed(self._api_error(exc, attempt, exchange)) from None
        except (ValueError, KeyError, TypeError) as exc:
            # The client parses JSON bodies and pydantic models: a broken answer lands here.
            raise self._scrubbed(
                MalformedResponse(
                    "Malformed response from Apify: the API answer could not be read",
                    raw={**attempt.origin, "phase": attempt.phase, "error": type(exc).__name__},
                )
            ) from None
        except Exception as exc:
            raise self._scrubbed(self._transport_error(exc, attempt)) from None
        finally:
            if attempt.run_id is not None and not attempt.ended:
                await self._abort(attempt.run_id)
            _EXCHANGE.reset(reset)

    async def _run(
        self, attempt: _Attempt, run_input: dict[str, Any], max_items: int, exchange: Exchange
    ) -> Finished:
        # Shielded: a start cancelled in flight could leave a run going that nobody knows
        # to abort; once its id is known, a cancellation aborts it (``finally`` in run).
        with anyio.fail_after(START_TIMEOUT, shield=True):
            started = await self._client.actor(attempt.actor).start(
                run_input=run_input,
                max_items=max_items,
                max_total_charge_usd=self._max_charge,
                run_timeout=timedelta(seconds=max(1, math.ceil(self._timeout))),
            )
        attempt.run_id, attempt.phase = started.id, "wait"
        attempt.origin = {"source": "apify", "actor": attempt.actor, "run_id": started.id}
        log.info("Apify run %s of %s started", started.id, attempt.actor)
        run = await self._client.run(started.id).wait_for_finish(
            wait_duration=timedelta(seconds=self._timeout), timeout=POLL_TIMEOUT
        )
        if run is None:
            attempt.ended = True
            raise ProviderRunFailed("The Apify scraper run disappeared", raw=attempt.origin)
        attempt.origin |= {
            "dataset_id": run.default_dataset_id,
            "status": run.status,
            "usage_total_usd": run.usage_total_usd,
        }
        if run.status not in TERMINAL:
            raise ProviderTimeout(
                f"The Apify scraper run did not finish within {self._timeout:g} s",
                raw=attempt.origin,
            )
        attempt.ended = True
        log.info("Apify run %s ended %s", run.id, run.status)
        if run.status != "SUCCEEDED":
            # Scrubbed before it is cut, so no piece of the token can remain.
            detail = self.scrub((run.status_message or "").strip())
            attempt.origin["status_message"] = detail[:500]
            message = f"The Apify scraper run {_STATUS_WORDS.get(run.status, run.status)}"
            if detail and run.status == "FAILED":
                message += f": {detail[:160]}"
            raise ProviderRunFailed(f"{message} ({run.status})", raw=attempt.origin)
        attempt.phase = "read"
        page = await self._client.dataset(run.default_dataset_id).list_items(
            limit=max_items, clean=True
        )
        items = page.items[:max_items]
        return Finished(
            items=items,
            cost=Cost(usd=run.usage_total_usd, items=len(items), calls=exchange.requests),
            origin=attempt.origin,
        )

    async def _abort(self, run_id: str) -> None:
        """Stop a run we gave up on, so it charges no further; even while cancelled."""
        with anyio.move_on_after(ABORT_TIMEOUT, shield=True):
            try:
                await self._client.run(run_id).abort()
                log.info("Apify run %s aborted", run_id)
            except Exception as exc:
                log.warning("Apify run %s could not be aborted (%s)", run_id, type(exc).__name__)

    def _api_error(self, exc: ApifyApiError, attempt: _Attempt, exchange: Exchange) -> ScraperError:
        status, kind = exc.status_code, exc.type or "unknown"
        said = self.scrub((exc.message or "").strip())[:200]
        raw = {**attempt.origin, "actor": attempt.actor, "phase": attempt.phase}
        raw |= {"status_code": status, "type": kind, "message": said}
        label = f"{status} {kind}"
        if kind in RESOURCE_LIMITS:
            return RateLimited(
                f"Apify is running as many actors as the account allows ({kind})",
                retry_after=exchange.retry_after,
                raw=raw,
            )
        if status == 429:
            return RateLimited(
                "Apify rate limited the service, try again later",
                retry_after=exchange.retry_after,
                raw=raw,
            )
        if status in (401, 402, 403):
            what = "the plan's credit" if status == 402 else "the API token"
            return AccessDenied(
                f"Apify refused {what} ({label}); the operator must check CODVID_APIFY_TOKEN",
                raw=raw,
            )
        if status == 404 and attempt.phase == "start":
            return AccessDenied(
                f"Apify has no actor {attempt.actor} that this token can run ({label}); "
                "the operator must check the CODVID_APIFY_*_ACTOR settings",
                raw=raw,
            )
        if status == 408:
            return ProviderTimeout(f"Apify timed out ({label})", raw=raw)
        if status >= 500:
            return ProviderUnavailable(f"Apify is unavailable ({label}), try again later", raw=raw)
        if attempt.phase == "start":
            return ProviderRunFailed(
                f"Apify refused to start the scraper run ({label}): {said}", raw=raw
            )
        return ProviderRunFailed(f"Apify could not give the run's results ({label})", raw=raw)

    def _transport_error(self, exc: Exception, attempt: _Attempt) -> ScraperError:
        raw = {**attempt.origin, "phase": attempt.phase, "error": type(exc).__name__}
        if self.http.is_timeout_error(exc):
            return ProviderTimeout("Connection timeout talking to Apify", raw=raw)
        if self.http.is_retryable_transport_error(exc) or isinstance(
            exc, OSError | impit.HTTPError
        ):
            return ProviderUnavailable("Could not reach Apify, try again later", raw=raw)
        raise exc

    def _scrubbed(self, error: ScraperError) -> ScraperError:
        """The same error with the token masked wherever it might have been echoed."""
        error.message = scrub(error.message, self._secret)
        error.args = (error.message,)
        error.raw = scrub(error.raw, self._secret)
        return error

    def scrub(self, value: Any) -> Any:
        return scrub(value, self._secret)

    def scrub_error(self, error: ScraperError) -> ScraperError:
        """``error`` (its message, arguments and raw payload) with the token masked."""
        return self._scrubbed(error)


def scrub(value: Any, secret: str) -> Any:
    """``value`` with every occurrence of ``secret`` in its strings masked."""
    if isinstance(value, str):
        return value.replace(secret, "***") if secret and secret in value else value
    if isinstance(value, dict):
        return {scrub(key, secret): scrub(entry, secret) for key, entry in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub(entry, secret) for entry in value)
    return value
