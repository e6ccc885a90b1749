"""Sending the outbox: signed, retried, bounded deliveries (the scheduler role's loop).

Each pass takes the due deliveries, at most ``CODVID_WEBHOOK_CONCURRENCY`` at once; each
is claimed just before its attempt (:mod:`.outbox`), so any number of scheduler
processes can run this loop side by side. One attempt:

* checks the webhook's URL again and resolves its host, refusing non-public addresses
  (:mod:`.addresses`), then connects to the very address it checked;
* signs the body as Standard Webhooks specifies (``webhook-id``, ``webhook-timestamp``,
  ``webhook-signature``: HMAC-SHA256 with the webhook's secret);
* takes at most ``CODVID_WEBHOOK_TIMEOUT`` seconds in all, follows no redirect, uses no
  proxy from the environment, reads no byte of the answer's body and keeps no
  connection open;
* succeeds on a 2xx answer only; otherwise it is retried after the next delay of
  ``CODVID_WEBHOOK_RETRY_SCHEDULE``, and given up after the last.

A delivery given up while its webhook had no success since the delivery's first attempt
(the receiver failed for the whole schedule, about a day) disables the webhook, with the
reason on it; its other pending deliveries are then cancelled as they come due.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import time
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

from codvid import __version__
from codvid.alerts import addresses, outbox
from codvid.alerts.documents import (
    WEBHOOKS,
    Attempt,
    DeliveryDocument,
    DeliveryState,
)
from codvid.alerts.settings import AlertSettings
from codvid.kit.clock import iso, now
from codvid.kit.ids import new_id
from codvid.storage import Store

log = logging.getLogger(__name__)
PER_SLOT = 4
"""Deliveries taken per pass for each concurrent slot."""
CLAIM_MARGIN = 30.0
"""Seconds a claim outlasts the attempt's own time limit, before another sender may
take the delivery over."""
LOST_CLAIMS = 3
"""Claims beyond its attempts after which a delivery is given up: its attempts keep
ending with no outcome recorded (the process dies, or storage refuses the write)."""
MAX_ERROR = 300
USER_AGENT = f"Codvid-Webhooks/{__version__}"


class Deliverer:
    """Sends due deliveries; one per scheduler process, closed with it."""

    def __init__(
        self, store: Store, settings: AlertSettings, *, trust: ssl.SSLContext | None = None
    ) -> None:
        """``trust``: the certificates a receiver's must chain to; by default the public
        authorities (certifi's bundle). Tests give a context that trusts their own CA."""
        self._store = store
        self._settings = settings
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.timeout),
            limits=httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=0),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": USER_AGENT},
            verify=trust if trust is not None else True,
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def deliver_due(self) -> int:
        """One pass: attempt what is due now; how many attempts were made."""
        due = await outbox.due(self._store, now(), PER_SLOT * self._settings.concurrency)
        made = await asyncio.gather(*(self._deliver(delivery) for delivery in due))
        return sum(made)

    async def _deliver(self, delivery_id: str) -> bool:
        async with self._slots:
            token = new_id()
            at = now()
            until = at + self._settings.timeout + CLAIM_MARGIN
            delivery = await outbox.claim(self._store, delivery_id, token, at, until)
            if delivery is None:
                return False  # another sender has it
            try:
                await self._attempt(delivery, token)
            except Exception:
                log.exception("delivery %s: the attempt could not be recorded", delivery_id)
            return True

    async def _attempt(self, delivery: DeliveryDocument, token: str) -> None:
        store = self._store
        hook = await store.collection(WEBHOOKS).find_one({"_id": delivery["webhook_id"]})
        if hook is None:
            await outbox.forget(store, delivery["_id"])
            return
        if hook["status"] != "active":
            note = f"Not sent: the webhook was disabled ({hook['disabled_reason']})"
            await outbox.close(store, delivery, token, "cancelled", note)
            return
        schedule = self._settings.retry_schedule
        if delivery["claims"] > len(delivery["attempts"]) + LOST_CLAIMS:
            note = "Given up: its attempts kept ending before their outcome was recorded"
            await outbox.close(store, delivery, token, "failed", note)
            return
        attempt = await self.send(hook["url"], hook["secret"], delivery)
        state = await outbox.settle(store, delivery, token, attempt, schedule)
        if state is not None:
            await self._note_health(hook["_id"], delivery, attempt, state)

    async def send(self, url: str, secret: str, delivery: DeliveryDocument) -> Attempt:
        """One attempt at ``delivery`` to ``url``; its outcome, never an exception."""
        started = now()
        clock = time.monotonic()
        code: int | None = None
        error: str | None = None
        allow_private = self._settings.allow_private
        timeout = self._settings.timeout
        try:
            async with asyncio.timeout(timeout):
                parsed = addresses.parse(url, allow_private=allow_private)
                target = await addresses.resolve(
                    parsed, allow_private=allow_private, timeout=timeout
                )
                code = await self._post(target, secret, delivery)
            if not 200 <= code < 300:
                error = f"HTTP {code}" + (" (redirects are not followed)" if code < 400 else "")
        except addresses.Refused as exc:
            error = f"Refused: the url {exc.reason}"
        except TimeoutError:
            error = f"No answer within {timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
        except Exception as exc:  # a fault of ours: still an outcome to record and retry
            log.exception("delivery %s could not be sent", delivery["_id"])
            error = f"Could not be sent ({type(exc).__name__})"
        elapsed = round((time.monotonic() - clock) * 1000, 1)
        return {"at": started, "status_code": code, "error": error, "duration_ms": elapsed}

    async def _post(self, target: addresses.Target, secret: str, delivery: DeliveryDocument) -> int:
        body = json.dumps(delivery["payload"], separators=(",", ":"), ensure_ascii=False)
        signed_at = datetime.now(UTC)
        headers = {
            "Host": target.host_header,
            "Content-Type": "application/json",
            "webhook-id": delivery["_id"],
            "webhook-timestamp": str(int(signed_at.timestamp())),
            "webhook-signature": Webhook(secret).sign(delivery["_id"], signed_at, body),
        }
        extensions = {"sni_hostname": target.server_name} if target.server_name else None
        request = self._client.build_request(
            "POST", target.url, content=body.encode(), headers=headers, extensions=extensions
        )
        response = await self._client.send(request, stream=True)
        await response.aclose()  # the status is the answer; its body is never read
        return response.status_code

    async def _note_health(
        self, webhook_id: str, delivery: DeliveryDocument, attempt: Attempt, state: DeliveryState
    ) -> None:
        webhooks = self._store.collection(WEBHOOKS)
        seen = {"last_attempt_at": attempt["at"], "last_status_code": attempt["status_code"]}
        if attempt["error"] is None:
            healthy = {"last_success_at": attempt["at"], "failing_since": None}
            await webhooks.update_one(
                {"_id": webhook_id},
                {"$set": {**seen, **healthy, "consecutive_failures": 0}},
            )
            return
        await webhooks.update_one(
            {"_id": webhook_id}, {"$set": seen, "$inc": {"consecutive_failures": 1}}
        )
        # The earliest failure since the last success (attempts run side by side, and one
        # that started later may finish first).
        since = {"$set": {"failing_since": attempt["at"]}}
        await webhooks.update_one({"_id": webhook_id, "failing_since": None}, since)
        await webhooks.update_one(
            {"_id": webhook_id, "failing_since": {"$gt": attempt["at"]}}, since
        )
        if state == "failed":
            await self._disable(webhook_id, delivery, attempt)

    async def _disable(self, webhook_id: str, delivery: DeliveryDocument, last: Attempt) -> None:
        """Disable the webhook if nothing succeeded since this delivery's first attempt."""
        first = delivery["attempts"][0]["at"] if delivery["attempts"] else last["at"]
        tried = len(delivery["attempts"]) + 1
        hours = (last["at"] - first) / 3600
        reason = (
            f"Disabled at {iso(now())}: delivery {delivery['_id']} failed all {tried} "
            f"attempts over {hours:.1f} h with no successful delivery meanwhile; the last: "
            f"{last['error']}"
        )
        disabled = await self._store.collection(WEBHOOKS).update_one(
            {"_id": webhook_id, "status": "active", "failing_since": {"$lte": first}},
            {"$set": {"status": "disabled", "disabled_reason": reason, "disabled_at": now()}},
        )
        if disabled:
            log.warning("webhook %s disabled: %s", webhook_id, reason)
