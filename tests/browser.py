"""Headless Chromium for the tests that must see a document as a browser draws it (the
growth chart's SVG): Debian's ``chromium``, installed with apt when missing (CI runs as
root); a test that needs it skips, saying why, only when it cannot be had. Screenshots
are PNGs, decoded here with zlib alone, since only tests need to read them.

    png = screenshot(svg_bytes, 800, 320)   # after require_chromium() in the test
    assert not is_blank(png)
    assert pixels_near(decode_png(png), LINE_COLOUR) > 0
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser")
INSTALL_TIMEOUT = 900.0
"""Seconds for each of ``apt-get update`` and ``apt-get install`` (a fresh machine
downloads about 100 MB)."""
SHOT_TIMEOUT = 60.0
EXIT_GRACE = 5.0
"""Seconds Chromium's helper processes get to end after it, before they are killed."""
MAX_PIXELS = 4096 * 4096
"""The largest PNG decoded (a bound on the memory a decode takes)."""
FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
)


class NoBrowser(Exception):
    """Chromium cannot be had here; the message says why."""


def chromium() -> str:
    """The path of Chromium, installed first (once per test session) when missing."""
    found, reason = _find_or_install()
    if found is None:
        raise NoBrowser(reason)
    return found


def require_chromium() -> str:
    """``chromium()``, or the test skips with the reason it cannot be had."""
    try:
        return chromium()
    except NoBrowser as exc:
        pytest.skip(str(exc))


def screenshot(document: bytes, width: int, height: int, *, suffix: str = ".svg") -> bytes:
    """``document`` (an SVG, or any file Chromium opens, named by ``suffix``) drawn by
    headless Chromium in a ``width`` x ``height`` window: the PNG of the window. Chromium
    and its helper processes are ended within ``SHOT_TIMEOUT`` seconds whatever happens,
    and its profile is removed after."""
    browser = chromium()
    with tempfile.TemporaryDirectory(prefix="codvid-chromium-") as folder:
        page = Path(folder, f"page{suffix}")
        page.write_bytes(document)
        shot = Path(folder, "shot.png")
        command = [
            browser,
            *FLAGS,
            f"--user-data-dir={Path(folder, 'profile')}",
            f"--screenshot={shot}",
            f"--window-size={width},{height}",
            page.as_uri(),
        ]
        code, output = _run(command, SHOT_TIMEOUT)
        if not shot.is_file():
            raise AssertionError(f"Chromium made no screenshot (exit {code}): {output[-2000:]}")
        return shot.read_bytes()


@functools.cache
def _find_or_install() -> tuple[str | None, str]:
    found = _which()
    if found is not None:
        return found, ""
    apt = shutil.which("apt-get")
    if apt is None:
        return None, "Chromium is not installed and there is no apt-get to install it"
    if os.geteuid() != 0:
        return None, "Chromium is not installed (apt-get install chromium needs root)"
    install = [apt, "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=300", "chromium"]
    code, output = _run(install, INSTALL_TIMEOUT, quiet_apt=True)
    if code != 0:  # the package lists may be missing or stale on a fresh machine
        _run([apt, "update", "-qq"], INSTALL_TIMEOUT, quiet_apt=True)
        code, output = _run(install, INSTALL_TIMEOUT, quiet_apt=True)
    found = _which()
    if found is None:
        return None, f"Chromium could not be installed (apt-get exit {code}): {output[-500:]}"
    return found, ""


def _which() -> str | None:
    return next((path for name in NAMES if (path := shutil.which(name))), None)


def _run(command: Sequence[str], timeout: float, *, quiet_apt: bool = False) -> tuple[int, str]:
    """Run ``command`` in its own process group: its exit code (-9 when it was killed
    for taking longer than ``timeout``) and its output. The whole group is ended before
    this returns, so no helper process outlives the call or holds its files."""
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"} if quiet_apt else None
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=True,
        )
        grace = EXIT_GRACE
        try:
            code = process.wait(timeout)
        except subprocess.TimeoutExpired:
            code, grace = -signal.SIGKILL, 0.0
        finally:
            _end_group(process, grace)
        log.seek(0)
        return code, log.read().decode(errors="replace")


