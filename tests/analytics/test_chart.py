"""The growth chart's SVG: a well-formed, inert document whatever the title holds; axes
whose labels are right for known series; unknown counts as gaps, never 0; work and size
bounded by the picture, not the history; and a picture headless Chromium really draws."""

from __future__ import annotations

import math
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from codvid.analytics.chart import (
    BOTTOM,
    LEFT,
    LINE_COLOUR,
    MAX_DEFAULT_BYTES,
    MAX_DOTS,
    MAX_HEIGHT,
    MAX_SVG_BYTES,
    MAX_TITLE,
    MAX_WIDTH,
    MIN_WIDTH,
    RIGHT,
    TOP,
    ZERO_COLOUR,
    render_chart,
)
from tests.browser import decode_png, is_blank, pixels_near, require_chromium, screenshot

SVG = "{http://www.w3.org/2000/svg}"
DAY = 86_400
HOUR = 3_600
NEW_YEAR_2024 = datetime(2024, 1, 1, tzinfo=UTC).timestamp()
WIDTH, HEIGHT = 800, 320
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_BOTTOM = HEIGHT - BOTTOM
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM
HOSTILE = "</text><script>alert(1)</script><!-- & \"' ]]> \x00\x1b\ud800 <svg onload=alert(2)>"


def parse(svg: str) -> ET.Element:
    """The document's root, after checking it is the standalone, inert SVG promised."""
    root = ET.fromstring(svg.encode())
    assert root.tag == f"{SVG}svg"
    assert svg.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'
    )
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    for element in root.iter():
        assert element.tag.startswith(SVG), element.tag
        assert element.tag[len(SVG) :] not in {"script", "foreignObject", "image", "use", "a"}
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), name
            assert "href" not in name and "url(" not in value and "javascript" not in value
    assert root.get("font-family") == "sans-serif"
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    return root


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def labels(root: ET.Element, anchor: str) -> list[tuple[str, float, float]]:
    """The axis labels of the group anchored ``anchor`` (``end``: values, ``middle``: dates)
    with their positions."""
    group = next(g for g in root.iter(f"{SVG}g") if g.get("text-anchor") == anchor)
    return [
        (text.text or "", float(text.get("x", "nan")), float(text.get("y", "nan")))
        for text in group.iter(f"{SVG}text")
    ]


def subpaths(root: ET.Element) -> list[list[tuple[float, float]]]:
    """The line's vertices, one list per unbroken stretch."""
    paths = list(root.iter(f"{SVG}path"))
    if not paths:
        return []
    (path,) = paths
    assert path.get("stroke") == LINE_COLOUR and path.get("fill") == "none"
    found: list[list[tuple[float, float]]] = []
    x = y = math.nan
    for command, first, second in re.findall(
        r"([MLV])(-?[\d.]+)(?:,(-?[\d.]+))?", path.get("d", "")
    ):
        if command == "V":
            y = float(first)
        else:
            x, y = float(first), float(second)
        if command == "M":
            found.append([])
        found[-1].append((x, y))
    return found


def dots(root: ET.Element) -> list[tuple[float, float]]:
    return [
        (float(c.get("cx", "nan")), float(c.get("cy", "nan"))) for c in root.iter(f"{SVG}circle")
    ]


def x_of(at: float, start: float, end: float) -> float:
    return LEFT + (at - start) / (end - start) * PLOT_WIDTH


def y_of(value: float, bottom: float, top: float) -> float:
    return PLOT_BOTTOM - (value - bottom) / (top - bottom) * PLOT_HEIGHT


def daily(
    values: Sequence[float | None], start: float = NEW_YEAR_2024
) -> list[tuple[float, float | None]]:
    return [(start + index * DAY, value) for index, value in enumerate(values)]


