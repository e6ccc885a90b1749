"""The composition root: every domain's collections and indexes, and the resources a
process builds for its roles (``jobs.roles``).

* every role: the store (indexes ensured), the broker, and the sender of scrape runs;
* ``worker``: the scraper provider behind its guard (one rate limit, retries) and its
  batches, the sentiment analyzer, and the handlers of tracking's jobs, bounded by one
  :class:`~codvid.jobs.worker.Worker`; beside a broker between processes, the listener
  that takes the jobs from the queue (:mod:`codvid.jobs.receiving`);
* ``api``: the token issuer and throttles, and the assistant with its model provider;
* ``scheduler``: recovery of what gone processes left, then tracking's periodic loops.

Everything opened here is closed here, in reverse order, however the process ends.
Domain code never learns which roles share its process.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, NotRequired, TypedDict

from taskiq import AsyncBroker

from codvid.ai.service import Assistant
from codvid.alerts import documents as alert_documents
from codvid.alerts import tasks as alert_tasks
from codvid.alerts.delivery import Deliverer
from codvid.alerts.outbox import Recorder
from codvid.auth.service import AuthContext
from codvid.auth.tokens import jwt_secret
from codvid.config import Settings
from codvid.errors import ConfigurationError
from codvid.jobs import queue
from codvid.jobs.broker import QueueUnavailable, build_broker, close_broker, open_broker
from codvid.jobs.loops import Loops
from codvid.jobs.ports import Enqueue
from codvid.jobs.process import this_process
from codvid.jobs.receiving import Receiving
from codvid.jobs.roles import ALL_ROLES, Role, check_roles
from codvid.jobs.settings import is_in_process
from codvid.jobs.worker import Worker
from codvid.kit.ratelimits import close_counter_storage, counter_storage
from codvid.projects import documents as project_documents
from codvid.scrapers import SCRAPERS, ScraperProvider
from codvid.scrapers.guard import guarded
from codvid.sentiment import OnFirstUse
from codvid.storage import IndexSpec, StorageError, Store, open_store
from codvid.tracking import documents as tracking_documents
from codvid.tracking import scheduled, tasks
from codvid.tracking.fetching import CALLS_IN_FLIGHT, Fetcher
from codvid.tracking.pipelines import ScrapeContext
from codvid.tracking.scrape import Adopter
from codvid.users import documents as user_documents

if TYPE_CHECKING:
    from limits.aio.storage import Storage

log = logging.getLogger(__name__)

DOMAIN_INDEXES: tuple[Mapping[str, Sequence[IndexSpec]], ...] = (
    user_documents.INDEXES,
    project_documents.INDEXES,
    tracking_documents.INDEXES,
    alert_documents.INDEXES,
)
INDEXES: dict[str, Sequence[IndexSpec]] = {
    name: specs for indexes in DOMAIN_INDEXES for name, specs in indexes.items()
}


class Resources(TypedDict):
    """What one process shares; an API process hands it to every request as its state."""

    settings: Settings
    store: Store
    enqueue: Enqueue
    auth: NotRequired[AuthContext]
    assistant: NotRequired[Assistant]


@contextmanager
def start_errors() -> Iterator[None]:
    """A database or broker that cannot be used at start, as the one line a
    :class:`~codvid.errors.ConfigurationError` prints (no driver text)."""
    try:
        yield
    except StorageError as exc:
        raise ConfigurationError(f"database: {exc}") from None
    except QueueUnavailable as exc:
        raise ConfigurationError(f"CODVID_BROKER_URL: {exc}") from None


async def open_indexed_store(settings: Settings) -> Store:
    """The store with every domain's collections and indexes in place."""
    settings.storage.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(settings.storage)
    try:
        await store.ensure_indexes(INDEXES)
    except BaseException:
        await store.close()
        raise
    return store


