"""A task's growth as one standalone SVG document, for a page or an e-mail: axes with UTC
dates and round values, the line of the counts, a title, and a ``<title>``/``<desc>`` for
screen readers. Pure: no storage, no HTTP, no clock.

What a reader may rely on:

- An unknown count (``None``: the provider could not give it at that scrape) breaks the
  line; it is never drawn as 0. A value that is not a finite number, or is beyond
  ``MAX_VALUE`` in size, cannot be a count and is unknown too.
- The document is self-contained and inert: no script, no event attribute, no external
  reference (a generic font family), every text escaped, so it may be served as
  ``image/svg+xml`` or embedded as is.
- The work is bounded by the size of the picture, not the length of the history: points
  falling in one pixel column of the plot are reduced to that column's first, lowest,
  highest and last values (the peaks and dips of the line stay), so ten years of hourly
  scrapes draw as fast and as small as a few thousand points. A document is at most
  ``MAX_SVG_BYTES`` at the largest size and ``MAX_DEFAULT_BYTES`` at the default one,
  whatever the history (measured: 91 kB and 29 kB for the worst histories; about 14 kB
  for ten years of scrapes, drawn in under 0.1 s).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

MIN_WIDTH: Final = 240
MAX_WIDTH: Final = 2400
MIN_HEIGHT: Final = 160
MAX_HEIGHT: Final = 1200
MAX_TITLE: Final = 120
"""Characters of the title kept (a longer one ends with an ellipsis); the metric keeps
``MAX_METRIC``."""
MAX_METRIC: Final = 40
MAX_VALUE: Final = 1e18
MAX_DOTS: Final = 60
"""Up to this many known values, each is marked with a dot as well as joined by the line."""
MAX_SVG_BYTES: Final = 120_000
"""The largest document (UTF-8) at ``MAX_WIDTH`` by ``MAX_HEIGHT``, whatever the history."""
MAX_DEFAULT_BYTES: Final = 40_000
"""The largest document at the default 800 by 320."""

LINE_COLOUR: Final = "#2563eb"
BACKGROUND: Final = "#ffffff"
GRID_COLOUR: Final = "#e5e7eb"
ZERO_COLOUR: Final = "#9ca3af"
TEXT_COLOUR: Final = "#374151"
TITLE_COLOUR: Final = "#111827"
FONT: Final = "sans-serif"

LEFT, RIGHT, TOP, BOTTOM = 72, 24, 52, 36
"""Margins around the plot: value labels left, the title above, date labels below."""
CHARACTER: Final = 6.5
"""The width of a character of an 11 px label, about, in a generic sans-serif font."""

FIRST_TIME: Final = 0.0
LAST_TIME: Final = datetime(9999, 12, 31, tzinfo=UTC).timestamp()
"""Scrape times a date axis can show; a point outside them is left out."""

MINUTE, HOUR, DAY = 60, 3_600, 86_400
MIN_SPAN: Final = HOUR
"""A history shorter than this (one scrape, or a few minutes apart) is centred on this
span, so its axis still has ticks."""
MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
UNITS: Final = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))

NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot carry even escaped (controls, lone surrogates)."""

Point = tuple[float, float | None]
_Scale = Callable[[float], float]


