"""Filing through gunicorn: how many reports concurrent phones file per second, two ways.

* pre-uploaded: each filing names a 64×48 photo its filer uploaded before the clock started, so the
  figure is the report write alone (the service's own ceiling);
* as a resident waits: each client uploads a 12 MP phone JPEG (about 3 MB, EXIF-rotated, a distinct file
  each time) and then files the report naming it, both inside the timed part, as the mini program does.

Next to them, the same clients' GET /api/v1/me throughput is the floor of the run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import queue
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from flask import Flask

from bench.dataset import ISSUES, ROADS, World
from bench.harness import (
    Burst,
    Http,
    Server,
    Stats,
    Target,
    burst,
    captured_sql,
    login,
    mark,
    reader,
    say,
    timed_call,
)
from bench.photos import distinct, multipart, phone_jpeg, tiny_jpeg
from suishoupai.demo.seed import CELL_LAT, CELL_LNG, COLS, ORIGIN_LAT, ORIGIN_LNG, ROWS

FILING_RATE = 200.0  # reports/s with photos uploaded beforehand, on PostgreSQL
MAX_FILING_RATE = 300  # photos are uploaded for at most this rate over the whole run
UPLOAD_THREADS = 8
BASELINE_SECONDS = 5
WARM_FILING_SECONDS, WARM_PHOTOS = 3, 20


def upload_photos(port: int, tokens: list[str], per_filer: int, first: int = 0) -> list[list[int]]:
    """POST /api/v1/media per_filer photos for each filer (photos first, first+1, …), 8 at a time."""
    jobs = [(k, first + k * per_filer + j) for k in range(len(tokens)) for j in range(per_filer)]
    owned: list[list[int]] = [[] for _ in tokens]

    def work(chunk: list[tuple[int, int]]) -> None:
        conn = Http(port)
        for k, i in chunk:
            body, content_type = multipart(tiny_jpeg(i))
            status, answer = conn.call("POST", "/api/v1/media", tokens[k], body, content_type)
            if status != 201:
                raise RuntimeError(f"upload: HTTP {status} {answer[:300]!r}")
            owned[k].append(json.loads(answer)["id"])

    with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
        list(pool.map(work, [jobs[t::UPLOAD_THREADS] for t in range(UPLOAD_THREADS)]))
    return owned


def report_body(rng: random.Random, media_id: int, codes: list[str]) -> bytes:
    """A new report at a random spot inside the demo district (GCJ-02, as the phone sends it)."""
    return json.dumps({
        "category": rng.choice(codes), "description": f"{rng.choice(ROADS)}{rng.choice(ISSUES)}，请处理",
        "location": {"lat": ORIGIN_LAT + rng.uniform(0.05, ROWS - 0.05) * CELL_LAT,
                     "lng": ORIGIN_LNG + rng.uniform(0.05, COLS - 0.05) * CELL_LNG, "coord_type": "gcj02"},
        "address": f"{rng.choice(ROADS)}{rng.randint(1, 400)}号", "media_ids": [media_id], "public": True,
    }, ensure_ascii=False).encode()


def filer(port: int, jobs: queue.SimpleQueue, codes: list[str], deadline: float, out: Burst,
          seed_value: int) -> None:
    """File reports one after another until the deadline or the photos run out. Every client takes
    the next (filer's token, photo) from one queue: gunicorn does not serve its connections alike,
    and a client with photos of its own would stop early while others still had many."""
    conn, rng = Http(port), random.Random(seed_value)
    while time.perf_counter() < deadline:
        try:
            token, media_id = jobs.get_nowait()
        except queue.Empty:
            with out.lock:
                out.ran_out = True
            return
        status, answer, took = timed_call(conn, "POST", "/api/v1/reports", token,
                                          report_body(rng, media_id, codes))
        out.add(status, 201, took, answer)


def photo_filer(port: int, token: str, photo: bytes, codes: list[str], deadline: float,
                uploads: Burst, out: Burst, seed_value: int) -> None:
    """Upload a 12 MP photo, then file the report naming it, until the deadline; `out` times the two
    together (what the resident waits for), `uploads` the upload alone."""
    conn, rng = Http(port), random.Random(seed_value)
    i = seed_value * 100_000
    while time.perf_counter() < deadline:
        i += 1
        started = time.perf_counter()
        body, content_type = multipart(distinct(photo, i))
        status, answer, took = timed_call(conn, "POST", "/api/v1/media", token, body, content_type)
        uploads.add(status, 201, took, answer)
        if status != 201:
            out.add(status, 201, took, answer)
            continue
        media_id = json.loads(answer)["id"]
        status, answer, _ = timed_call(conn, "POST", "/api/v1/reports", token,
                                       report_body(rng, media_id, codes))
        out.add(status, 201, (time.perf_counter() - started) * 1000, answer)


@dataclass
class FilingRun:
    """The filing bursts, the warm-up, the same clients' GET /api/v1/me burst, and worker recycles."""

    uploaded: int
    upload_seconds: float
    warm: Burst
    baseline: Burst
    filed: Burst
    recycles: int
    statements: int
    photo_uploads: Burst | None = None
    photo_filed: Burst | None = None
    photo_mb: float = 0.0


def statements_per_filing(app: Flask, token: str, codes: list[str]) -> int:
    """SQL statements (BEGIN aside) of one POST /api/v1/reports, run in-process with a fresh photo,
    after one filing that fills this process's per-process copies (as a serving worker has them)."""
    client, auth = app.test_client(), {"Authorization": f"Bearer {token}"}
    counts = []
    for i in range(2):
        body, content_type = multipart(tiny_jpeg(10**9 + i))
        media = client.post("/api/v1/media", data=body, headers=auth | {"Content-Type": content_type})
        with captured_sql(app) as seen:
            answer = client.post("/api/v1/reports",
                                 data=report_body(random.Random(i), media.json["id"], codes),
                                 headers=auth | {"Content-Type": "application/json"})
        if answer.status_code != 201:
            raise RuntimeError(f"in-process filing: HTTP {answer.status_code} {answer.get_data()[:300]!r}")
        counts.append(sum(1 for statement, _ in seen if not statement.startswith("BEGIN")))
    return counts[-1]


def filing(server: Server, app: Flask, world: World, args: argparse.Namespace) -> FilingRun:
    """Warm up (which also sizes the uploads), upload the photos, time a read burst, then file."""
    clients, seconds = args.clients, args.filing_seconds
    port, conn = server.port, Http(server.port)
    tokens = [login(conn, f"bench-filer-{k:02d}") for k in range(clients)]
    codes = [code for _, code in world.categories]

    def file(owned: list[list[int]], seed_base: int) -> Callable[[int, float, Burst], None]:
        jobs: queue.SimpleQueue = queue.SimpleQueue()
        for photos in itertools.zip_longest(*owned):  # each filer's first photo, then the second, …
            for k, media_id in enumerate(photos):
                if media_id is not None:
                    jobs.put((tokens[k], media_id))
        return lambda k, end, out: filer(port, jobs, codes, end, out, seed_base + k)

    say(f"  filing warm-up: {clients} clients for {WARM_FILING_SECONDS:g} s")
    warm = burst(clients, WARM_FILING_SECONDS, file(upload_photos(port, tokens, WARM_PHOTOS), 0))
    # photos for 2.5x the warm-up rate: the run may speed up, and clients are not served alike
    starved = len(warm.latencies) + len(warm.errors) >= 0.8 * clients * WARM_PHOTOS
    rate = MAX_FILING_RATE if starved else min(MAX_FILING_RATE, 2.5 * warm.rate + 20)
    per_filer = math.ceil(rate * seconds / clients)
    say(f"  uploading {per_filer * clients:,} photos ({per_filer} for each of {clients} filers)")
    started = time.perf_counter()
    owned = upload_photos(port, tokens, per_filer, first=clients * WARM_PHOTOS)
    upload_seconds = time.perf_counter() - started
    say(f"  uploaded in {upload_seconds:.1f} s; {clients} clients: GET /api/v1/me for "
        f"{BASELINE_SECONDS:g} s, then filing for {seconds:g} s")
    baseline = burst(clients, BASELINE_SECONDS, lambda k, end, out: reader(port, tokens[k], end, out))
    boots = server.boots()
    filed = burst(clients, seconds, file(owned, 1000))
    recycles = server.boots() - boots
    run = FilingRun(per_filer * clients, upload_seconds, warm, baseline, filed, recycles,
                    statements_per_filing(app, tokens[0], codes))
    if args.photo_seconds:
        photo = phone_jpeg()
        run.photo_mb = len(photo) / 2**20
        say(f"  {clients} clients: 12 MP photo ({run.photo_mb:.1f} MB) uploaded, then filed, "
            f"for {args.photo_seconds:g} s")
        run.photo_uploads = Burst(clients)
        uploads = run.photo_uploads
        run.photo_filed = burst(clients, args.photo_seconds, lambda k, end, out: photo_filer(
            port, tokens[k], photo, codes, end, uploads, out, 2000 + k))
    return run


def print_filing(run: FilingRun, target: Target, checks: list[tuple[str, bool]]) -> None:
    """Filing throughput and latency against the read floor; the rate target applies to PostgreSQL."""
    f, base = run.filed, run.baseline
    ok = f.rate >= FILING_RATE
    postgres = target.kind == "postgres"
    if postgres:
        checks.append((f"filing (photo uploaded beforehand) ≥ {FILING_RATE:g} reports/s", ok))
        checks.append(("filing: every answer 201", not f.errors))
    verdict = f"{mark(ok)} ≥ {FILING_RATE:g}/s" + ("" if postgres else " (no target)")
    note = " (photos ran out before the end)" if f.ran_out else ""
    print(f"filing via gunicorn, {f.clients} concurrent clients:")
    print(f"  GET /api/v1/me floor   {len(base.latencies):,} × 200 in {base.seconds:.1f} s: "
          f"{base.rate:6.1f} req/s; {Stats(base.latencies or [0.0]).line()}")
    print(f"  64×48 photo uploaded before the clock ({run.uploaded:,} uploads took "
          f"{run.upload_seconds:.1f} s), POST /api/v1/reports timed alone:")
    print(f"    {len(f.latencies):,} × 201 in {f.seconds:.1f} s{note}: {f.rate:6.1f} reports/s {verdict}; "
          f"{Stats(f.latencies or [0.0]).line()}; {len(f.errors)} errors {mark(not f.errors)}; "
          f"floor / filing rate {base.rate / f.rate if f.rate else 0:.1f}×; worker recycles meanwhile: "
          f"{run.recycles}; {run.statements} SQL statements per filing")
    print(f"    (warm-up before it: {len(run.warm.latencies):,} × 201 in {run.warm.seconds:.1f} s, "
          f"{run.warm.rate:.1f} reports/s, {len(run.warm.errors)} errors)")
    errors = f.errors + base.errors + run.warm.errors
    if run.photo_filed is not None:
        p, up = run.photo_filed, run.photo_uploads
        print(f"  as a resident waits: 12 MP JPEG ({run.photo_mb:.1f} MB) POST /api/v1/media, then "
              f"POST /api/v1/reports, both timed:")
        print(f"    {len(p.latencies):,} reports in {p.seconds:.1f} s: {p.rate:6.1f} reports/s; upload+file "
              f"{Stats(p.latencies or [0.0]).line()}; upload alone {Stats(up.latencies or [0.0]).line()}; "
              f"{len(p.errors)} errors {mark(not p.errors)}")
        print(f"    pre-uploaded / as-a-resident-waits rate {f.rate / p.rate if p.rate else 0:.1f}×; "
              f"floor / as-a-resident-waits rate {base.rate / p.rate if p.rate else 0:.1f}×")
        errors += p.errors
    for error in errors[:3]:
        print(f"    error: {error}")
