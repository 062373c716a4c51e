"""The photo pipeline on a 12 MP phone JPEG (EXIF orientation 6) against what a reviewer would write.

* (a) process_image: what an upload runs (sniff, draft decode, rotate, resize, encode, hashes, metadata);
* (b) ordinary Pillow: ``ImageOps.exif_transpose`` then ``thumbnail()`` to 1600 and a copy to 360, both
  encoded with the pipeline's qualities; exif_transpose loads the whole image first, so thumbnail()'s
  draft decoding has nothing left to skip;
* (c) the decode floor: a bare reduced-scale decode of the same file (``img.draft()`` to the display
  size, then ``load()``), which no way of making the display copy can avoid.

b/a is what the pipeline saves over ordinary code; a/c is what it spends beyond the decode it cannot skip.

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

from PIL import Image, ImageOps

from bench.harness import ROOT
from bench.photos import HEIGHT, WIDTH, phone_jpeg
from suishoupai.media import pipeline
from suishoupai.media.pipeline import process_image

DISPLAY, THUMB = 1600, 360


def fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """Scale a size so its long side is `side` (the inputs here are always larger)."""
    scale = side / max(size)
    return round(size[0] * scale), round(size[1] * scale)


def _jpeg(im: Image.Image, quality: int) -> bytes:
    """Encode with the quality the pipeline uses for this size."""
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def ordinary(data: bytes) -> tuple[bytes, bytes]:
    """The two copies as everyday Pillow code makes them: upright first, then thumbnail()."""
    with Image.open(io.BytesIO(data)) as im:
        display = ImageOps.exif_transpose(im)
    display.thumbnail((DISPLAY, DISPLAY))
    thumb = display.copy()
    thumb.thumbnail((THUMB, THUMB))
    return _jpeg(display, pipeline.DISPLAY_QUALITY), _jpeg(thumb, pipeline.THUMB_QUALITY)


def decode_floor(data: bytes) -> tuple[int, int]:
    """A reduced-scale decode of the file to the display size, and nothing else."""
    with Image.open(io.BytesIO(data)) as im:
        im.draft("RGB", fit(im.size, DISPLAY))
        im.load()
        return im.size


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
    process_image(phone_jpeg(64, 48))  # pay lazy imports (scipy) outside the measurement
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
    data = phone_jpeg()
    print(f"input: {WIDTH}x{HEIGHT} JPEG q90, {len(data) / 2**20:.2f} MB, EXIF orientation 6; "
          f"median of {args.reps} interleaved rounds")
    ms = time_ms({"a": lambda: process_image(data), "b": lambda: ordinary(data),
                  "c": lambda: decode_floor(data)}, args.reps)
    print(f"(a) process_image                       {ms['a']:7.1f} ms/photo")
    print(f"(b) exif_transpose + thumbnail()        {ms['b']:7.1f} ms/photo")
    print(f"(c) decode floor: draft + load          {ms['c']:7.1f} ms/photo")
    print(f"b/a = {ms['b'] / ms['a']:.2f}  (ordinary Pillow over the pipeline)")
    print(f"a/c = {ms['a'] / ms['c']:.2f}  (the pipeline over the decode it cannot skip)")
    rss = rss_peak_mb(data)
    rss_text = "n/a (needs Linux /proc)" if rss is None else f"{rss:.1f} MB"
    print(f"peak RSS rise, one process_image call in a fresh process: {rss_text} (target <= 40)")
    print(f"tracemalloc peak, one call (Python heap only): {tracemalloc_peak_mb(data):.1f} MB")


if __name__ == "__main__":
    main()
