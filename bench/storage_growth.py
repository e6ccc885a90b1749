"""Bytes stored per tracked profile per year at the default interval (2 days).

Runs the real profile pipeline (demo provider, no delays) on a SQLite store for a few
scrapes of one profile, measures the JSON size of what each scrape adds to every
collection, and projects a year: 182.5 scrapes, the task document replaced in place,
snapshots, runs and their events kept, raw payloads kept for
CODVID_RAW_PAYLOAD_RETENTION_DAYS. Run on its own: ``python bench/storage_growth.py``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

from codvid.bootstrap import INDEXES, scrape_worker
from codvid.config import load_settings
from codvid.scrapers.providers.demo import DemoProvider
from codvid.storage.sqlite import SQLiteStore
from codvid.tracking import profiles, runs, scrape
from codvid.tracking.documents import EVENTS, PROFILE_TASKS, RAW_PAYLOADS, RUNS, SNAPSHOTS
from codvid.tracking.schemas import ProfileTaskCreate

SCRAPES = 6
YEAR_DAYS = 365.0


def size(documents: list[dict]) -> int:
    return sum(
        len(json.dumps(d, separators=(",", ":"), ensure_ascii=False).encode()) for d in documents
    )


async def measure() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=tmp, scraper_step_delay=0, scrape_batch_window=0)
        store = SQLiteStore(Path(tmp) / "growth.sqlite3")
        await store.ensure_indexes(INDEXES)
        worker = scrape_worker(settings, store, DemoProvider(step_delay=0), "bench")
        try:
            task = await profiles.create(
                store, "bench-user", ProfileTaskCreate(target_profile="natgeo")
            )
            for _ in range(SCRAPES):
                run = await runs.claim(store, "profile", task["_id"], "bench-user", "force")
                assert run is not None
                await scrape.execute(worker.context, run["_id"])
            by_task = {"task_id": task["_id"]}
            measured = {
                "task": size(await store.collection(PROFILE_TASKS).find({"_id": task["_id"]})),
                "snapshot": size(await store.collection(SNAPSHOTS).find(by_task)) / SCRAPES,
                "raw payload": size(await store.collection(RAW_PAYLOADS).find(by_task)) / SCRAPES,
                "run": size(await store.collection(RUNS).find(by_task)) / SCRAPES,
            }
            run_ids = [r["_id"] for r in await store.collection(RUNS).find(by_task, projection=[])]
            events = [
                e for r in run_ids for e in await store.collection(EVENTS).find({"run_id": r})
            ]
            measured["events of a run"] = size(events) / SCRAPES
        finally:
            await worker.stop_adopted(1)
            await store.close()
    interval = 2.0
    scrapes = YEAR_DAYS / interval
    kept_payloads = settings.scraping.raw_retention_days / interval
    per_scrape_kept = measured["snapshot"] + measured["run"] + measured["events of a run"]
    measured["year"] = (
        measured["task"] + scrapes * per_scrape_kept + kept_payloads * measured["raw payload"]
    )
    return measured


def main() -> None:
    measured = asyncio.run(measure())
    for name, value in measured.items():
        unit = "per year" if name == "year" else ("once" if name == "task" else "per scrape")
        sys.stdout.write(f"{name:<18} {value / 1024:9.1f} KiB {unit}\n")


if __name__ == "__main__":
    main()
