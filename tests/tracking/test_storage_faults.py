"""A run whose results cannot be stored is failed with that reason, not left processing
to be blamed later on a silent worker."""

from __future__ import annotations

import pytest

from codvid.storage import Document, Filter, Store, Update
from codvid.storage.base import StorageFull
from codvid.tracking import runs
from tests.conftest import MakeSettings
from tests.doubles import ScriptedProvider
from tests.factories import USER, Executor, profile_task, read_run, read_task
from tests.stores import YieldingCollection, YieldingStore

pytestmark = pytest.mark.anyio


class FullOnResults(YieldingStore):
    """The real store, whose disk fills up just as a run writes its results."""

    def collection(self, name: str) -> YieldingCollection:
        collection = super().collection(name)
        if name != "profile_tasks":
            return collection
        inner = collection

        class Full(YieldingCollection):
            async def find_one_and_update(
                self, filter: Filter, update: Update, **options: object
            ) -> Document | None:
                if "target_profile_data" in update.get("$set", {}):
                    raise StorageFull()
                return await inner.find_one_and_update(filter, update, **options)  # type: ignore[arg-type]

        return Full(inner)


async def test_a_run_that_cannot_store_its_results_fails_with_that_reason(
    store: Store, make_settings: MakeSettings, provider: ScriptedProvider
) -> None:
    task = await profile_task(store, "natgeo")
    run = await runs.claim(store, "profile", task["_id"], USER, "force")
    execute = Executor.build(FullOnResults(store), make_settings(), provider)

    await execute(run["_id"])

    failed = await read_run(store, run["_id"])
    assert failed["status"] == "failed"
    assert failed["error"] == "Could not store the results: Storage is full; previous data kept"
    stored = await read_task(store, "profile", task["_id"])
    assert stored["active_run_id"] is None and stored["last_scraped"] is None
