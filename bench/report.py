"""The summary table ``make bench`` prints: each figure beside its goal, PASS or MISS."""

from __future__ import annotations

import contextlib
import json
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

GOAL_P99_MS = 10.0
SEED_PROMISE_P99_MS = 100.0
GOAL_STATUS_RATIO = 0.5
GOAL_FORCE_RATIO = 0.3
GOAL_PICK_RATIO = 1.5
GOAL_PROFILE_RUNS = 25
GOAL_COMMENT_RATIO = 0.2
GOAL_SPEEDUP = 1.8
GOAL_IDEAL_RATIO = 1.2
GOAL_RSS_MIB = 200.0
GOAL_ANALYTICS_P99_MS = 50.0
GOAL_EXPORT_RSS_RATIO = 1.2

Trials = list[dict[str, Any]]


@dataclass
class Setup:
    """How the figures were taken, for the lines under the table."""

    trials: int
    users: int
    tasks: int
    open_rate: int
    open_seconds: float
    open_bare_seconds: float
    wrk_threads: int
    wrk_connections: int
    wrk_seconds: float
    force_seconds: float
    force_tasks: int
    notes: list[str] = field(default_factory=list)


def median_spread(values: list[float], fmt: str) -> str:
    """``median [min-max]``, each formatted with ``fmt``."""
    return f"{fmt.format(statistics.median(values))} {spread(values, fmt)}"


def spread(values: list[float], fmt: str) -> str:
    return f"[{fmt.format(min(values))}-{fmt.format(max(values))}]"


def mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def row(self, name: str, value: str, goal: str = "", verdict: str = "") -> None:
        self.rows.append((name, value, goal, verdict))

    def lines(self) -> list[str]:
        rows = [("metric", "value: median [min-max]", "goal", ""), *self.rows]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        return [
            f"{n:<{widths[0]}}  {v:<{widths[1]}}  {g:<{widths[2]}}  {m}".rstrip()
            for n, v, g, m in rows
        ]


def latency_rows(table: Table, setup: Setup, force: Trials, bare: Trials) -> None:
    p99 = [r["p99_ms"] for r in force]
    sent = sum(r["sent"] for r in force)
    others = [(code, n) for r in force for code, n in r["statuses"].items() if code != "200"]
    non200 = sum(n for _, n in others)
    codes = sorted({code for code, _ in others})
    at = f"@ {setup.open_rate} req/s open loop"
    table.row(
        f"force_scrape p50 {at}", median_spread([r["p50_ms"] for r in force], "{:.2f}") + " ms"
    )
    table.row(
        f"force_scrape p99 {at}",
        median_spread(p99, "{:.2f}") + " ms",
        f"<= {GOAL_P99_MS:g} ms",
        mark(statistics.median(p99) <= GOAL_P99_MS),
    )
    table.row(
        "  same p99 vs the seed promise",
        "",
        f"< {SEED_PROMISE_P99_MS:g} ms",
        mark(statistics.median(p99) < SEED_PROMISE_P99_MS),
    )
    table.row(
        "  force_scrape non-200 answers",
        f"{non200} of {sent}" + (f" ({', '.join(codes)})" if codes else ""),
        "0",
        mark(non200 == 0),
    )
    table.row(
        "  send rate achieved (generator)",
        median_spread([r["achieved_send_rate"] for r in force], "{:.1f}") + " req/s",
    )
    table.row(
        "  p99 counted from the actual send",
        median_spread([r["p99_from_send_ms"] for r in force], "{:.2f}") + " ms",
    )
    table.row(
        "  generator send lag p99",
        median_spread([r["send_lag_p99_ms"] for r in force], "{:.2f}") + " ms",
    )
    table.row(
        f"  bare GET p50 / p99 @ {setup.open_rate} req/s",
        f"{statistics.median(r['p50_ms'] for r in bare):.2f} / "
        + median_spread([r["p99_ms"] for r in bare], "{:.2f}")
        + " ms",
    )


