"""The upload pipeline: what is accepted, refused, fuzzed, and too many pixels."""

from __future__ import annotations

import contextlib
import io
import struct
import time
import zlib

import pillow_heif
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from suishoupai.errors import DomainError
from suishoupai.media.pipeline import (
    BrokenImage,
    EmptyImage,
    ProcessedImage,
    TooManyPixels,
    UnsupportedImageType,
    process_image,
    sniff_format,
)
from tests.helpers.media_pipeline import (
    WHITE,
    assert_quadrants,
    decode,
    encode,
    quadrants,
    textured,
)


def png_header(width: int, height: int, bit_depth: int = 8, colour_type: int = 0) -> bytes:
    """PNG signature plus an IHDR chunk declaring the given size."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    """One length-prefixed, CRC-suffixed PNG chunk."""
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def zero_png_bomb(side: int) -> bytes:
    """A real, complete 1-bit PNG of side x side black pixels: small file, huge canvas."""
    row = b"\x00" * (1 + (side + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return png_header(side, side, bit_depth=1) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_accepted_formats_come_out_as_plain_rgb_jpeg(fmt: str) -> None:
    data = encode(quadrants(320, 240), fmt, quality=90)
    result = process_image(data)
    assert isinstance(result, ProcessedImage)
    assert result.source_format == fmt == sniff_format(data)
    assert (result.width, result.height) == (320, 240)
    for variant in (result.display, result.thumb):
        out = decode(variant.data)
        assert out.mode == "RGB"
        assert out.size == (variant.width, variant.height)
    assert_quadrants(decode(result.display.data))


def test_heic_written_by_pillow_heif_is_accepted() -> None:
    heif = pillow_heif.from_pillow(quadrants(640, 480))
    buf = io.BytesIO()
    heif.save(buf, quality=85)
    result = process_image(buf.getvalue())
    assert result.source_format == "HEIF"
    assert (result.display.width, result.display.height) == (640, 480)
    assert_quadrants(decode(result.display.data))


def test_phone_jpeg_with_depth_map_mpo_is_taken_as_jpeg() -> None:
    data = encode(quadrants(320, 240), "MPO", save_all=True,
                  append_images=[Image.new("RGB", (320, 240), WHITE)])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    result = process_image(data)
    assert result.source_format == "JPEG"
    assert_quadrants(decode(result.display.data))


@pytest.mark.parametrize("name, data", [
    ("text renamed .jpg", b"just some text, uploaded as photo.jpg"),
    ("svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'),
    ("gif", encode(quadrants(32, 32), "GIF")),
    ("animated gif", encode(quadrants(32, 32), "GIF", save_all=True,
                            append_images=[Image.new("RGB", (32, 32), WHITE)])),
    ("tiff", encode(quadrants(32, 32), "TIFF")),
    ("bmp", encode(quadrants(32, 32), "BMP")),
    ("pdf", encode(quadrants(32, 32), "PDF")),
    ("eps", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 9 9\nshowpage\n"),
    ("html", b"<html><body><img src=x onerror=alert(1)></body></html>"),
    ("avif brand only", b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf" + b"\0" * 64),
])
def test_other_content_is_unsupported_media_type(name: str, data: bytes) -> None:
    with pytest.raises(UnsupportedImageType) as caught:
        process_image(data)
    assert caught.value.status == 415
    assert caught.value.code == "media.unsupported_type"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_animated_png_and_webp_are_refused(fmt: str) -> None:
    data = encode(quadrants(32, 32), fmt, save_all=True,
                  append_images=[Image.new("RGB", (32, 32), WHITE)])
    with pytest.raises(UnsupportedImageType):
        process_image(data)


def test_zero_bytes_is_empty() -> None:
    with pytest.raises(EmptyImage) as caught:
        process_image(b"")
    assert caught.value.status == 422
    assert caught.value.code == "media.empty"


@pytest.mark.parametrize("name, data", [
    ("truncated jpeg", encode(textured(1), quality=90)[:3000]),
    ("truncated png", encode(textured(1), "PNG")[:3000]),
    ("jpeg magic then junk", b"\xff\xd8\xff" + b"\x00junk" * 50),
    ("png signature only", b"\x89PNG\r\n\x1a\n"),
    ("webp header only", b"RIFF\x10\0\0\0WEBPVP8 \0\0\0\0"),
    ("heic brand then junk", b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"junk" * 20),
])
def test_broken_supported_images_are_refused(name: str, data: bytes) -> None:
    with pytest.raises(BrokenImage) as caught:
        process_image(data)
    assert caught.value.status == 422
    assert caught.value.code == "media.broken_image"


def test_sniff_format_reads_magic_bytes_only() -> None:
    assert sniff_format(encode(quadrants(8, 8), "JPEG")) == "JPEG"
    assert sniff_format(encode(quadrants(8, 8), "PNG")) == "PNG"
    assert sniff_format(encode(quadrants(8, 8), "WEBP")) == "WEBP"
    assert sniff_format(b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic") == "HEIF"
    assert sniff_format(b"GIF89a") is None
    assert sniff_format(b"") is None


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=512))
def test_random_bytes_only_ever_raise_domain_errors(data: bytes) -> None:
    with pytest.raises(DomainError):
        process_image(data)


_SEEDS = {fmt: encode(textured(2, (96, 64)), fmt, quality=80) for fmt in ("JPEG", "PNG", "WEBP")}


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(_SEEDS)), st.data())
def test_damaged_images_never_raise_anything_but_domain_errors(fmt: str, draw: st.DataObject) -> None:
    data = bytearray(_SEEDS[fmt])
    cut = draw.draw(st.integers(1, len(data)))
    for position in draw.draw(st.lists(st.integers(0, cut - 1), max_size=8)):
        data[position] ^= draw.draw(st.integers(1, 255))
    with contextlib.suppress(DomainError):  # anything else fails the test
        process_image(bytes(data[:cut]))


def test_zero_filled_png_bomb_is_refused_fast() -> None:
    bomb = zero_png_bomb(30_000)
    assert len(bomb) < 200_000  # 900 megapixels in a file this small
    start = time.perf_counter()
    with pytest.raises(TooManyPixels) as caught:
        process_image(bomb)
    assert time.perf_counter() - start < 1.0
    assert caught.value.status == 413
    assert caught.value.code == "media.too_many_pixels"


@pytest.mark.parametrize("width, height", [
    (30_000, 30_000),  # beyond Pillow's hard error
    (10_000, 10_000),  # between Pillow's warning and its error
    (8_000, 7_000),  # only our 50 MP limit stands in the way
])
def test_header_declaring_too_many_pixels_is_refused_before_decoding(width: int, height: int) -> None:
    with pytest.raises(TooManyPixels):
        process_image(png_header(width, height) + png_chunk(b"IEND", b""))


def test_pixel_limit_is_configurable() -> None:
    data = encode(textured(3, (1000, 1000)), quality=85)
    with pytest.raises(TooManyPixels) as caught:
        process_image(data, max_pixels=999_999)
    assert caught.value.details["max_pixels"] == 999_999
    assert process_image(data, max_pixels=1_000_000).width == 1000