def render_chart(
    points: Sequence[Point],
    *,
    metric: str,
    title: str,
    width: int = 800,
    height: int = 320,
) -> str:
    """The chart of ``points`` (``(epoch seconds UTC, value)``, oldest first; ``None`` for
    a value unknown at that scrape) as an SVG document. ``title`` heads it (it may hold
    anything: it is escaped); ``metric`` names the values. ``ValueError`` for a size
    outside ``MIN_WIDTH``-``MAX_WIDTH`` by ``MIN_HEIGHT``-``MAX_HEIGHT``."""
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"width must be between {MIN_WIDTH} and {MAX_WIDTH}")
    if not MIN_HEIGHT <= height <= MAX_HEIGHT:
        raise ValueError(f"height must be between {MIN_HEIGHT} and {MAX_HEIGHT}")
    heading = _clip(title, MAX_TITLE)
    name = _clip(metric, MAX_METRIC)
    series = sorted(
        ((float(at), _count(value)) for at, value in points if FIRST_TIME <= at <= LAST_TIME),
        key=lambda point: point[0],
    )
    known = [value for _, value in series if value is not None]
    parts = [_open(width, height, heading, _description(name, series, known))]
    parts.append(_text(LEFT, 22, heading, size=15, fill=TITLE_COLOUR, weight="bold"))
    if not known:
        parts.append(_text(LEFT, 40, name, size=12, fill=TEXT_COLOUR))
        middle = TOP + (height - TOP - BOTTOM) / 2
        parts.append(
            _text(width / 2, middle, "No data yet", size=14, fill=TEXT_COLOUR, anchor="middle")
        )
    else:
        plot = _Plot(LEFT, TOP, width - LEFT - RIGHT, height - TOP - BOTTOM)
        parts.append(_text(LEFT, 40, f"{name} · {_span_words(series)}", size=12, fill=TEXT_COLOUR))
        parts.extend(_chart(plot, series, min(known), max(known)))
    parts.append("</svg>\n")
    return "".join(parts)


@dataclass(frozen=True)
class _Plot:
    left: float
    top: float
    width: int
    height: int

    @property
    def bottom(self) -> float:
        return self.top + self.height


@dataclass
class _Column:
    """The known values of one pixel column, in time order: its first and last (where
    the line comes in and goes out), its lowest and highest (which of them came first)."""

    index: int
    x: float
    first: float
    low: float
    high: float
    last: float
    low_first: bool
    joined: bool
    """Whether the line comes from the previous column (no unknown value between)."""
    count: int = 1

    @classmethod
    def of(cls, index: int, x: float, value: float, *, joined: bool) -> _Column:
        return cls(index, x, value, value, value, value, low_first=True, joined=joined)

    def add(self, value: float) -> None:
        if value < self.low:
            self.low, self.low_first = value, False
        if value > self.high:
            self.high, self.low_first = value, True
        self.last = value
        self.count += 1

    def values(self) -> list[float]:
        middle = [self.low, self.high] if self.low_first else [self.high, self.low]
        return [self.first, *middle, self.last]