def test_a_year_of_daily_followers_has_round_values_and_every_other_month() -> None:
    points = daily([1000 + day * 10 for day in range(367)])  # 1 Jan 2024 to 1 Jan 2025
    root = parse(render_chart(points, metric="followers", title="@creator"))
    start, end = points[0][0], points[-1][0]

    values = labels(root, "end")
    assert [label for label, _, _ in values] == ["1k", "2k", "3k", "4k", "5k"]
    for (_, _, y), value in zip(values, (1000, 2000, 3000, 4000, 5000), strict=True):
        assert y == pytest.approx(y_of(value, 1000, 5000) + 4, abs=0.05)

    dates = labels(root, "middle")
    months = ("Jan 2024", "Mar 2024", "May 2024", "Jul 2024", "Sep 2024", "Nov 2024", "Jan 2025")
    assert [label for label, _, _ in dates] == list(months)
    for (_, x, _), month in zip(dates, (1, 3, 5, 7, 9, 11, 13), strict=True):
        first_day = datetime(2024 + month // 13, (month - 1) % 12 + 1, 1, tzinfo=UTC).timestamp()
        assert x == pytest.approx(x_of(first_day, start, end), abs=0.05)

    assert texts(root)[:2] == ["@creator", "followers · 1 Jan 2024 to 1 Jan 2025 UTC"]
    assert root.findtext(f"{SVG}title") == "@creator"
    assert root.findtext(f"{SVG}desc") == (
        "Line chart of followers at 367 scrapes, 1 Jan 2024 to 1 Jan 2025 UTC: "
        "lowest 1,000, highest 4,660, latest 4,660."
    )
    (line,) = subpaths(root)
    assert len(line) == len(points)  # fewer points than pixel columns: every one drawn
    assert line[0] == pytest.approx((LEFT, y_of(1000, 1000, 5000)), abs=0.05)
    assert line[-1] == pytest.approx((LEFT + PLOT_WIDTH, y_of(4660, 1000, 5000)), abs=0.05)
    assert dots(root) == [line[-1]]  # the latest only: too many points for a dot on each


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        (3 * HOUR, ["1 Jan 00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "03:00"]),
        (36 * HOUR, ["1 Jan 00:00", "06:00", "12:00", "18:00", "2 Jan 00:00", "06:00", "12:00"]),
        (20 * DAY, ["1 Jan 2024", "8 Jan", "15 Jan"]),  # Mondays
        (10 * 365 * DAY, ["2024", "2026", "2028", "2030", "2032"]),
    ],
)
def test_date_ticks_suit_the_span(span: float, expected: list[str]) -> None:
    points = [(NEW_YEAR_2024, 5.0), (NEW_YEAR_2024 + span, 7.0)]
    root = parse(render_chart(points, metric="plays", title="reel"))
    assert [label for label, _, _ in labels(root, "middle")][: len(expected)] == expected


def test_a_span_of_minutes_is_centred_on_an_hour() -> None:
    start = NEW_YEAR_2024 + 30 * 60
    root = parse(render_chart([(start, 10), (start + 300, 12)], metric="likes", title="reel"))
    hours = ["1 Jan 00:10", "00:20", "00:30", "00:40", "00:50", "01:00"]
    assert [label for label, _, _ in labels(root, "middle")] == hours
    (line,) = subpaths(root)
    middle = LEFT + PLOT_WIDTH / 2
    assert line[0][0] < middle < line[1][0]


def test_hostile_text_is_escaped_and_the_document_stays_inert() -> None:
    svg = render_chart(daily([1, 2, 3]), metric=HOSTILE, title=f"@x {HOSTILE}")
    root = parse(svg)
    clean = HOSTILE.replace("\x00", "").replace("\x1b", "").replace("\ud800", "")
    assert root.findtext(f"{SVG}title") == f"@x {clean}"
    assert texts(root)[0] == f"@x {clean}"
    assert "<script" not in svg and "<svg onload" not in svg  # only as text: &lt;script
    assert "&lt;/text&gt;&lt;script&gt;" in svg


def test_a_long_title_is_cut_with_an_ellipsis() -> None:
    root = parse(render_chart(daily([1, 2]), metric="followers", title="&" * 500))
    title = root.findtext(f"{SVG}title") or ""
    assert len(title) == MAX_TITLE and title.endswith("…") and title.startswith("&&&")


@pytest.mark.parametrize("points", [[], [(NEW_YEAR_2024, None), (NEW_YEAR_2024 + DAY, None)]])
def test_no_known_value_says_there_is_no_data_yet(points: list[tuple[float, float | None]]) -> None:
    root = parse(render_chart(points, metric="followers", title="@new"))
    assert "No data yet" in texts(root)
    assert not subpaths(root) and not dots(root)
    assert (root.findtext(f"{SVG}desc") or "").startswith("No data yet for followers")


def test_an_unknown_count_breaks_the_line_and_is_never_drawn_as_zero() -> None:
    values: list[float | None] = [5000, 5100, 5200, None, None, 5500, 5600, None, 5800]
    points = daily(values)
    root = parse(render_chart(points, metric="followers", title="@gaps"))
    stretches = subpaths(root)
    assert [len(stretch) for stretch in stretches] == [3, 2]
    lone = [dot for dot in dots(root) if dot not in stretches[0] + stretches[1]]
    assert len(lone) == 1  # 5800, between a gap and the end: a dot, as a line cannot show it
    assert "0" not in [label for label, _, _ in labels(root, "end")]  # no axis down to 0
    drawn = [y for stretch in stretches for _, y in stretch] + [y for _, y in lone]
    assert max(drawn) == pytest.approx(PLOT_BOTTOM, abs=0.05)  # 5000 is the axis's bottom
    assert "3 without a known value" in (root.findtext(f"{SVG}desc") or "")


def test_few_points_each_get_a_dot() -> None:
    root = parse(render_chart(daily(range(MAX_DOTS)), metric="posts_count", title="@dots"))
    (line,) = subpaths(root)
    assert sorted(dots(root)) == sorted(line)
    root = parse(render_chart(daily(range(MAX_DOTS + 1)), metric="posts_count", title="@dots"))
    assert len(dots(root)) == 1


def test_one_scrape_is_a_dot_in_the_middle() -> None:
    root = parse(
        render_chart([(NEW_YEAR_2024 + 12 * HOUR, 1234)], metric="followers", title="@one")
    )
    assert not subpaths(root)
    ((x, _),) = dots(root)
    assert x == pytest.approx(LEFT + PLOT_WIDTH / 2, abs=0.05)
    assert "at 1 scrape, 1 Jan 2024 12:00 UTC" in (root.findtext(f"{SVG}desc") or "")


def test_a_flat_series_sits_between_round_ticks_and_counts_never_get_fractions() -> None:
    root = parse(render_chart(daily([5] * 10), metric="posts_count", title="@flat"))
    assert [label for label, _, _ in labels(root, "end")] == ["4", "5", "6"]
    (line,) = subpaths(root)
    assert all(y == pytest.approx(PLOT_BOTTOM - PLOT_HEIGHT / 2, abs=0.05) for _, y in line)
    root = parse(render_chart(daily([0] * 3), metric="posts_count", title="@zero"))
    assert [label for label, _, _ in labels(root, "end")] == ["0", "1"]  # never below 0


def test_negative_deltas_get_a_zero_line() -> None:
    root = parse(render_chart(daily([-4500, 1200, 4800, -300]), metric="daily change", title="@d"))
    negative = ["-5k", "-2.5k", "0", "2.5k", "5k"]
    assert [label for label, _, _ in labels(root, "end")] == negative
    zero = [line for line in root.iter(f"{SVG}line") if line.get("stroke") == ZERO_COLOUR]
    assert any(line.get("y1") == line.get("y2") == f"{y_of(0, -5000, 5000):.1f}" for line in zero)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([2.05e9, 2.39e9], ["2B", "2.1B", "2.2B", "2.3B", "2.4B"]),
        (
            [1_200_100, 1_200_900],
            ["1,200k", "1,200.2k", "1,200.4k", "1,200.6k", "1,200.8k", "1,201k"],
        ),
        ([0.012, 0.034], ["0.01", "0.02", "0.03", "0.04"]),
        ([0.0125, 0.0175], ["0.012", "0.014", "0.016", "0.018"]),
        ([0, 1e18], ["0", "2.5e+17", "5e+17", "7.5e+17", "1e+18"]),
    ],
)
def test_value_labels_are_compact_and_distinct(values: list[float], expected: list[str]) -> None:
    root = parse(render_chart(daily(values), metric="followers", title="@big"))
    assert [label for label, _, _ in labels(root, "end")] == expected