def rate_rows(table: Table, setup: Setup, results: dict[str, Trials]) -> None:
    rates = {k: [r["rate"] for r in results[k]] for k in ("bare", "status", "force")}
    med = {k: statistics.median(v) for k, v in rates.items()}
    ratios = {k: [r / b for r, b in zip(rates[k], rates["bare"], strict=True)] for k in rates}
    goals = {"status": GOAL_STATUS_RATIO, "force": GOAL_FORCE_RATIO}
    table.row(
        f"bare GET max rate (wrk -t{setup.wrk_threads} -c{setup.wrk_connections})",
        median_spread(rates["bare"], "{:.0f}") + " req/s",
    )
    for key, label in (("status", "task_status"), ("force", "force_scrape")):
        ratio = med[key] / med["bare"]
        table.row(f"{label} max rate", median_spread(rates[key], "{:.0f}") + " req/s")
        table.row(
            f"  {label} / bare (ratio of medians)",
            f"{ratio:.3f} {spread(ratios[key], '{:.3f}')}",
            f">= {goals[key]:g}",
            mark(ratio >= goals[key]),
        )
    for key, label in (("bare", "bare"), ("status", "task_status"), ("force", "force_scrape")):
        non2xx = sum(r["non2xx"] for r in results[key])
        errors = sum(r["errors"] for r in results[key])
        total = sum(r["requests"] for r in results[key])
        table.row(
            f"  {label} non-2xx / socket errors",
            f"{non2xx} / {errors} of {total}",
            "0 / 0",
            mark(non2xx == 0 and errors == 0),
        )
    wrapped = sum(r.get("wrapped", 0) for r in results["force"])
    if wrapped:
        setup.notes.append(
            f"force_scrape under wrk ran out of idle tasks ({wrapped} requests reused one): "
            "its rate includes 409 answers"
        )


def pick_rows(table: Table, result: dict[str, Any]) -> None:
    """``pick_due.py``: per store kind, the due-pick on its smaller and its larger store,
    and the ratio of the two."""

    def label(count: int) -> str:
        if count >= 1_000_000 and count % 1_000_000 == 0:
            return f"{count // 1_000_000}M"
        return f"{count // 1000}k" if count % 1000 == 0 else str(count)

    for kind, store in result["stores"].items():
        counts = sorted(int(count) for count in store["sizes"])
        for count in counts:
            size = store["sizes"][str(count)]
            table.row(
                f"pick_due(100) @ {label(count)} tasks, {kind} (median of {result['rounds']})",
                f"{size['median_ms']:.3f} ms (p10-p90 {size['p10_ms']:.3f}-{size['p90_ms']:.3f})",
            )
        small, large = store["sizes"][str(counts[0])], store["sizes"][str(counts[-1])]
        ratio = large["median_ms"] / small["median_ms"]
        table.row(
            f"  {label(counts[-1])} / {label(counts[0])} ({kind})",
            f"{ratio:.2f}",
            f"<= {GOAL_PICK_RATIO:g}",
            mark(ratio <= GOAL_PICK_RATIO),
        )


def _median(values: list[float], fmt: str, unit: str = "") -> str:
    """A median, with its spread when there was more than one trial."""
    text = fmt.format(statistics.median(values)) + unit
    return text if len(values) == 1 else f"{text} {spread(values, fmt)}"


