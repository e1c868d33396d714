"""A tiny PNG line chart for emails, written with zlib and struct only (no image library).

PNG images attached inline (Content-ID) display in Gmail, Outlook, Apple Mail and Thunderbird
without loading remote content; inline SVG and data: URIs are stripped by several of them.
"""

from __future__ import annotations

import struct
import zlib
from itertools import pairwise

WHITE = (255, 255, 255)
GRID = (226, 232, 240)
LINE = (37, 99, 235)
POINT = (29, 78, 216)
TREND = (234, 88, 12)


class Canvas:
    """An RGB pixel buffer with the few primitives a line chart needs."""

    def __init__(self, width: int, height: int, background=WHITE):
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(background) * (width * height))

    def set(self, x: int, y: int, color) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            i = (y * self.width + x) * 3
            self.pixels[i : i + 3] = bytes(color)

    def dot(self, x: int, y: int, color, radius: int = 1) -> None:
        for dx in range(-radius, radius + 1):
            for dy in range(-radius, radius + 1):
                if dx * dx + dy * dy <= radius * radius + 1:
                    self.set(x + dx, y + dy, color)

    def line(self, x0: int, y0: int, x1: int, y1: int, color, width: int = 1, dash: int = 0) -> None:
        """Bresenham's line, thickened by stamping dots; `dash` > 0 draws dash-long on/off segments."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err, step = dx + dy, 0
        while True:
            if not dash or (step // dash) % 2 == 0:
                if width > 1:
                    self.dot(x0, y0, color, width // 2)
                else:
                    self.set(x0, y0, color)
            if x0 == x1 and y0 == y1:
                return
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x0 += sx
            if e2 <= dx:
                err += dx
                y0 += sy
            step += 1

    def png(self) -> bytes:
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * self.width * 3 : (y + 1) * self.width * 3]) for y in range(self.height)
        )

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
        )


AXIS = (82, 96, 109)


def scale(
    points: list[tuple[float, float]], trend: tuple[float, float] | None = None
) -> tuple[float, float, float, float]:
    """(x_lo, x_hi, y_lo, y_hi) that line_chart maps to its plot area; the email labels its axes from these."""
    if not points:
        return 0.0, 1.0, 0.0, 1.0
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x_lo, x_hi = min(xs), max(xs)
    y_lo, y_hi = min(ys), max(ys)
    if trend is not None:
        a, b = trend
        y_lo, y_hi = min(y_lo, a + b * x_lo, a + b * x_hi), max(y_hi, a + b * x_lo, a + b * x_hi)
    if x_hi == x_lo:
        x_lo, x_hi = x_lo - 1, x_hi + 1
    if y_hi == y_lo:
        y_lo, y_hi = y_lo - 1, y_hi + 1
    return x_lo, x_hi, y_lo, y_hi


def line_chart(
    points: list[tuple[float, float]], width: int = 560, height: int = 140, trend: tuple[float, float] | None = None
) -> bytes:
    """A PNG of (x, y) points joined by straight segments, with axes, ticks and grid lines, and an optional
    dashed trend y = a + b·x. The y range is `scale(...)`: grid lines sit at 0, 25, 50, 75 and 100 % of it."""
    canvas = Canvas(width, height)
    pad = 10
    for i in range(5):
        y = pad + round(i * (height - 2 * pad) / 4)
        canvas.line(pad, y, width - pad, y, GRID)
        canvas.line(pad - 4, y, pad, y, AXIS)
    canvas.line(pad, pad, pad, height - pad, AXIS)
    canvas.line(pad, height - pad, width - pad, height - pad, AXIS)
    if not points:
        return canvas.png()
    x_lo, x_hi, y_lo, y_hi = scale(points, trend)

    def px(x: float, y: float) -> tuple[int, int]:
        return (
            pad + round((x - x_lo) / (x_hi - x_lo) * (width - 2 * pad)),
            height - pad - round((y - y_lo) / (y_hi - y_lo) * (height - 2 * pad)),
        )

    if trend is not None:
        a, b = trend
        canvas.line(*px(x_lo, a + b * x_lo), *px(x_hi, a + b * x_hi), TREND, width=2, dash=6)
    pixels = [px(x, y) for x, y in points]
    for (x0, y0), (x1, y1) in pairwise(pixels):
        canvas.line(x0, y0, x1, y1, LINE, width=2)
    for x, _ in pixels:
        canvas.line(x, height - pad, x, height - pad + 4, AXIS)
    if len(pixels) <= 60:
        for x, y in pixels:
            canvas.dot(x, y, POINT, 2)
    return canvas.png()
