"""The upload pipeline: orientation, sizes, transparency, colour profiles and depths."""

from __future__ import annotations

import pytest
from PIL import ExifTags, Image

from suishoupai.media.pipeline import (
    process_image,
)
from tests.helpers.media_pipeline import (
    BLUE,
    RED,
    WHITE,
    T,
    assert_close,
    assert_quadrants,
    decode,
    encode,
    quadrants,
    swapped_profile,
    textured,
)

# what must be done to an upright picture so that EXIF orientation N restores it
STORE_AS = {1: None, 2: T.FLIP_LEFT_RIGHT, 3: T.ROTATE_180, 4: T.FLIP_TOP_BOTTOM,
            5: T.TRANSPOSE, 6: T.ROTATE_90, 7: T.TRANSVERSE, 8: T.ROTATE_270}


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
