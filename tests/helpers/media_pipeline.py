"""Helpers of the media pipeline tests."""

from __future__ import annotations

import io
import struct

from PIL import Image, ImageChops

RED, GREEN, BLUE, YELLOW, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (255,) * 3


T = Image.Transpose


def encode(im: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    """Save an image to bytes."""
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def decode(data: bytes) -> Image.Image:
    """Open output bytes, insisting they are a JPEG."""
    im = Image.open(io.BytesIO(data), formats=["JPEG"])
    im.load()
    return im


def quadrants(width: int, height: int) -> Image.Image:
    """Red, green / blue, yellow quadrants: every flip and turn of it looks different."""
    im = Image.new("RGB", (width, height), YELLOW)
    im.paste(RED, (0, 0, width // 2, height // 2))
    im.paste(GREEN, (width // 2, 0, width, height // 2))
    im.paste(BLUE, (0, height // 2, width // 2, height))
    return im


def assert_quadrants(im: Image.Image) -> None:
    """Check the colour layout of quadrants() sampled in the middle of each quarter."""
    w, h = im.size
    for (x, y), colour in {(w // 4, h // 4): RED, (3 * w // 4, h // 4): GREEN,
                           (w // 4, 3 * h // 4): BLUE, (3 * w // 4, 3 * h // 4): YELLOW}.items():
        assert_close(im.getpixel((x, y)), colour)


def assert_close(actual: object, expected: tuple[int, ...], tol: int = 12) -> None:
    """Compare an RGB pixel within JPEG tolerance."""
    assert isinstance(actual, tuple)
    assert all(abs(a - e) <= tol for a, e in zip(actual, expected, strict=True)), (actual, expected)


def textured(seed: int, size: tuple[int, int] = (800, 600)) -> Image.Image:
    """A photo-like picture: a fractal region under gradients and a little noise."""
    left = -2.2 + 0.15 * seed
    small = (min(size[0], 800), min(size[1], 800))  # the fractal is slow; enlarge it instead
    fractal = Image.effect_mandelbrot(small, (left, -1.0, left + 2.6, 1.0), 48 + seed)
    fractal = fractal.resize(size)
    gradient = Image.linear_gradient("L").rotate(37 * seed).resize(size)
    noise = Image.effect_noise(size, 6)
    channels = [fractal, gradient, ImageChops.add(fractal, noise, 1, -128)]
    return Image.merge("RGB", channels)


def swapped_profile() -> bytes:
    """A tiny ICC v2 matrix profile whose red primary is sRGB's blue and vice versa."""
    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    curve = b"curv\0\0\0\0" + struct.pack(">I", 0)  # no entries: identity
    tags = [(b"wtpt", xyz(0.9642, 1.0, 0.8249)), (b"rXYZ", xyz(0.1431, 0.0606, 0.7141)),
            (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)), (b"bXYZ", xyz(0.4361, 0.2225, 0.0139)),
            (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve)]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, data in tags:
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    header = (struct.pack(">I", offset + len(body)) + b"\0" * 4 + struct.pack(">I", 0x02100000)
              + b"mntrRGB XYZ " + b"\0" * 12 + b"acsp" + b"\0" * 28
              + s15(0.9642) + s15(1.0) + s15(0.8249) + b"\0" * 48)
    return header + struct.pack(">I", len(tags)) + table + body
