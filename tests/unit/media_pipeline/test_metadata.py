"""The upload pipeline: no metadata served, GPS and time kept privately, hashes."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest
from PIL import ExifTags, Image, TiffImagePlugin

from suishoupai.media.pipeline import (
    hamming,
    process_image,
)
from tests.helpers.media_pipeline import (
    T,
    decode,
    encode,
    quadrants,
    swapped_profile,
    textured,
)


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
