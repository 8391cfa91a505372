"""Pictures the demo needs: customers' signatures and photos of group heads, drawn here as
small PNGs (no image library, no files shipped)."""

from __future__ import annotations

import math
import struct
import zlib


def _png(width: int, height: int, pixels: list[bytearray]) -> bytes:
    """Encode RGB rows as a PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(row) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _canvas(width: int, height: int, rgb: tuple[int, int, int]) -> list[bytearray]:
    return [bytearray(rgb * width) for _y in range(height)]


def _dot(pixels: list[bytearray], x: int, y: int, rgb: tuple[int, int, int], r: int = 1) -> None:
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            px, py = x + dx, y + dy
            if 0 <= py < len(pixels) and 0 <= px < len(pixels[0]) // 3:
                pixels[py][px * 3:px * 3 + 3] = bytes(rgb)


def signature(seed: int) -> bytes:
    """A hand-written looking scribble on white, different for each `seed`."""
    width, height = 360, 120
    pixels = _canvas(width, height, (255, 255, 255))
    ink = (20, 30, 90)
    phase, loops = (seed % 7) / 3, 4 + seed % 4
    for step in range(900):
        t = step / 900
        x = 20 + t * 320
        y = 60 + 28 * math.sin(t * loops * math.pi * 2 + phase) * math.cos(t * 3 + phase) - 12 * t
        _dot(pixels, int(x + 8 * math.sin(t * 40 + seed)), int(y), ink)
    for step in range(200):  # the underline
        _dot(pixels, 40 + step * 3 // 2, 100 + (step % 9 == 0), ink)
    return _png(width, height, pixels)


def group_heads(seed: int) -> bytes:
    """A "photo" of an espresso machine's group heads: steel grey, dark round groups."""
    width, height = 320, 200
    pixels = _canvas(width, height, (176, 180, 186))
    groups = 2 + seed % 2
    for g in range(groups):
        cx, cy = (g + 1) * width // (groups + 1), 90
        for y in range(cy - 40, cy + 41):
            for x in range(cx - 40, cx + 41):
                d = math.hypot(x - cx, y - cy)
                if d <= 40:
                    shade = 40 + int(d * 1.5) if d > 30 else 70
                    pixels[y][x * 3:x * 3 + 3] = bytes((shade, shade, shade + 6))
    for y in range(160, 200):  # drip tray
        pixels[y][:] = bytes((90, 92, 96) * width)
    return _png(width, height, pixels)