def batching_rows(table: Table, result: dict[str, Any]) -> None:
    """``scrape_batching.py``: profile-actor runs and wall time, batched vs one per task."""
    batched, baseline = result["batched"], result["baseline"]
    tasks, subset = result["tasks"], result["baseline_tasks"]
    runs = [float(t["profile_runs"]) for t in batched]
    table.row(
        f"profile-actor runs for {tasks} due tasks",
        _median(runs, "{:.0f}"),
        f"<= {GOAL_PROFILE_RUNS}",
        mark(statistics.median(runs) <= GOAL_PROFILE_RUNS),
    )
    ended = sum(t["statuses"].get("succeeded", 0) for t in batched + baseline)
    asked = sum(t["tasks"] for t in batched + baseline)
    table.row(
        "  runs succeeded (batched and baseline)",
        f"{ended} of {asked}",
        "all",
        mark(ended == asked),
    )
    wall = [t["wall_s"] for t in batched]
    table.row(f"  wall time, {tasks} runs batched", _median(wall, "{:.1f}", " s"))
    scale = tasks / subset
    one = [t["wall_s"] * scale for t in baseline]
    table.row(
        f"  wall time, one run per task (x{scale:g} of {subset})",
        _median(one, "{:.0f}", " s")
        + f" (measured {statistics.median(t['wall_s'] for t in baseline):.1f} s)",
    )
    ratios = [b / o for b, o in zip(wall, one, strict=True)]
    table.row("  batched / one per task (wall time)", _median(ratios, "{:.3f}"))
    base_runs = statistics.median(t["profile_runs"] for t in baseline) * scale
    table.row(
        "  profile-actor runs, one per task (extrapolated)",
        f"{base_runs:.0f} (ratio {statistics.median(runs) / base_runs:.3f})",
    )
    table.row(
        "  profile runs in flight at most (batched)",
        _median([float(t["profile_in_flight_max"]) for t in batched], "{:.0f}"),
    )
    capped = sum(t["comment_runs_capped"] for t in batched)
    comment_runs = sum(t["comment_runs"] for t in batched)
    empty = statistics.median(t["posts_stored_without_comments"] for t in batched)
    table.row(
        "  comment runs cut at CODVID_APIFY_MAX_CHARGE_USD",
        f"{capped} of {comment_runs} ({empty:.0f} posts stored without comments)",
        "0",
        mark(capped == 0),
    )


def comment_rows(table: Table, result: dict[str, Any]) -> None:
    """``comment_costs.py``: a month of scrapes, incremental comments vs all of them."""
    variants = result["variants"]
    inc, full = variants["incremental"], variants["full"]
    for key, label in (("incremental", "incremental (default)"), ("full", "all comments (full)")):
        one = variants[key]
        table.row(
            f"Apify cost per profile-month, {label}",
            f"${one['per_profile_usd']:.4f} ({one['per_profile_items']:.0f} results)",
        )
    ratio = inc["per_profile_usd"] / full["per_profile_usd"]
    table.row(
        "  incremental / full (dollars)",
        f"{ratio:.3f}",
        f"<= {GOAL_COMMENT_RATIO:g}",
        mark(ratio <= GOAL_COMMENT_RATIO),
    )
    table.row(
        "  same, results charged / comments alone",
        f"{inc['per_profile_items'] / full['per_profile_items']:.3f} / "
        f"{inc['month']['comment_usd'] / full['month']['comment_usd']:.3f}",
    )
    other = variants.get("refresh-any-change")
    if other is not None:
        table.row(
            "  REFRESH_CHANGE=0 (any change) / full",
            f"{other['per_profile_usd'] / full['per_profile_usd']:.3f}",
        )
    scrapes = inc["scrapes_per_profile"]
    profiles = result["profiles"]
    table.row(
        "  posts with comments fetched, per scrape",
        f"{inc['month']['posts_asked'] / (profiles * scrapes):.2f} incremental, "
        f"{full['month']['posts_asked'] / (profiles * scrapes):.2f} full "
        f"({inc['month']['new_posts'] / (profiles * scrapes):.2f} new)",
    )
    table.row(
        "  first scrape per profile (onboarding, apart)",
        f"${inc['onboarding']['usd'] / profiles:.4f} ({inc['onboarding']['items'] / profiles:.0f} "
        "results)",
    )
    agree = all(
        abs(v["service_recorded_usd"] - v["fake_usd"]) <= 1e-6 * max(1.0, v["fake_usd"])
        for v in variants.values()
    )
    table.row(
        "  spend the service recorded vs the fake's bill",
        f"${inc['service_recorded_usd']:.2f} vs ${inc['fake_usd']:.2f} (incremental)",
        "equal",
        mark(agree),
    )
    capped = sum(
        v["month"]["capped_runs"] + v["onboarding"]["capped_runs"] for v in variants.values()
    )
    failed = sum(v["statuses"]["failed"] + v["statuses"]["cancelled"] for v in variants.values())
    table.row(
        "  runs failed / actor runs cut by the charge cap",
        f"{failed} / {capped}",
        "0 / 0",
        mark(not (failed or capped)),
    )


