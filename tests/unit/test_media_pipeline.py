"""The photo pipeline, on images the tests make themselves with Pillow."""

from __future__ import annotations

import contextlib
import hashlib
import io
import struct
import time
import zlib
from datetime import datetime

import pillow_heif
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageChops, TiffImagePlugin

from suishoupai.errors import DomainError
from suishoupai.media.pipeline import (
    BrokenImage,
    EmptyImage,
    ProcessedImage,
    TooManyPixels,
    UnsupportedImageType,
    hamming,
    process_image,
    sniff_format,
)

RED, GREEN, BLUE, YELLOW, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (255,) * 3
T = Image.Transpose
# what must be done to an upright picture so that EXIF orientation N restores it
STORE_AS = {1: None, 2: T.FLIP_LEFT_RIGHT, 3: T.ROTATE_180, 4: T.FLIP_TOP_BOTTOM,
            5: T.TRANSPOSE, 6: T.ROTATE_90, 7: T.TRANSVERSE, 8: T.ROTATE_270}


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


def rational(value: float) -> TiffImagePlugin.IFDRational:
    """An EXIF rational."""
    return TiffImagePlugin.IFDRational(round(value * 100), 100)


def exif_with_gps(lat: float, lng: float, taken: str = "2024:05:01 10:20:30") -> Image.Exif:
    """EXIF as a phone writes it: DateTimeOriginal, GPS in deg/min/sec, a camera model."""
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "TestPhone 12"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    for ref_tag, tag, value, refs in ((1, 2, lat, "NS"), (3, 4, lng, "EW")):
        degrees = abs(value)
        minutes = (degrees % 1) * 60
        seconds = (minutes % 1) * 60
        gps[ref_tag] = refs[value < 0]
        gps[tag] = (rational(int(degrees)), rational(int(minutes)), rational(seconds))
    return exif


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


# --- formats --------------------------------------------------------------------------------


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


# --- pixel limits and bombs -------------------------------------------------------------------


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


# --- orientation and sizes --------------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_to_pixels(orientation: int) -> None:
    upright = quadrants(300, 400)
    method = STORE_AS[orientation]
    stored = upright if method is None else upright.transpose(method)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    result = process_image(encode(stored, quality=92, exif=exif))
    assert (result.width, result.height) == (300, 400)
    assert (result.display.width, result.display.height) == (300, 400)
    assert (result.thumb.width, result.thumb.height) == (270, 360)
    assert_quadrants(decode(result.display.data))
    assert_quadrants(decode(result.thumb.data))


def test_orientation_6_top_red_bottom_blue_comes_out_upright() -> None:
    upright = Image.new("RGB", (2400, 3200), BLUE)
    upright.paste(RED, (0, 0, 2400, 1600))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    result = process_image(encode(upright.transpose(T.ROTATE_90), quality=90, exif=exif))
    display = decode(result.display.data)
    assert display.size == (1200, 1600)
    assert_close(display.getpixel((600, 100)), RED)
    assert_close(display.getpixel((600, 1500)), BLUE)
    assert (result.width, result.height) == (2400, 3200)


def test_heic_orientation_is_applied_once() -> None:
    upright = quadrants(400, 300)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    data = encode(upright.transpose(T.ROTATE_90), "HEIF", quality=90, exif=exif.tobytes())
    result = process_image(data)
    assert (result.width, result.height) == (400, 300)
    assert_quadrants(decode(result.display.data))


@pytest.mark.parametrize("size, display, thumb", [
    ((4032, 3024), (1600, 1200), (360, 270)),
    ((3024, 4032), (1200, 1600), (270, 360)),
    ((1000, 800), (1000, 800), (360, 288)),
    ((200, 100), (200, 100), (200, 100)),
    ((6000, 20), (1600, 5), (360, 1)),
])
def test_long_sides_are_capped_and_never_upscaled(
        size: tuple[int, int], display: tuple[int, int], thumb: tuple[int, int]) -> None:
    result = process_image(encode(textured(1, size), quality=85))
    assert (result.display.width, result.display.height) == display
    assert (result.thumb.width, result.thumb.height) == thumb
    assert decode(result.display.data).size == display
    assert decode(result.thumb.data).size == thumb
    assert (result.width, result.height) == size


def test_sides_are_configurable() -> None:
    result = process_image(encode(textured(1, (1000, 500))), display_side=800, thumb_side=100)
    assert (result.display.width, result.display.height) == (800, 400)
    assert (result.thumb.width, result.thumb.height) == (100, 50)


# --- colour -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_transparency_is_flattened_onto_white(mode: str) -> None:
    im = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    im.paste((255, 0, 0, 255) if mode != "LA" else (0, 0, 0, 255), (100, 0, 200, 100))
    if mode == "P":
        im = im.convert("P", palette=Image.Palette.ADAPTIVE, colors=2)
        im.info["transparency"] = im.getpixel((0, 0))
        data = encode(im, "PNG", transparency=im.getpixel((0, 0)))
    else:
        data = encode(im.convert(mode), "PNG")
    out = decode(process_image(data).display.data)
    assert out.mode == "RGB"
    assert_close(out.getpixel((40, 50)), WHITE)
    assert_close(out.getpixel((160, 50)), RED if mode != "LA" else (0, 0, 0))


