"""What the alerts tests share: a real receiver, the demo provider on a clock the test
moves (so later scrapes see new posts and more followers, as days passing would), runs
executed as the worker role executes them, and the scheduler's deliverer."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from codvid.alerts import service as alerts
from codvid.alerts.delivery import Deliverer
from codvid.alerts.documents import DELIVERIES, WebhookDocument
from codvid.alerts.schemas import WebhookCreate
from codvid.config import Settings
from codvid.scrapers.providers.demo import DemoProvider
from codvid.storage import Document, Store
from codvid.tracking import runs
from codvid.tracking.documents import TaskKind
from tests.alerts.receiver import Receiver, receiving
from tests.conftest import MakeSettings
from tests.factories import USER, Executor, eventually, read_run

DAY = 86_400.0


class Clock:
    """The demo provider's clock: real time, plus the days a test moved it on."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, days: float) -> None:
        self.offset += days * DAY


@dataclass
class Alerts:
    """A store with the worker's runs and the scheduler's deliverer over it."""

    store: Store
    settings: Settings
    clock: Clock
    executor: Executor
    deliverer: Deliverer

    async def webhook(self, user_id: str = USER, **data: Any) -> WebhookDocument:
        return await alerts.create(
            self.store, self.settings.alerts, user_id, WebhookCreate.model_validate(data)
        )

    async def scrape(self, kind: TaskKind, task: Document) -> Document:
        """A force scrape of ``task``, executed to its end; the run as stored."""
        run = await runs.claim(self.store, kind, task["_id"], task["user_id"], "force")
        await self.executor(run["_id"])
        return await read_run(self.store, run["_id"])

    async def deliveries(self, **query: Any) -> list[Document]:
        return await self.store.collection(DELIVERIES).find(query, sort=[("created_at", 1)])

    async def deliver_until(self, receiver: Receiver, count: int, timeout: float = 10) -> None:
        """Passes of the deliverer until ``receiver`` got ``count`` requests."""

        async def done() -> bool:
            await self.deliverer.deliver_due()
            return len(receiver.requests) >= count

        await eventually(done, timeout=timeout, what=f"{count} deliveries")

    async def settle(self, state: str, timeout: float = 10, **query: Any) -> list[Document]:
        """Passes of the deliverer until every matching delivery is in ``state``."""

        async def done() -> bool:
            await self.deliverer.deliver_due()
            found = await self.deliveries(**query)
            return bool(found) and all(d["state"] == state for d in found)

        await eventually(done, timeout=timeout, what=f"deliveries {state}")
        return await self.deliveries(**query)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


@pytest.fixture
async def make_alerts(store: Store, make_settings: MakeSettings) -> AsyncIterator[Any]:
    made: list[Alerts] = []

    def make(**overrides: Any) -> Alerts:
        settings = make_settings(**{"webhook_allow_private": True, **overrides})
        clock = Clock()
        provider = DemoProvider(step_delay=0, clock=clock)
        alerts_ = Alerts(
            store,
            settings,
            clock,
            Executor.build(store, settings, provider),
            Deliverer(store, settings.alerts),
        )
        made.append(alerts_)
        return alerts_

    yield make
    for each in made:
        await each.deliverer.close()
        await each.executor.scraping.stop_adopted(0)