def emit(
    result: dict[str, Any],
    rows: Callable[[Table, dict[str, Any]], None],
    notes: Callable[[dict[str, Any]], list[str]],
    as_json: bool,
) -> None:
    """What a benchmark module run on its own prints: its table and notes, or with
    ``--json`` one JSON object (what ``run.py`` reads)."""
    lines = [json.dumps(result)] if as_json else [*one_table(rows, result), *notes(result)]
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.write("\n".join(lines) + "\n")


def one_table(rows: Callable[[Table, dict[str, Any]], None], result: dict[str, Any]) -> list[str]:
    """The table of one benchmark, when its module runs on its own."""
    table = Table()
    rows(table, result)
    return table.lines()


def batching_notes(result: dict[str, Any]) -> list[str]:
    trials = len(result["batched"])
    return [
        f"batching ({trials} trial{'s' if trials > 1 else ''}): {result['tasks']} due profile "
        "tasks picked up by the scheduler of a codvid serve (CODVID_SCRAPER_PROVIDER=apify, "
        f"job concurrency {result['concurrency']}) against the fake Apify at "
        f"{result['run_duration_s']:g} s per actor run, {result['posts']} posts with comments "
        "per profile; wall time from the first run created to the last finished (run "
        "documents). One run per task is CODVID_SCRAPE_BATCH_SIZE=1 on "
        f"{result['baseline_tasks']} of the tasks, extrapolated linearly (a constant drain "
        "rate: concurrency runs at a time, fixed actor times). Both: one scheduler pass queues "
        f"every due task, rate limit {result['rate_limit']} (the default 30/minute would pace "
        "and fail the one-per-task runs, not the batched ones).",
    ]


def comment_notes(result: dict[str, Any]) -> list[str]:
    inc = result["variants"]["incremental"]
    return [
        f"comments: {result['profiles']} profiles in process (bootstrap.running, SQLite, the "
        f"fake Apify at ${result['price_per_item']:g} per result, "
        f"${result['start_price']:g} per run), {inc['scrapes_per_profile']} scrapes a month "
        f"(every {inc['interval_days']:g} days) after a first one; incremental = the "
        "scheduler's scrapes, full = force scrapes with full=true; ~1 new post per profile "
        "every 2-3 days, comment counts growing for a week (see comment_costs.py); money "
        "from the fake's bill, per profile per month including its 15 profile results; every "
        "run's charge cap raised (at the default $0.50 batched comment runs are cut, see the "
        "batching rows).",
    ]


def worker_rows(table: Table, result: dict[str, Any]) -> None:
    """``worker_scaling.py``: the wall time of one worker vs two, and vs the ideal."""
    one, two = result["trials"]
    speedup = one["wall"] / two["wall"]
    table.row(
        f"{result['tasks']} scrapes: 2 workers vs 1 (speed-up)",
        f"{speedup:.2f}x ({one['wall']:.0f} s -> {two['wall']:.0f} s)",
        f">= {GOAL_SPEEDUP}x",
        mark(speedup >= GOAL_SPEEDUP),
    )
    for t in (one, two):
        ratio = t["wall"] / t["ideal"]
        table.row(
            f"  {t['workers']} worker(s) vs the concurrency-bound ideal",
            f"{ratio:.2f}x ({t['wall']:.0f} s vs {t['ideal']:.0f} s)",
            f"<= {GOAL_IDEAL_RATIO}x",
            mark(ratio <= GOAL_IDEAL_RATIO),
        )