def test_what_cannot_be_a_count_is_unknown() -> None:
    values: list[float | None] = [10, math.inf, math.nan, 1e19, 10**400, -1e19, 20]
    root = parse(render_chart(daily(values), metric="followers", title="@odd"))
    assert not subpaths(root)  # 10 and 20, each alone between gaps: two dots, no line
    assert [y for _, y in dots(root)] == [pytest.approx(PLOT_BOTTOM, abs=0.05), pytest.approx(TOP)]
    assert "lowest 10, highest 20" in (root.findtext(f"{SVG}desc") or "")
    assert "5 without a known value" in (root.findtext(f"{SVG}desc") or "")


def test_points_out_of_order_are_drawn_in_time_order() -> None:
    points = daily([1, 2, 3, 4])
    shuffled = render_chart([points[2], points[0], points[3], points[1]], metric="m", title="t")
    assert shuffled == render_chart(points, metric="m", title="t")


@pytest.mark.parametrize(
    ("width", "height"), [(MIN_WIDTH - 1, 320), (MAX_WIDTH + 1, 320), (800, 10**6)]
)
def test_a_size_out_of_bounds_is_refused(width: int, height: int) -> None:
    with pytest.raises(ValueError, match="must be between"):
        render_chart([], metric="followers", title="t", width=width, height=height)