def _end_group(process: subprocess.Popen[bytes], grace: float) -> None:
    """End what is left of ``process``'s group: ``grace`` seconds for its members to
    exit by themselves, then SIGKILL, and until none is running (or ``EXIT_GRACE`` more
    seconds)."""
    group = process.pid
    _wait_gone(group, grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    process.wait()
    _wait_gone(group, EXIT_GRACE)


def _wait_gone(group: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _members(group) and time.monotonic() < deadline:
        time.sleep(0.05)


def _members(group: int) -> list[int]:
    """The running (not zombie) processes of process group ``group``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (name) "
        if fields[0] != "Z" and int(fields[2]) == group:
            members.append(int(entry.name))
    return members


@dataclass(frozen=True)
class Picture:
    """A decoded image: ``pixels`` holds 3 bytes (red, green, blue) per pixel, row by
    row, transparency already laid over white."""

    width: int
    height: int
    pixels: bytes

    def colours(self) -> set[bytes]:
        data = self.pixels
        return {data[index : index + 3] for index in range(0, len(data), 3)}


def decode_png(png: bytes) -> Picture:
    """The pixels of ``png``: 8-bit grey, RGB, grey with alpha or RGBA, not interlaced
    (what Chromium writes); ``ValueError`` for anything else or beyond ``MAX_PIXELS``."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    offset, header, data = 8, b"", bytearray()
    while offset + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[offset : offset + 8])
        body = png[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            data += body
        elif kind == b"IEND":
            break
    if len(header) != 13:
        raise ValueError("PNG without a header")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour})")
    if width * height > MAX_PIXELS:
        raise ValueError(f"PNG of {width}x{height} is larger than the tests decode")
    stride = width * channels
    expected = height * (stride + 1)
    raw = zlib.decompressobj().decompress(bytes(data), expected)
    if len(raw) != expected:
        raise ValueError("PNG data is shorter than its header says")
    rows = _unfilter(raw, height, stride, channels)
    return Picture(width, height, _to_rgb(rows, channels))


def _unfilter(raw: bytes, height: int, stride: int, step: int) -> bytes:
    """Undo PNG's per-row filters (none, sub, up, average, Paeth)."""
    out = bytearray(height * stride)
    previous = bytearray(stride)
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(step, stride):
                line[i] = (line[i] + line[i - step]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - step] if i >= step else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - step] if i >= step else 0
                b = previous[i]
                c = previous[i - step] if i >= step else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                guess = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + guess) & 0xFF
        elif kind != 0:
            raise ValueError(f"unknown PNG filter {kind}")
        out[row * stride : (row + 1) * stride] = line
        previous = line
    return bytes(out)


def _to_rgb(pixels: bytes, channels: int) -> bytes:
    if channels == 3:
        return pixels
    if channels == 1:
        return bytes(value for value in pixels for _ in range(3))
    rgb = bytearray()
    for index in range(0, len(pixels), channels):
        colour = pixels[index : index + channels - 1]
        alpha = pixels[index + channels - 1]
        if channels == 2:
            colour = colour * 3
        rgb += bytes((value * alpha + 255 * (255 - alpha)) // 255 for value in colour)
    return bytes(rgb)


def is_blank(png: bytes) -> bool:
    """Whether every pixel of ``png`` has one colour (nothing was drawn, or only a
    background)."""
    return len(decode_png(png).colours()) <= 1


def pixels_near(picture: Picture, colour: str, tolerance: int = 40) -> int:
    """How many pixels of ``picture`` are within ``tolerance`` (per channel) of
    ``colour`` (``#rrggbb``): a line's colour survives antialiasing in its middle."""
    target = bytes.fromhex(colour.removeprefix("#"))
    data = picture.pixels
    return sum(
        1
        for index in range(0, len(data), 3)
        if all(abs(data[index + k] - target[k]) <= tolerance for k in range(3))
    )