def worker_notes(result: dict[str, Any]) -> list[str]:
    return [
        f"workers: {result['tasks']} due profile tasks, demo provider at {result['step']:g} s "
        f"per fetch step, job concurrency {result['concurrency']} per worker, batching off; "
        "codvid worker and codvid scheduler processes on jongodb and a Redis streams broker; "
        "ideal = ceil(tasks / slots) x the median run's duration."
    ]


def memory_rows(table: Table, result: dict[str, Any]) -> None:
    """``server_memory.py``: a serving process's resident set over 10k tasks."""
    for store in result["stores"]:
        table.row(
            f"server RSS, {store['tasks']} tasks + {store['snapshots']} snapshots "
            f"({store['store']})",
            f"{store['rss_mib']:.0f} MiB (peak {store['peak_rss_mib']:.0f}, idle "
            f"{store['idle_rss_mib']:.0f})",
            f"<= {GOAL_RSS_MIB:.0f} MiB",
            mark(store["peak_rss_mib"] <= GOAL_RSS_MIB),
        )


def memory_notes(result: dict[str, Any]) -> list[str]:
    answers = result["stores"][0]["answers"]
    return [
        f"memory: each store's codvid serve answered {answers} requests (every user's "
        "get_tasks over 1,250 tasks, 25 times; get_task and task_status of 2,000 tasks); "
        "RSS read from /proc after them, the peak being VmHWM."
    ]


ANALYTICS_ROUTES = {
    "history": ("history (90 days)", True),
    "history_730": ("history (730 days)", True),
    "engagement": ("engagement", False),
    "compare": ("compare", True),
}
"""Each route ``analytics.py`` times: its label, and whether the p99 goal applies."""


def analytics_rows(table: Table, result: dict[str, Any]) -> None:
    """``analytics.py``: answer times over two years of daily snapshots, one request at a
    time and in a closed loop; the CSV export's peak memory at 10x the history."""
    if "latency" in result:
        latency = result["latency"]
        trials = latency["trials"]
        # The goal is the answer time; a closed loop of several clients saturates the one
        # process, so there each request also waits behind the others' (shown, no goal).
        modes = (
            ("sequential", "1 at a time", True),
            ("concurrent", f"{latency['clients']} clients, saturated", False),
        )
        for mode, label, judged in modes:
            for route, (name, routed_goal) in ANALYTICS_ROUTES.items():
                goal = routed_goal and judged
                p99 = [t[mode][route]["p99_ms"] for t in trials]
                table.row(
                    f"{name} p99, {latency['tasks']} tasks x 730 days, {label}",
                    median_spread(p99, "{:.1f}") + " ms",
                    f"<= {GOAL_ANALYTICS_P99_MS:g} ms" if goal else "",
                    mark(statistics.median(p99) <= GOAL_ANALYTICS_P99_MS) if goal else "",
                )
                table.row(
                    "  p50 / p95",
                    f"{statistics.median(t[mode][route]['p50_ms'] for t in trials):.1f} / "
                    f"{statistics.median(t[mode][route]['p95_ms'] for t in trials):.1f} ms",
                )
    if "export" in result:
        export = result["export"]
        small, large = (export["trials"][str(size)] for size in export["sizes"])
        peaks = {}
        for size, runs in zip(export["sizes"], (small, large), strict=True):
            peaks[size] = statistics.median(r["peak_mib"] for r in runs)
            table.row(
                f"CSV export peak RSS, {size} snapshots",
                _median([r["peak_mib"] for r in runs], "{:.1f}", " MiB")
                + f" (+{statistics.median(r['peak_mib'] - r['before_mib'] for r in runs):.1f} "
                f"during it; {statistics.median(r['seconds'] for r in runs):.1f} s)",
            )
        ratio = peaks[export["sizes"][1]] / peaks[export["sizes"][0]]
        table.row(
            f"  {export['sizes'][1] // export['sizes'][0]}x the history / 1x (peak RSS)",
            f"{ratio:.3f}",
            f"<= {GOAL_EXPORT_RSS_RATIO:g}x",
            mark(ratio <= GOAL_EXPORT_RSS_RATIO),
        )