def test_ten_years_of_hourly_scrapes_keep_their_peak_and_dip_and_render_fast() -> None:
    hours = 10 * 365 * 24
    start = NEW_YEAR_2024 - hours * HOUR
    points: list[tuple[float, float | None]] = [
        (start + hour * HOUR, 1_000_000 + 1000 * math.sin(hour / 500)) for hour in range(hours)
    ]
    points[31_337] = (points[31_337][0], 1_250_000)  # one hour's spike
    points[70_001] = (points[70_001][0], 750_000)  # and one hour's dip
    began = time.perf_counter()
    svg = render_chart(points, metric="followers", title="@decade")
    took = time.perf_counter() - began
    root = parse(svg)
    assert took < 2.0, f"{took:.2f} s"  # about 0.07 s here; generous for slow machines
    assert len(svg.encode()) < 64_000
    (line,) = subpaths(root)
    assert len(line) <= 4 * PLOT_WIDTH
    bottom, top = 600_000, 1_400_000
    assert [label for label, _, _ in labels(root, "end")] == ["0.6M", "0.8M", "1M", "1.2M", "1.4M"]
    ys = [y for _, y in line]
    assert min(ys) == pytest.approx(y_of(1_250_000, bottom, top), abs=0.05)
    assert max(ys) == pytest.approx(y_of(750_000, bottom, top), abs=0.05)
    spike_x = x_of(points[31_337][0], start, points[-1][0])
    assert any(abs(x - spike_x) < 1 and y == min(ys) for x, y in line)


@pytest.mark.parametrize(
    ("width", "height", "limit"),
    [(MAX_WIDTH, MAX_HEIGHT, MAX_SVG_BYTES), (WIDTH, HEIGHT, MAX_DEFAULT_BYTES)],
)
def test_the_largest_document_stays_within_its_stated_size(
    width: int, height: int, limit: int
) -> None:
    """The worst a history can do: every pixel column alone between gaps (a dot each), or
    every column with four distinct values; and a title and metric of characters that
    escape to five times their length or take two bytes."""
    columns = width - LEFT - RIGHT
    alone: list[tuple[float, float | None]] = []
    busy: list[tuple[float, float | None]] = []
    for column in range(columns):
        at = NEW_YEAR_2024 + column * HOUR
        alone += [(at, 1e17 + column * 1_234_567.891), (at + HOUR / 2, None)]
        busy += [(at + k * HOUR / 5, 1e17 + ((column * 7 + k * 13) % 17) * 1e15) for k in range(5)]
    busy.append((NEW_YEAR_2024 + columns * HOUR, 1))
    for points in (alone, busy):
        svg = render_chart(points, metric="é" * 500, title='"&<>' * 200, width=width, height=height)
        root = parse(svg)
        assert len(dots(root)) >= columns if points is alone else len(subpaths(root)[0]) > columns
        assert len(svg.encode()) <= limit


def test_headless_chromium_draws_the_chart() -> None:
    require_chromium()
    points = daily([1000 + 40 * day + (300 if day == 45 else 0) for day in range(90)])
    svg = render_chart(points, metric="followers", title="@creator · followers")
    png = screenshot(svg.encode(), WIDTH, HEIGHT)
    assert not is_blank(png)
    picture = decode_png(png)
    assert (picture.width, picture.height) == (WIDTH, HEIGHT)
    assert pixels_near(picture, LINE_COLOUR) > PLOT_WIDTH  # a line across the plot at least
    # The line rises: in its first columns it is drawn low, in its last ones high.
    first, last = column_rows(picture, LEFT + 3), column_rows(picture, LEFT + PLOT_WIDTH - 3)
    assert first and last and min(first) > max(last)
    assert len(picture.colours()) > 20  # text and antialiasing, not two flat colours


def column_rows(picture, x: int) -> list[int]:
    """The rows where column ``x`` of ``picture`` has the line's colour."""
    target = bytes.fromhex(LINE_COLOUR[1:])
    rows = []
    for y in range(picture.height):
        pixel = picture.pixels[(y * picture.width + x) * 3 : (y * picture.width + x) * 3 + 3]
        if all(abs(a - b) <= 40 for a, b in zip(pixel, target, strict=True)):
            rows.append(y)
    return rows