@asynccontextmanager
async def running(
    settings: Settings,
    roles: Iterable[Role] = ALL_ROLES,
    *,
    scraper: ScraperProvider | None = None,
) -> AsyncIterator[Resources]:
    """The resources of a process playing ``roles``; ``scraper`` replaces the configured
    provider (tests use it to stand in for Instagram)."""
    chosen = check_roles(roles, settings.jobs)
    async with AsyncExitStack() as stack:
        store = await open_indexed_store(settings)
        stack.push_async_callback(store.close)
        in_process = is_in_process(settings.jobs)
        broker = build_broker(settings.jobs, consumer=Role.WORKER in chosen and not in_process)
        worker = None
        if Role.WORKER in chosen:
            worker = _worker(settings, store, broker, scraper or _scraper(settings, stack), stack)
        await open_broker(broker)
        stack.push_async_callback(close_broker, broker)
        if worker is not None and in_process:
            stack.push_async_callback(worker.stop, settings.jobs.shutdown_grace)
        elif worker is not None:
            receiving = Receiving(broker, worker, settings.jobs)
            receiving.start()
            stack.push_async_callback(receiving.stop)
        enqueue = queue.sender(broker, tasks.SCRAPE_RUN)
        resources: Resources = {"settings": settings, "store": store, "enqueue": enqueue}
        if Role.API in chosen:
            secret = jwt_secret(settings.auth, settings.storage.data_dir)
            counters = counter_storage(settings.counters)
            stack.push_async_callback(close_counter_storage, counters)
            resources["auth"] = AuthContext.build(settings.auth, secret, counters)
            assistant = Assistant.build(settings.ai, settings.scraping)
            stack.push_async_callback(assistant.provider.close)
            resources["assistant"] = assistant
        if Role.SCHEDULER in chosen:
            observer = Recorder(store, settings.alerts)
            await scheduled.recover(store, enqueue, observer)
            deliverer = Deliverer(store, settings.alerts)
            stack.push_async_callback(deliverer.close)  # after the loops stopped
            loops = Loops()
            stack.push_async_callback(loops.stop)
            for name, seconds, job in (
                *tasks.loops(store, enqueue, settings.jobs, settings.scraping, observer),
                *alert_tasks.loops(deliverer, settings.alerts),
            ):
                loops.every(name, seconds, job)
        log.info("roles %s ready", ", ".join(sorted(chosen)))
        yield resources


def _scraper(settings: Settings, stack: AsyncExitStack) -> ScraperProvider:
    provider = SCRAPERS.build(settings.scraping.provider, settings)
    stack.push_async_callback(provider.close)
    return provider


@dataclass
class ScrapeWorker:
    """The worker that bounds a process's runs, what every run it executes uses, and the
    runs it starts itself to fill a shared profile call (:class:`~.scrape.Adopter`)."""

    worker: Worker
    context: ScrapeContext
    adopter: Adopter
    counters: Storage
    """The guard's rate-limit counters."""

    async def stop_adopted(self, grace: float) -> None:
        """After the worker stopped: the adopted runs get ``grace`` seconds to finish, the
        rest end as failed; then the batches close."""
        await self.adopter.stop(grace)
        await self.context.fetcher.close()
        await close_counter_storage(self.counters)


def scrape_worker(
    settings: Settings, store: Store, provider: ScraperProvider, worker_id: str
) -> ScrapeWorker:
    """``provider`` behind its guard (rate limit, retries), batched, for a worker."""
    storage = counter_storage(settings.counters)
    fetcher = Fetcher(guarded(provider, storage, settings.scraping), settings.scraping)
    context = ScrapeContext(
        store=store,
        scraping=settings.scraping,
        jobs=settings.jobs,
        fetcher=fetcher,
        analyzer=OnFirstUse(),
        worker_id=worker_id,
        observer=Recorder(store, settings.alerts),
    )
    adopter = Adopter(context, limit=CALLS_IN_FLIGHT * fetcher.profile_batch_size)
    fetcher.fill_profile_batches(adopter)
    return ScrapeWorker(Worker(settings.jobs.concurrency, worker_id), context, adopter, storage)


def _worker(
    settings: Settings,
    store: Store,
    broker: AsyncBroker,
    provider: ScraperProvider,
    stack: AsyncExitStack,
) -> Worker:
    """The worker role: tracking's job handlers, executed within the worker's limits."""
    scraping = scrape_worker(settings, store, provider, str(this_process()))
    for name, handler in tasks.handlers(scraping.context).items():
        queue.handle(broker, name, handler, scraping.worker)
    stack.push_async_callback(scraping.stop_adopted, settings.jobs.shutdown_grace)
    return scraping.worker