def analytics_notes(result: dict[str, Any]) -> list[str]:
    notes = []
    if "latency" in result:
        latency = result["latency"]
        runs = latency["trials"][0]
        notes.append(
            f"analytics: codvid serve on SQLite over {latency['tasks']} profile tasks of one "
            f"user with {latency['snapshots']} daily snapshots (12 posts each) as scrapes store "
            f"them; per trial a fresh server, {runs['sequential']['history']['requests']} "
            "requests per route one at a time, then "
            f"{runs['concurrent']['history']['requests']} in a closed loop of "
            f"{latency['clients']} clients; latency from send to the last byte; every answer "
            "200, the warm-up's checked against the data written."
        )
    if "export" in result:
        export = result["export"]
        notes.append(
            f"export: one task of {export['sizes'][0]} and one of {export['sizes'][1]} hourly "
            "snapshots (12 posts each), each CSV read whole from a fresh server after a "
            "one-day warm-up export, VmRSS sampled every 2 ms (+ is the peak over the RSS "
            "just before the export: what the export itself holds); rows checked."
        )
    return notes


def summary(
    setup: Setup,
    latency: dict[str, Trials],
    rates: dict[str, Trials],
    picks: dict[str, Any],
    elapsed: float,
    batching: dict[str, Any] | None = None,
    comments: dict[str, Any] | None = None,
    workers: dict[str, Any] | None = None,
    memory: dict[str, Any] | None = None,
    cluster: dict[str, Any] | None = None,
    analytics: dict[str, Any] | None = None,
) -> list[str]:
    table = Table()
    latency_rows(table, setup, latency["force"], latency["bare"])
    rate_rows(table, setup, rates)
    pick_rows(table, picks)
    if batching is not None:
        batching_rows(table, batching)
    if comments is not None:
        comment_rows(table, comments)
    if workers is not None:
        worker_rows(table, workers)
    if memory is not None:
        memory_rows(table, memory)
    if cluster is not None:
        cluster_rows(table, cluster)
    if analytics is not None:
        analytics_rows(table, analytics)
    slowest = max(latency["force"], key=lambda r: r["p99_ms"])["slowest"][:6]
    return [
        "",
        f"codvid bench: {setup.trials} trials per figure, median [min-max] across trials; "
        f"{setup.tasks} idle tasks over {setup.users} users; took {elapsed:.0f} s",
        *table.lines(),
        "",
        f"open loop: {setup.open_rate} req/s for {setup.open_seconds:g} s per trial, each request "
        "a distinct idle task, latency from the scheduled send time; the bare GET through the "
        f"same generator for {setup.open_bare_seconds:g} s shows what generator and uvicorn "
        "alone cost.",
        "  slowest force_scrape answers of the worst trial [s into the run, ms]: "
        + ", ".join(f"[{t:g}, {ms:g}]" for t, ms in slowest),
        f"wrk: closed loop, {setup.wrk_seconds:g} s per endpoint per trial, on a fresh server "
        "per trial: bare, then task_status (of a task with one finished scrape), then "
        f"force_scrape ({setup.force_tasks} idle tasks, a new one per request, "
        f"{setup.force_seconds:g} s).",
        *(
            f"pick_due ({kind}): {store['plan'] or 'no plan'}"
            + (f"; note: {store['note']}" if store.get("note") else "")
            for kind, store in picks["stores"].items()
        ),
        *(batching_notes(batching) if batching is not None else []),
        *(comment_notes(comments) if comments is not None else []),
        *(worker_notes(workers) if workers is not None else []),
        *(memory_notes(memory) if memory is not None else []),
        *(cluster_notes(cluster) if cluster is not None else []),
        *(analytics_notes(analytics) if analytics is not None else []),
        *(f"note: {note}" for note in setup.notes),
    ]


