"""Turn an uploaded phone photo into clean JPEG variants plus the metadata kept privately."""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import imagehash
import pillow_heif
from PIL import ExifTags, Image, ImageCms, UnidentifiedImageError

from suishoupai.errors import DomainError, InvalidInput, PayloadTooLarge, UnsupportedMediaType

pillow_heif.register_heif_opener()

DISPLAY_QUALITY = 82
THUMB_QUALITY = 75
# After JPEG DCT scaling the remaining display step is < 2x, where a support-1 filter is
# indistinguishable in practice and twice as fast as LANCZOS; the thumbnail step is ~4.4x.
DISPLAY_FILTER = Image.Resampling.HAMMING
THUMB_FILTER = Image.Resampling.LANCZOS
REDUCING_GAP = 2.0

_TRANSPOSE = {  # the same mapping ImageOps.exif_transpose uses
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_WHITE = (255, 255, 255)


class UnsupportedImageType(UnsupportedMediaType):
    """The bytes are not a JPEG, PNG, WebP or HEIC/HEIF still photo."""

    code = "media.unsupported_type"
    message = "仅支持 JPEG、PNG、WebP、HEIC 格式的照片"


class EmptyImage(InvalidInput):
    """The upload has no bytes at all."""

    code = "media.empty"
    message = "上传的文件是空的，请重新选择照片"


class BrokenImage(InvalidInput):
    """The bytes claim a supported format but cannot be decoded (truncated, corrupt)."""

    code = "media.broken_image"
    message = "照片已损坏或不完整，请重新选择"


class TooManyPixels(PayloadTooLarge):
    """The header declares more pixels than the configured limit."""

    code = "media.too_many_pixels"
    message = "照片尺寸过大，请缩小后再上传"


@dataclass(frozen=True)
class Variant:
    """One served rendition: metadata-free JPEG bytes and their pixel size."""

    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedImage:
    """The served variants plus facts about the original kept for the database row only."""

    display: Variant
    thumb: Variant
    source_format: str
    width: int
    height: int
    sha256: str
    phash: str
    taken_at: datetime | None
    gps_lat: float | None
    gps_lng: float | None


def sniff_format(data: bytes) -> str | None:
    """Name the accepted format the magic bytes announce, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and _has_hevc_brand(data):
        return "HEIF"
    return None


def _has_hevc_brand(data: bytes) -> bool:
    """Tell whether the ISO-BMFF ftyp box lists an HEVC-coded HEIF brand."""
    box_size = int.from_bytes(data[:4], "big")
    box = data[8:min(box_size, 256)]
    # major brand, then minor version, then compatible brands: skip the minor version
    brands = [box[:4]] + [box[i:i + 4] for i in range(8, len(box) - 3, 4)]
    return any(brand in _HEVC_BRANDS for brand in brands)


def hamming(a: str, b: str) -> int:
    """Count differing bits between two hex perceptual hashes of the same length."""
    if len(a) != len(b):
        raise ValueError("hashes differ in length")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def process_image(data: bytes, *, max_pixels: int = 50_000_000, display_side: int = 1600,
                  thumb_side: int = 360) -> ProcessedImage:
    """Validate an upload by content and re-encode it; raise only media domain errors."""
    if not data:
        raise EmptyImage()
    fmt = sniff_format(data)
    if fmt is None:
        raise UnsupportedImageType()
    try:
        return _process(data, fmt, max_pixels, display_side, thumb_side)
    except DomainError:
        raise
    except Exception as exc:  # decoders raise OSError, ValueError, SyntaxError, struct.error...
        raise BrokenImage() from exc


def _process(data: bytes, fmt: str, max_pixels: int, display_side: int,
             thumb_side: int) -> ProcessedImage:
    """Decode at the smallest size that still covers the display variant, then build both."""
    with _open(data, fmt, max_pixels) as im:
        width, height = im.size
        target = _fit(im.size, display_side)
        # JPEG decodes DCT-scaled to at least `target`; HEIF may use an embedded thumbnail that big
        im.draft("RGB", target)
        im.load()
        exif = _exif(im)
        icc = im.info.get("icc_profile")
        display = _resized(_flatten(im), target, DISPLAY_FILTER)
    orientation = exif.get(ExifTags.Base.Orientation)
    display = _to_srgb(display, icc)
    if orientation in _TRANSPOSE:
        # rotating after the downscale touches ~6x fewer pixels than ImageOps.exif_transpose
        display = display.transpose(_TRANSPOSE[orientation])
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    thumb = _resized(display, _fit(display.size, thumb_side), THUMB_FILTER)
    lat, lng = _gps(exif)
    return ProcessedImage(
        display=_encode(display, DISPLAY_QUALITY),
        thumb=_encode(thumb, THUMB_QUALITY),
        source_format=fmt,
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
        phash=str(imagehash.phash(thumb)),
        taken_at=_taken_at(exif),
        gps_lat=lat,
        gps_lng=lng,
    )


def _open(data: bytes, fmt: str, max_pixels: int) -> Image.Image:
    """Open only the sniffed format and refuse oversized or animated images before decoding."""
    try:
        im = Image.open(io.BytesIO(data), formats=[fmt])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own global ceiling fired first (the warning is an exception when warnings
        # are errors, e.g. under pytest); either way the image is too large for us too
        raise TooManyPixels(details={"max_pixels": max_pixels}) from exc
    except UnidentifiedImageError as exc:
        raise BrokenImage() from exc
    width, height = im.size
    if width * height > max_pixels:
        im.close()
        raise TooManyPixels(details={"max_pixels": max_pixels, "width": width, "height": height})
    # MPO (phone JPEGs carrying a depth map) and multi-image HEIF open on their primary image
    if fmt in ("PNG", "WEBP") and getattr(im, "is_animated", False):
        im.close()
        raise UnsupportedImageType("不支持动图，请上传照片")
    return im


def display_size(width: int, height: int, side: int = 1600) -> tuple[int, int]:
    """The pixel size of the display variant of an upright image of this size (what `url` serves)."""
    return _fit((width, height), side)


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """Scale a size so its long side is at most `side`, never enlarging it."""
    width, height = size
    long_side = max(width, height)
    if long_side <= side:
        return size
    scale = side / long_side
    return max(1, round(width * scale)), max(1, round(height * scale))


def _flatten(im: Image.Image) -> Image.Image:
    """Bring any decoded mode to RGB, L or CMYK, compositing transparency onto white."""
    mode = im.mode
    if mode in ("RGB", "L", "CMYK"):
        return im
    if "A" in mode or "a" in mode or (mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, _WHITE)
        flat.paste(rgba, mask=rgba)
        return flat
    if mode.startswith("I"):
        # 16-bit greyscale PNG: Pillow's plain convert("L") would clip everything above 255
        return im.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    return im.convert("RGB")


def _resized(im: Image.Image, size: tuple[int, int], resample: Image.Resampling) -> Image.Image:
    """Return a new image of `size`, reducing by integer steps first when that is far away."""
    if im.size == size:
        return im.copy()
    return im.resize(size, resample, reducing_gap=REDUCING_GAP)


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert pixels from the embedded ICC profile to sRGB RGB; unusable profiles are ignored."""
    if icc:
        transform = _srgb_transform(icc, im.mode)
        if transform is not None:
            return transform.apply(im)
    return im if im.mode == "RGB" else im.convert("RGB")


@lru_cache(maxsize=16)
def _srgb_transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """Build (once per profile) the transform to sRGB; None for sRGB or unusable profiles."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        # many Android phones tag plain sRGB; an identity transform would cost ~40 ms a photo
        if (source.profile.profile_description or "").startswith("sRGB"):
            return None
        return ImageCms.buildTransform(source, _srgb_profile(), mode, "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


@lru_cache(maxsize=1)
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    """Build the sRGB target profile once."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _encode(im: Image.Image, quality: int) -> Variant:
    """Encode as a baseline JPEG carrying no metadata at all."""
    # Pillow's JPEG writer copies a comment from .info; nothing of the source may travel
    im.info = {}
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return Variant(data=buf.getvalue(), width=im.width, height=im.height)


def _exif(im: Image.Image) -> Image.Exif:
    """Read EXIF; corrupt EXIF only costs us the metadata, never the photo."""
    try:
        return im.getexif()
    except Exception:  # Pillow raises or warns in many ways on malformed EXIF
        return Image.Exif()


def _taken_at(exif: Image.Exif) -> datetime | None:
    """Return DateTimeOriginal as a naive local datetime (EXIF carries no zone)."""
    try:
        raw = exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal)
        raw = raw or exif.get(ExifTags.Base.DateTimeOriginal)
        if isinstance(raw, bytes):
            raw = raw.decode("ascii")
        return datetime.strptime(raw.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except Exception:  # absent, blank ("    :  :  ") or zeroed dates are simply unknown
        return None


def _gps(exif: Image.Exif) -> tuple[float | None, float | None]:
    """Return (lat, lng) in decimal degrees from the GPS IFD, or (None, None)."""
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        lat = _degrees(gps[ExifTags.GPS.GPSLatitude], gps[ExifTags.GPS.GPSLatitudeRef], "S")
        lng = _degrees(gps[ExifTags.GPS.GPSLongitude], gps[ExifTags.GPS.GPSLongitudeRef], "W")
    except Exception:  # missing tags, zero denominators, odd types
        return None, None
    # phones without a fix write 0/0; a photo exactly at null island is not a real report
    if not (abs(lat) <= 90 and abs(lng) <= 180) or (lat == 0 and lng == 0):
        return None, None
    return lat, lng


def _degrees(value: object, ref: object, negative_ref: str) -> float:
    """Convert an EXIF (deg, min, sec) rational triple and its hemisphere to signed degrees."""
    parts = [float(part) for part in value] if isinstance(value, tuple) else [float(value)]
    degrees = sum(part / 60**i for i, part in enumerate(parts[:3]))
    if not math.isfinite(degrees):
        raise ValueError("non-finite coordinate")
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    sign = -1 if str(ref).strip("\x00 ").upper() == negative_ref else 1
    return round(sign * degrees, 7)
