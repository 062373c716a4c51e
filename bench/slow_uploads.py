"""Does /healthz stay responsive while two phones upload photos slowly (1 MB/s each) through gunicorn?

Runs gunicorn twice in one go: with the shipped config (config/gunicorn.conf.py), then with plain sync
workers as a baseline, and prints /healthz p50/p99 idle and under load. The figure to watch is the
ratio loaded p99 / idle p99 (target <= 5); absolute times vary with the machine, ratios much less.

Run: python -m bench.slow_uploads [--workers N] [--seconds S]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_migrate import upgrade

from bench.harness import PG_URL, ROOT, Http, Run, Server, make_app, percentile, scratch
from bench.harness import login as harness_login
from bench.photos import HEIGHT, WIDTH, phone_jpeg

UPLOAD_RATE = 1_000_000  # bytes per second, per uploader
CHUNK = 16 * 1024
UPLOADERS = 2
MIN_SAMPLES = 300
HEALTH_TIMEOUT = 5.0  # seconds; a request slower than this counts as a timeout
HEALTH_GAP = 0.005  # pause between health requests so the probe itself does not hog a core
TARGET_RATIO = 5.0


@dataclass
class Latency:
    """Health-check timings of one phase, in ms; timeouts are counted as HEALTH_TIMEOUT."""

    samples: list[float] = field(default_factory=list)
    timeouts: int = 0
    errors: int = 0

    @property
    def p50(self) -> float:
        """Median latency."""
        return percentile(self.samples, 50)

    @property
    def p99(self) -> float:
        """99th-percentile latency."""
        return percentile(self.samples, 99)

    def describe(self) -> str:
        """One line of figures."""
        extra = f", {self.timeouts} timeouts (>{HEALTH_TIMEOUT:.0f} s)" if self.timeouts else ""
        extra += f", {self.errors} errors" if self.errors else ""
        return f"p50 {self.p50:8.2f} ms  p99 {self.p99:8.2f} ms  (n={len(self.samples)}{extra})"


def measure_health(port: int, min_seconds: float = 0.0, max_seconds: float = float("inf")) -> Latency:
    """Sequential GET /healthz over one keep-alive connection: >= MIN_SAMPLES and >= min_seconds."""
    result = Latency()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HEALTH_TIMEOUT)
    start = time.perf_counter()
    while True:
        elapsed = time.perf_counter() - start
        if (len(result.samples) >= MIN_SAMPLES and elapsed >= min_seconds) or elapsed >= max_seconds:
            break
        sent = time.perf_counter()
        try:
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            resp.read()
            took = time.perf_counter() - sent
            if resp.status != 200:
                result.errors += 1
                continue
            result.samples.append(took * 1000)
        except TimeoutError:
            result.timeouts += 1
            result.samples.append(HEALTH_TIMEOUT * 1000)
            conn.close()  # the late answer must not be read as the next request's
        except (OSError, http.client.HTTPException):
            result.errors += 1
            conn.close()
        time.sleep(HEALTH_GAP)
    conn.close()
    return result


def throttled(body: bytes, rate: float) -> Iterator[bytes]:
    """Yield the body in CHUNK-sized pieces no faster than `rate` bytes per second overall."""
    start = time.perf_counter()
    for offset in range(0, len(body), CHUNK):
        ahead = start + offset / rate - time.perf_counter()
        if ahead > 0:
            time.sleep(ahead)
        yield body[offset:offset + CHUNK]


@dataclass
class Uploads:
    """What the uploader threads achieved."""

    walls: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def uploader(port: int, token: str, photo: bytes, stop: threading.Event, out: Uploads) -> None:
    """Send the photo as wx.uploadFile does (multipart field `file`), throttled, until told to stop."""
    boundary = "----benchboundary7MA4YWxkTrZu0gW"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nreport\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n").encode()
    body = head + photo + f"\r\n--{boundary}--\r\n".encode()
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(len(body)),
    }
    while not stop.is_set():
        # a fresh connection per photo, as a phone opening wx.uploadFile would
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        started = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/media", body=throttled(body, UPLOAD_RATE),
                         headers=headers)
            resp = conn.getresponse()
            answer = resp.read()
            wall = time.perf_counter() - started
            with out.lock:
                if resp.status == 201:
                    out.walls.append(wall)
                else:
                    out.failures.append(f"HTTP {resp.status}: {answer[:200]!r}")
        except (OSError, http.client.HTTPException) as exc:
            with out.lock:
                out.failures.append(repr(exc))
        finally:
            conn.close()


def resolved_config(server: Server) -> dict[str, str]:
    """workers, threads, worker_class and keepalive as gunicorn resolves them from file and flags."""
    out = subprocess.run([*server.cmd[:-1], "--print-config", "wsgi:app"], cwd=ROOT, env=server.env,
                         capture_output=True, text=True, check=True).stdout
    wanted = ("workers", "threads", "worker_class", "keepalive", "timeout")
    pairs = (line.split("=", 1) for line in out.splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if k.strip() in wanted}


def worker_line(server: Server) -> str:
    """gunicorn's own "Using worker: ..." line, as a cross-check of the resolved config."""
    for line in server.log_path.read_text().splitlines():
        if "Using worker:" in line:
            return line.split("Using worker:", 1)[1].strip()
    return "?"