def _chart(plot: _Plot, series: Sequence[Point], low: float, high: float) -> list[str]:
    start, end = _time_range(series[0][0], series[-1][0])
    whole = all(value is None or value.is_integer() for _, value in series)
    target = max(2, min(10, plot.height // 48))
    bottom, top, value_ticks, step = _value_axis(low, high, target, whole=whole)

    def x_of(at: float) -> float:
        return plot.left + (at - start) / (end - start) * plot.width

    def y_of(value: float) -> float:
        return plot.bottom - (value - bottom) / (top - bottom) * plot.height

    parts = [f'<g stroke="{GRID_COLOUR}" stroke-width="1">']
    right = plot.left + plot.width
    for tick in value_ticks:
        y = _num(y_of(tick))
        colour = f' stroke="{ZERO_COLOUR}"' if tick == 0 else ""
        parts.append(f'<line x1="{_num(plot.left)}" y1="{y}" x2="{_num(right)}" y2="{y}"{colour}/>')
    parts.append("</g>")
    parts.append(f'<g font-size="11" fill="{TEXT_COLOUR}" text-anchor="end">')
    for tick, label in zip(value_ticks, _value_labels(value_ticks, step), strict=True):
        parts.append(_text(plot.left - 8, y_of(tick) + 4, label))
    parts.append("</g>")
    parts.append(f'<g font-size="11" fill="{TEXT_COLOUR}" text-anchor="middle">')
    for tick, label in _time_ticks(start, end, max(2, plot.width // 100)):
        x = _num(x_of(tick))
        parts.append(
            f'<line x1="{x}" y1="{_num(plot.bottom)}" x2="{x}" y2="{_num(plot.bottom + 4)}" '
            f'stroke="{ZERO_COLOUR}"/>'
        )
        parts.append(
            _text(x_of(tick), plot.bottom + 18, label, anchor=_fit(x_of(tick), label, plot))
        )
    parts.append("</g>")
    columns = _columns(series, start, end, plot)
    parts.extend(_line(columns, y_of, dots=sum(column.count for column in columns) <= MAX_DOTS))
    return parts


def _fit(x: float, label: str, plot: _Plot) -> str | None:
    """The anchor keeping a date label centred on its tick inside the document, or ending
    (starting) at its tick where a centred one would overflow on the right (left)."""
    half = len(label) * CHARACTER / 2
    if x + half > plot.left + plot.width + RIGHT:
        return "end"
    return "start" if x - half < 0 else None


def _columns(series: Iterable[Point], start: float, end: float, plot: _Plot) -> list[_Column]:
    """The known values reduced to at most one ``_Column`` per pixel column. An unknown
    value between two columns breaks the line there; one between values of the same
    column is narrower than a pixel and leaves the column's range drawn whole."""
    columns: list[_Column] = []
    gap = False
    for at, value in series:
        if value is None:
            gap = True
            continue
        offset = (at - start) / (end - start) * plot.width
        index = min(int(offset), plot.width - 1)
        if columns and columns[-1].index == index:
            columns[-1].add(value)
            columns[-1].x = plot.left + index + 0.5
        else:
            joined = bool(columns) and not gap
            columns.append(_Column.of(index, plot.left + offset, value, joined=joined))
        gap = False
    return columns


def _line(columns: list[_Column], y_of: _Scale, *, dots: bool) -> list[str]:
    """The path through ``columns`` (a new subpath after each break), and dots: on every
    value when there are few, on the latest, and on each value the line cannot show
    (alone between two breaks)."""
    path: list[str] = []
    marks: list[tuple[float, float]] = []
    for position, column in enumerate(columns):
        alone = not column.joined and (
            position + 1 == len(columns) or not columns[position + 1].joined
        )
        ys = _distinct([_num(y_of(value)) for value in column.values()])
        x = _num(column.x)
        if alone and len(ys) == 1:
            marks.append((column.x, y_of(column.first)))
            continue
        path.append(f"{'L' if column.joined else 'M'}{x},{ys[0]}")
        path.extend(f"V{y}" for y in ys[1:])
        if dots:
            marks.extend((column.x, y_of(value)) for value in (column.low, column.high))
    last = columns[-1]
    marks.append((last.x, y_of(last.last)))
    parts = []
    if path:
        parts.append(
            f'<path d="{"".join(path)}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2" '
            'stroke-linejoin="round" stroke-linecap="round"/>'
        )
    seen = dict.fromkeys((_num(x), _num(y)) for x, y in marks)
    parts.append(f'<g fill="{LINE_COLOUR}">')
    parts.extend(f'<circle cx="{x}" cy="{y}" r="3"/>' for x, y in seen)
    parts.append("</g>")
    return parts


def _value_axis(
    low: float, high: float, target: int, *, whole: bool
) -> tuple[float, float, list[float], float]:
    """The value axis from ``low`` to ``high`` in round steps: its ends, ticks and step;
    steps of whole numbers for a series of whole numbers (counts). A flat series gets a
    tenth of its value (at least 1) either side, never going below 0 when its values do
    not."""
    if high - low <= abs(high) * 1e-9:
        pad = max(abs(high) * 0.1, 1.0)
        low, high = (max(low - pad, 0.0) if low >= 0 else low - pad), high + pad
    step = _round_step((high - low) / target, whole=whole)
    first, last = math.floor(low / step), math.ceil(high / step)
    ticks = [index * step for index in range(first, last + 1)]
    return ticks[0], ticks[-1], ticks, step


def _round_step(raw: float, *, whole: bool) -> float:
    """The round step (1, 2, 2.5 or 5 times a power of ten) at or just above ``raw``;
    for whole numbers at least 1, and never 2.5 below 25."""
    if whole and raw <= 1:
        return 1.0
    base = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1.0, 2.0, 2.5, 5.0):
        if multiple == 2.5 and whole and base < 10:
            continue
        if raw <= multiple * base * (1 + 1e-9):
            return multiple * base
    return 10 * base


def _value_labels(ticks: Sequence[float], step: float) -> list[str]:
    """Compact labels (``12.5k``, ``1.2M``) with as many decimals as the step needs, in
    the largest unit that keeps at most two; in scientific notation for values a compact
    label cannot carry (beyond a thousand trillion, or steps below a ten-thousandth)."""
    largest = max(abs(tick) for tick in ticks)
    unit, suffix = 1.0, ""
    for size, name in UNITS:
        if largest >= size and step / size >= 0.01 * (1 - 1e-9):
            unit, suffix = size, name
            break
    decimals = _decimals(step / unit)
    if largest >= 1e15 or decimals is None:
        digits = min(17, max(1, math.ceil(math.log10(largest / step)) + 1))
        return [f"{tick:.{digits}g}" if tick else "0" for tick in ticks]
    return [_grouped(tick / unit, decimals) + suffix if tick else "0" for tick in ticks]


def _decimals(value: float) -> int | None:
    """The decimals (up to 4) that show ``value`` exactly, ``None`` if more are needed."""
    for decimals in range(5):
        if abs(round(value, decimals) - value) <= 1e-9 * max(1.0, abs(value)):
            return decimals
    return None


def _grouped(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _time_range(first: float, last: float) -> tuple[float, float]:
    if last - first >= MIN_SPAN:
        return first, last
    middle = (first + last) / 2
    return max(FIRST_TIME, middle - MIN_SPAN / 2), min(LAST_TIME, middle + MIN_SPAN / 2)


@dataclass(frozen=True)
class _Step:
    unit: str  # "second" (minutes, hours, days, weeks), "month" or "year"
    count: int
    approx: float  # seconds, to choose the step


STEPS: Final = (
    *(_Step("second", n * MINUTE, n * MINUTE) for n in (5, 10, 15, 30)),
    *(_Step("second", n * HOUR, n * HOUR) for n in (1, 2, 3, 6, 12)),
    *(_Step("second", n * DAY, n * DAY) for n in (1, 2, 7, 14)),
    *(_Step("month", n, n * 30.44 * DAY) for n in (1, 2, 3, 6)),
    *(_Step("year", n, n * 365.25 * DAY) for n in (1, 2, 5, 10, 20, 50, 100, 250, 500, 1000)),
    _Step("year", 2500, 2500 * 365.25 * DAY),
)
MONDAY: Final = 4 * DAY
"""1970-01-05, the first Monday after the epoch: weekly ticks fall on Mondays."""


def _time_ticks(start: float, end: float, target: int) -> list[tuple[float, str]]:
    """Dates between ``start`` and ``end`` at calendar boundaries (UTC), at most about
    ``target`` of them, each labelled as precisely as the step needs."""
    step = next((s for s in STEPS if (end - start) / s.approx <= target), STEPS[-1])
    if step.unit == "second":
        origin = MONDAY if step.count % (7 * DAY) == 0 else 0
        first = math.ceil((start - origin) / step.count)
        last = math.floor((end - origin) / step.count)
        times = [float(origin + index * step.count) for index in range(first, last + 1)]
    else:
        times = _calendar_ticks(start, end, step)
    ticks: list[tuple[float, str]] = []
    previous = None
    for at in times:
        moment = datetime.fromtimestamp(at, UTC)
        ticks.append((at, _date_label(moment, previous, step)))
        previous = moment
    return ticks


def _calendar_ticks(start: float, end: float, step: _Step) -> list[float]:
    """First days of months (every ``step.count``-th month of the year) or of years
    (multiples of ``step.count``) from ``start`` to ``end``."""
    moment = datetime.fromtimestamp(start, UTC)
    if step.unit == "month":
        index = moment.year * 12 + moment.month - 1
        index = -(-index // step.count) * step.count
        if _month(index) < moment:
            index += step.count
        times = []
        while (at := _month(index)).timestamp() <= end:
            times.append(at.timestamp())
            index += step.count
        return times
    year = -(-moment.year // step.count) * step.count
    if datetime(year, 1, 1, tzinfo=UTC) < moment:
        year += step.count
    return [
        datetime(year, 1, 1, tzinfo=UTC).timestamp()
        for year in range(year, min(9999, datetime.fromtimestamp(end, UTC).year) + 1, step.count)
    ]


def _month(index: int) -> datetime:
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def _date_label(moment: datetime, previous: datetime | None, step: _Step) -> str:
    """``14:00`` (with the day where it changes), ``18 Jul`` (with the year where it
    changes), ``Jul 2025`` or ``2025``."""
    if step.unit == "year":
        return str(moment.year)
    if step.unit == "month":
        return f"{MONTHS[moment.month - 1]} {moment.year}"
    day = f"{moment.day} {MONTHS[moment.month - 1]}"
    if step.count < DAY:
        same_day = previous is not None and previous.date() == moment.date()
        return f"{moment:%H:%M}" if same_day else f"{day} {moment:%H:%M}"
    same_year = previous is not None and previous.year == moment.year
    return day if same_year else f"{day} {moment.year}"


def _span_words(series: Sequence[Point]) -> str:
    first, last = series[0][0], series[-1][0]
    if first == last:
        return f"{_when(first, True)} UTC"
    with_time = last - first < 2 * DAY
    return f"{_when(first, with_time)} to {_when(last, with_time)} UTC"


def _when(at: float, with_time: bool) -> str:
    moment = datetime.fromtimestamp(at, UTC)
    day = f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"
    return f"{day} {moment:%H:%M}" if with_time else day


def _description(metric: str, series: Sequence[Point], known: Sequence[float]) -> str:
    """What the chart shows, in words, for those who cannot see it."""
    if not known:
        without = f" ({len(series)} scrapes without a known value)" if series else ""
        return f"No data yet for {metric}{without}."
    scrapes = "1 scrape" if len(series) == 1 else f"{len(series)} scrapes"
    latest = next(value for _, value in reversed(series) if value is not None)
    words = (
        f"Line chart of {metric} at {scrapes}, {_span_words(series)}: lowest {_plain(min(known))}, "
        f"highest {_plain(max(known))}, latest {_plain(latest)}."
    )
    if unknown := len(series) - len(known):
        words += f" {unknown} without a known value (gaps in the line)."
    return words


def _plain(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.6g}" if abs(value) >= 1e15 else _grouped(value, 2)


def _count(value: float | None) -> float | None:
    """``value`` as a number the chart can place, ``None`` if it cannot be a count."""
    if value is None:
        return None
    try:
        number = float(value)
    except OverflowError:  # an int beyond any float
        return None
    return number if math.isfinite(number) and abs(number) <= MAX_VALUE else None


def _distinct(items: list[str]) -> list[str]:
    """``items`` without consecutive repeats."""
    return [item for index, item in enumerate(items) if index == 0 or item != items[index - 1]]


def _clip(text: str, limit: int) -> str:
    text = NOT_XML.sub("", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(value: float) -> str:
    return f"{value:.1f}"


def _text(
    x: float,
    y: float,
    content: str,
    *,
    size: int | None = None,
    fill: str | None = None,
    anchor: str | None = None,
    weight: str | None = None,
) -> str:
    attributes = [f'x="{_num(x)}"', f'y="{_num(y)}"']
    for name, value in (
        ("font-size", size),
        ("fill", fill),
        ("text-anchor", anchor),
        ("font-weight", weight),
    ):
        if value is not None:
            attributes.append(f'{name}="{value}"')
    return f"<text {' '.join(attributes)}>{html.escape(content)}</text>"


def _open(width: int, height: int, title: str, description: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title chart-desc" '
        f'font-family="{FONT}">'
        f'<title id="chart-title">{html.escape(title)}</title>'
        f'<desc id="chart-desc">{html.escape(description)}</desc>'
        f'<rect width="{width}" height="{height}" fill="{BACKGROUND}"/>'
    )