def test_webp_with_alpha_is_flattened_onto_white() -> None:
    im = Image.new("RGBA", (200, 100), (0, 255, 0, 0))
    im.paste((0, 0, 255, 255), (100, 0, 200, 100))
    out = decode(process_image(encode(im, "WEBP", lossless=True)).display.data)
    assert_close(out.getpixel((40, 50)), WHITE)
    assert_close(out.getpixel((160, 50)), BLUE)


def test_embedded_icc_profile_is_converted_to_srgb_then_dropped() -> None:
    data = encode(quadrants(200, 200), quality=95, icc_profile=swapped_profile())
    result = process_image(data)
    out = decode(result.display.data)
    assert "icc_profile" not in out.info
    # under the swapped profile the stored red means blue, and blue means red
    assert_close(out.getpixel((50, 50)), BLUE, tol=16)
    assert_close(out.getpixel((50, 150)), RED, tol=16)


def test_unusable_icc_profile_is_ignored() -> None:
    data = encode(quadrants(200, 200), quality=95, icc_profile=b"not a profile at all" * 10)
    assert_quadrants(decode(process_image(data).display.data))


@pytest.mark.parametrize("mode", ["L", "CMYK"])
def test_grey_and_cmyk_jpegs_become_rgb(mode: str) -> None:
    out = decode(process_image(encode(quadrants(200, 200).convert(mode), quality=95)).display.data)
    assert out.mode == "RGB"
    if mode == "CMYK":
        assert_quadrants(out)


def test_sixteen_bit_grey_png_keeps_its_tones() -> None:
    im = Image.new("I;16", (64, 64), 0x8080)
    out = decode(process_image(encode(im, "PNG")).display.data)
    assert_close(out.getpixel((32, 32)), (128, 128, 128), tol=2)


# --- privacy ----------------------------------------------------------------------------------

METADATA_MARKERS = [b"Exif", b"http://ns.adobe.com/xap", b"ICC_PROFILE", b"TestPhone",
                    b"secret comment", b"2024:05:01"]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_no_metadata_survives_in_served_bytes(fmt: str) -> None:
    exif = exif_with_gps(31.2303333, 121.4738333)
    exif[ExifTags.Base.Orientation] = 1
    params: dict[str, object] = {"exif": exif.tobytes(), "icc_profile": swapped_profile(),
                                 "quality": 90}
    if fmt in ("JPEG", "WEBP", "PNG"):
        params["xmp"] = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">TestPhone</x:xmpmeta>'
    if fmt == "JPEG":
        params["comment"] = b"secret comment"
    result = process_image(encode(quadrants(320, 240), fmt, **params))
    assert result.gps_lat is not None
    for variant in (result.display, result.thumb):
        out = decode(variant.data)
        assert not dict(out.getexif())
        assert not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment"} & set(out.info)
        for marker in METADATA_MARKERS:
            assert marker not in variant.data


def test_bytes_appended_after_the_image_are_not_served() -> None:
    payload = b"PK\x03\x04appended-secret-payload" * 20
    data = encode(textured(4), quality=85) + payload
    result = process_image(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    for variant in (result.display, result.thumb):
        assert b"appended-secret-payload" not in variant.data
        assert variant.data.endswith(b"\xff\xd9")


@pytest.mark.parametrize("lat, lng", [(31.2303333, 121.4738333), (-33.8567844, -70.6482617)])
def test_gps_and_capture_time_are_returned_privately(lat: float, lng: float) -> None:
    data = encode(quadrants(320, 240), quality=90, exif=exif_with_gps(lat, lng))
    result = process_image(data)
    assert result.gps_lat == pytest.approx(lat, abs=1e-5)
    assert result.gps_lng == pytest.approx(lng, abs=1e-5)
    assert result.taken_at == datetime(2024, 5, 1, 10, 20, 30)
    assert result.taken_at.tzinfo is None


def test_missing_or_bogus_metadata_is_none() -> None:
    assert process_image(encode(quadrants(64, 64))).taken_at is None
    exif = exif_with_gps(0.0, 0.0, taken="0000:00:00 00:00:00")
    result = process_image(encode(quadrants(64, 64), exif=exif))
    assert (result.taken_at, result.gps_lat, result.gps_lng) == (None, None, None)


# --- hashes -----------------------------------------------------------------------------------


def test_identical_bytes_share_a_sha256() -> None:
    data = encode(textured(5), quality=85)
    first, second = process_image(data), process_image(bytes(data))
    assert first.sha256 == second.sha256 == hashlib.sha256(data).hexdigest()
    assert first.phash == second.phash
    assert len(first.phash) == 16
    assert first.display.data == second.display.data


def test_phash_is_close_for_a_recompressed_copy_and_far_for_another_picture() -> None:
    original = textured(5, (1200, 900))
    first = process_image(encode(original, quality=92))
    copy = process_image(encode(original.resize((1000, 750)), quality=60))
    other = process_image(encode(textured(9, (1200, 900)).transpose(T.ROTATE_180), quality=92))
    assert first.sha256 != copy.sha256
    assert hamming(first.phash, copy.phash) <= 6
    assert hamming(first.phash, other.phash) >= 20


def test_hamming_counts_differing_bits() -> None:
    assert hamming("ff00", "ff00") == 0
    assert hamming("ff00", "00ff") == 16
    assert hamming("8000000000000000", "0000000000000001") == 2
    with pytest.raises(ValueError):
        hamming("ff", "ffff")
