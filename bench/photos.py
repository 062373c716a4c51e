"""Photos the benches upload and process: a phone-sized JPEG, tiny distinct ones, the upload body."""

from __future__ import annotations

import io
import random
import struct

from PIL import Image, ImageChops

WIDTH, HEIGHT = 4032, 3024  # 12 MP, as phones take them


def phone_jpeg(width: int = WIDTH, height: int = HEIGHT, orientation: int = 6) -> bytes:
    """A quality-90 JPEG with texture, sensor-like noise and an EXIF orientation (about 3 MB at 12 MP)."""
    texture = Image.effect_mandelbrot((width // 8, height // 8), (-2.2, -1.2, 0.8, 1.2), 64)
    channels = [
        texture.resize((width, height), Image.Resampling.BICUBIC),
        Image.linear_gradient("L").resize((width, height)),
        Image.radial_gradient("L").resize((width, height)),
    ]
    # zero-mean noise like a phone sensor's; it is what keeps JPEG from squeezing the file to little
    noisy = [ImageChops.add(c, Image.effect_noise((width, height), 8), 1, -128) for c in channels]
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    Image.merge("RGB", noisy).save(buf, "JPEG", quality=90, exif=exif.tobytes())
    return buf.getvalue()


def distinct(jpeg: bytes, i: int) -> bytes:
    """The same picture with a comment segment holding i: other bytes (so its own media row), same pixels."""
    comment = f"bench {i}".encode()
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + jpeg[2:]


def tiny_jpeg(i: int) -> bytes:
    """A distinct 64×48 JPEG (seeded noise), so every upload is its own media row."""
    noise = random.Random(i).randbytes(64 * 48 * 3)
    buf = io.BytesIO()
    Image.frombytes("RGB", (64, 48), noise).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def multipart(photo: bytes) -> tuple[bytes, str]:
    """The body wx.uploadFile sends: field `file` plus formData purpose=report; and its content type."""
    boundary = "----benchreports7MA4YWxkTrZu0gW"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nreport\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n").encode() + photo + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"
