"""Time the photo pipeline on a synthetic 12 MP phone JPEG against a naive and a bare baseline.

Run: python -m bench.media [--reps N]
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageChops

from bench.harness import ROOT
from suishoupai.media import pipeline
from suishoupai.media.pipeline import process_image

WIDTH, HEIGHT = 4032, 3024
DISPLAY, THUMB = 1600, 360


def synthetic_jpeg(width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """Make a 12 MP quality-90 JPEG with texture, sensor-like noise and EXIF orientation 6."""
    texture = Image.effect_mandelbrot((width // 8, height // 8), (-2.2, -1.2, 0.8, 1.2), 64)
    channels = [
        texture.resize((width, height), Image.Resampling.BICUBIC),
        Image.linear_gradient("L").resize((width, height)),
        Image.radial_gradient("L").resize((width, height)),
    ]
    # zero-mean noise like a phone sensor's; it is what makes the file ~3.5 MB as phones write
    noisy = [ImageChops.add(c, Image.effect_noise((width, height), 8), 1, -128) for c in channels]
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    Image.merge("RGB", noisy).save(buf, "JPEG", quality=90, exif=exif.tobytes())
    return buf.getvalue()


def fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """Scale a size so its long side is `side` (the inputs here are always larger)."""
    scale = side / max(size)
    return round(size[0] * scale), round(size[1] * scale)


def _jpeg(im: Image.Image, quality: int) -> bytes:
    """Encode with the same settings the pipeline uses."""
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def naive(data: bytes) -> tuple[bytes, bytes]:
    """Full decode, then LANCZOS to both sizes from the full image."""
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        display = im.resize(fit(im.size, DISPLAY), Image.Resampling.LANCZOS)
        thumb = im.resize(fit(im.size, THUMB), Image.Resampling.LANCZOS)
    return _jpeg(display, pipeline.DISPLAY_QUALITY), _jpeg(thumb, pipeline.THUMB_QUALITY)


def bare(data: bytes) -> tuple[bytes, bytes]:
    """Draft decode plus the pipeline's two resizes and encodes, and nothing else."""
    with Image.open(io.BytesIO(data)) as im:
        target = fit(im.size, DISPLAY)
        im.draft("RGB", target)
        display = im.resize(target, pipeline.DISPLAY_FILTER, reducing_gap=pipeline.REDUCING_GAP)
    thumb = display.resize(fit(display.size, THUMB), pipeline.THUMB_FILTER,
                           reducing_gap=pipeline.REDUCING_GAP)
    return _jpeg(display, pipeline.DISPLAY_QUALITY), _jpeg(thumb, pipeline.THUMB_QUALITY)


def time_ms(runs: dict[str, Callable[[], object]], reps: int) -> dict[str, float]:
    """Median ms per call, interleaving the candidates so machine noise hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for fn in runs.values():
        fn()  # warm-up: lazy imports, caches
    for _ in range(reps):
        for name, fn in runs.items():
            start = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def tracemalloc_peak_mb(data: bytes) -> float:
    """Peak Python-heap allocation during one call (Pillow's pixel buffers are not seen)."""
    gc.collect()
    tracemalloc.start()
    process_image(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def _status_kb(field: str) -> int:
    """Read one kB figure from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def rss_child(path: str) -> None:
    """In a fresh process: print the peak-RSS rise (MB) of one process_image call."""
    data = Path(path).read_bytes()
    process_image(synthetic_jpeg(64, 48))  # pay lazy imports (scipy) outside the measurement
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    before = _status_kb("VmRSS")
    process_image(data)
    print((_status_kb("VmHWM") - before) / 1024)


def rss_peak_mb(data: bytes) -> float | None:
    """Run rss_child in a new interpreter so earlier work cannot hide or inflate the peak."""
    if not Path("/proc/self/clear_refs").exists():
        return None
    with tempfile.NamedTemporaryFile(suffix=".jpg", delete=False) as tmp:
        tmp.write(data)
    try:
        out = subprocess.run([sys.executable, "-m", "bench.media", "--rss-child", tmp.name], cwd=ROOT,
                             capture_output=True, text=True, check=True)
        return float(out.stdout.strip())
    finally:
        os.unlink(tmp.name)


def main() -> None:
    """Print timings, ratios and memory against the targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child)
        return
    data = synthetic_jpeg()
    print(f"input: {WIDTH}x{HEIGHT} JPEG q90, {len(data) / 2**20:.2f} MB, EXIF orientation 6")
    ms = time_ms({"a": lambda: process_image(data), "b": lambda: naive(data),
                  "c": lambda: bare(data)}, args.reps)
    print(f"(a) process_image      {ms['a']:7.1f} ms/photo")
    print(f"(b) naive Pillow path  {ms['b']:7.1f} ms/photo")
    print(f"(c) bare draft+resize  {ms['c']:7.1f} ms/photo")
    print(f"a/c = {ms['a'] / ms['c']:.2f}  (target <= 1.3)")
    print(f"b/a = {ms['b'] / ms['a']:.2f}  (target >= 3.5)")
    rss = rss_peak_mb(data)
    rss_text = "n/a (needs Linux /proc)" if rss is None else f"{rss:.1f} MB"
    print(f"peak RSS rise, one process_image call in a fresh process: {rss_text} (target <= 40)")
    print(f"tracemalloc peak, one call (Python heap only): {tracemalloc_peak_mb(data):.1f} MB")


if __name__ == "__main__":
    main()