def cluster_rows(table: Table, result: dict[str, Any]) -> None:
    """``cluster_load.py``: force_scrape at 500 req/s on the cluster and on the embedded
    default; the soak's errors and how flat memory and descriptors stayed."""
    if "latency" in result:
        latency = result["latency"]
        trials = latency["trials"]
        kinds = (
            ("cluster", latency["rate"], "cluster (2 API, jongodb, RabbitMQ)"),
            ("embedded", latency["rate"], "embedded default"),
            ("cluster_low", latency["low_rate"], "cluster, 108 tasks stored"),
        )
        for kind, rate, label in kinds:
            p99 = [r["p99_ms"] for r in trials[kind]]
            answered = [r for r in trials[kind] if r["p99_ms"] > 0]
            table.row(
                f"force_scrape p99 @ {rate} req/s, {label}",
                median_spread(p99, "{:.2f}") + " ms" if answered else "no answer in 5 s",
                f"<= {GOAL_P99_MS:g} ms" if rate == latency["rate"] else "",
                mark(bool(answered) and statistics.median(p99) <= GOAL_P99_MS)
                if rate == latency["rate"]
                else "",
            )
            others = sum(
                n for r in trials[kind] for code, n in r["statuses"].items() if code != "200"
            )
            sent = sum(r["sent"] for r in trials[kind])
            table.row(
                "  p50; not 200; send rate",
                f"{statistics.median(r['p50_ms'] for r in trials[kind]):.2f} ms; "
                f"{others} of {sent}; "
                f"{statistics.median(r['achieved_send_rate'] for r in trials[kind]):.0f} req/s",
            )
    if "soak" in result:
        soak = result["soak"]
        table.row(
            f"soak {soak['seconds'] / 60:g} min @ {soak['rate']} req/s: errors",
            f"{soak['errors']} of {sum(soak['statuses'].values())} "
            f"(+{len(soak['error_lines'])} error log lines)",
            "0",
            mark(soak["errors"] == 0 and not soak["error_lines"]),
        )
        table.row("  soak p50 / p99", f"{soak['p50_ms']:.1f} / {soak['p99_ms']:.1f} ms")
        for measure, label in (("rss_mib", "RSS"), ("fds", "open fds")):
            flat = {k: v for k, v in soak["flat"].items() if k.endswith(measure)}
            if not flat:
                table.row(f"  soak {label} flat", "no samples", "<= 1.1x", "MISS")
                continue
            worst = max(flat.items(), key=lambda item: item[1]["ratio"])
            table.row(
                f"  soak {label}: last minute / after warm-up (worst process)",
                f"{worst[1]['ratio']:.2f}x ({worst[0].split()[0]}: {worst[1]['after_warm_up']:g} "
                f"-> {worst[1]['end']:g}; highest {worst[1]['max_ratio']:.2f}x)",
                "<= 1.1x",
                mark(worst[1]["ratio"] <= 1.1),
            )


def cluster_notes(result: dict[str, Any]) -> list[str]:
    notes = []
    if "latency" in result:
        latency = result["latency"]
        notes.append(
            f"cluster latency: open loop {latency['rate']} req/s for {latency['seconds']} s per "
            "trial, each request a force_scrape of a distinct idle task, trials alternating; the "
            "cluster is codvid serve --workers 2 on jongodb and RabbitMQ, no workers (the runs "
            "wait in the queue); the embedded default runs its scrapes on its event loop."
        )
        notes += [f"  cluster log: {line}" for line in latency["error_lines"][:5]]
    if "soak" in result:
        soak = result["soak"]
        notes.append(
            f"soak: codvid serve --workers 2, 2 codvid worker, 1 codvid scheduler on jongodb and "
            f"RabbitMQ; task_status/get_task/get_tasks/force_scrape 12:5:2:1; errors are answers "
            f"other than 200/409 and unanswered requests; statuses {soak['statuses']}; RSS and "
            f"fds sampled every 10 s, warm-up {soak['warm_up']:g} s."
        )
        notes += [f"  soak log: {line}" for line in soak["error_lines"][:5]]
    return notes