def login(port: int) -> str:
    """Dev-login as the bench user and return the bearer token."""
    return harness_login(Http(port, timeout=10), "bench")


@dataclass
class RunResult:
    """The figures of one server configuration."""

    label: str
    config: dict[str, str]
    worker: str
    idle: Latency
    loaded: Latency
    uploads: Uploads
    load_seconds: float

    @property
    def ratio(self) -> float:
        """Loaded p99 over idle p99."""
        return self.loaded.p99 / self.idle.p99


def run(scratch_run: Run, workers: int, seconds: float, photo: bytes, overrides: list[str],
        label: str) -> RunResult:
    """Start one server, measure /healthz idle and under two slow uploaders, stop it."""
    server = scratch_run.serve({"GUNICORN_WORKERS": str(workers)}, overrides, label.replace(" ", "-"))
    config = resolved_config(server)
    try:
        token = login(server.port)
        measure_health(server.port, max_seconds=5)  # warm-up: imports, connection pools, caches
        idle = measure_health(server.port)
        stop, uploads = threading.Event(), Uploads()
        threads = [threading.Thread(target=uploader, args=(server.port, token, photo, stop, uploads),
                                    daemon=True) for _ in range(UPLOADERS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(1)  # let both bodies be in flight before sampling
        loaded = measure_health(server.port, min_seconds=seconds, max_seconds=4 * seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        load_seconds = time.perf_counter() - started
        return RunResult(label, config, worker_line(server), idle, loaded, uploads, load_seconds)
    finally:
        server.stop()


def report(result: RunResult) -> None:
    """Print the figures of one run."""
    cfg = result.config
    print(f"\n== {result.label}: workers={cfg.get('workers')} threads={cfg.get('threads')} "
          f"worker_class={cfg.get('worker_class')} keepalive={cfg.get('keepalive')} "
          f"(gunicorn log: Using worker: {result.worker})")
    print(f"  idle   /healthz  {result.idle.describe()}")
    print(f"  loaded /healthz  {result.loaded.describe()}")
    walls = result.uploads.walls
    mean = f"{statistics.mean(walls):.2f} s" if walls else "n/a"
    print(f"  uploads: {len(walls)} completed (201) in {result.load_seconds:.1f} s by {UPLOADERS} clients, "
          f"mean wall {mean}, {len(result.uploads.failures)} failed")
    for failure in result.uploads.failures[:3]:
        print(f"    failure: {failure}")
    verdict = "within" if result.ratio <= TARGET_RATIO else "EXCEEDS"
    print(f"  loaded p99 / idle p99 = {result.ratio:.2f}  ({verdict} target <= {TARGET_RATIO:g})")


def arguments(description: str, seconds: float) -> argparse.Namespace:
    """The options of a bench that compares two gunicorn configurations under load."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for both runs (default 2)")
    parser.add_argument("--seconds", type=float, default=seconds,
                        help=f"minimum length of each under-load measurement (default {seconds:g})")
    return parser.parse_args()


@contextlib.contextmanager
def migrated_instance(name: str) -> Iterator[Run]:
    """A scratch SQLite database, migrated; its servers stopped and its files removed afterwards."""
    with scratch(name, "sqlite", PG_URL) as scratch_run:
        app = make_app(scratch_run.target)
        with app.app_context():
            upgrade()
        yield scratch_run


def main() -> None:
    """Prepare a database, run the shipped config and the sync baseline, print ratios."""
    args = arguments(__doc__, 30)
    with migrated_instance("slow-uploads") as scratch_run:
        photo = phone_jpeg()
        print(f"photo: {WIDTH}x{HEIGHT} JPEG q90, EXIF orientation 6, {len(photo) / 2**20:.2f} MB; "
              f"{UPLOADERS} uploaders at {UPLOAD_RATE / 1e6:g} MB/s each, {CHUNK // 1024} KB chunks; "
              f"/healthz probe timeout {HEALTH_TIMEOUT:g} s")
        shipped = run(scratch_run, args.workers, args.seconds, photo, [], "shipped config")
        report(shipped)
        # --threads 1 matters: gunicorn silently turns sync into gthread when threads > 1
        baseline = run(scratch_run, args.workers, args.seconds, photo,
                       ["--worker-class", "sync", "--workers", str(args.workers), "--threads", "1"],
                       "baseline sync")
        report(baseline)
        print(f"\nsummary: loaded/idle p99 ratio  shipped {shipped.ratio:.2f}  vs  sync baseline "
              f"{baseline.ratio:.2f}  (target <= {TARGET_RATIO:g})")


if __name__ == "__main__":
    main()
