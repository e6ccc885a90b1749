"""The summary table ``make bench`` prints: each figure beside its goal, PASS or MISS."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

GOAL_P99_MS = 10.0
SEED_PROMISE_P99_MS = 100.0
GOAL_STATUS_RATIO = 0.5
GOAL_FORCE_RATIO = 0.3
GOAL_PICK_RATIO = 1.5

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
    stores = result["stores"]
    for count, label in (("1000", "1k"), ("100000", "100k")):
        store = stores[count]
        table.row(
            f"pick_due(100) @ {label} tasks (median of {result['rounds']})",
            f"{store['median_ms']:.3f} ms (p10-p90 {store['p10_ms']:.3f}-{store['p90_ms']:.3f})",
        )
    ratio = stores["100000"]["median_ms"] / stores["1000"]["median_ms"]
    table.row(
        "  100k / 1k", f"{ratio:.2f}", f"<= {GOAL_PICK_RATIO:g}", mark(ratio <= GOAL_PICK_RATIO)
    )


def summary(
    setup: Setup,
    latency: dict[str, Trials],
    rates: dict[str, Trials],
    picks: dict[str, Any],
    elapsed: float,
) -> list[str]:
    table = Table()
    latency_rows(table, setup, latency["force"], latency["bare"])
    rate_rows(table, setup, rates)
    pick_rows(table, picks)
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
        f"pick_due: {picks['plan']}",
        *(f"note: {note}" for note in setup.notes),
    ]
