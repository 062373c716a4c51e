"""Does /healthz stay responsive while four clients keep sending the worst bodies they can?

Runs gunicorn with the shipped config (config/gunicorn.conf.py) twice: with the request guards on
(the service as shipped), then with SUISHOUPAI_REQUEST_GUARDS=0 as the baseline (the old behaviour:
bodies parsed and validated before the caller is known, no JSON cap, no depth cap, every unknown key
echoed). Each time it measures /healthz p50/p99 idle, then while four hostile clients cycle through:

* huge   — 4.7 MB of JSON with 300,000 unknown keys, no token, POST /api/v1/reports at full speed
* keys   — the same body with a resident's token (anyone can get one)
* capped — 60 KB of unknown keys (just under the cap) with a token: the worst that passes the cap
* deep   — 30,000 nested arrays (60 KB) with a token
* slow   — a 60 KB body trickled at 2 KB/s without a token (the client never stops sending early)

The figure to watch is loaded p99 / idle p99 (target <= 5 with the guards on). Loopback only; each
phase is bounded (--seconds), and every hostile connection has a socket timeout.

Run: python -m bench.hostile_requests [--workers N] [--seconds S]
"""

from __future__ import annotations

import itertools
import json
import os
import select
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import Run
from bench.slow_uploads import (
    TARGET_RATIO,
    Latency,
    arguments,
    login,
    measure_health,
    migrated_instance,
)

CLIENTS = 4
URL = "/api/v1/reports"
SLOW_RATE = 2048  # bytes per second of the slow body
SOCKET_TIMEOUT = 30.0  # no hostile connection outlives this without progress


def bodies() -> dict[str, bytes]:
    """The hostile bodies, built once."""
    many = json.dumps({f"k{i:06d}": i for i in range(300_000)}).encode()
    capped = json.dumps({f"{i:x}": 0 for i in range(6_000)}, separators=(",", ":")).encode()
    return {"huge": many, "keys": many, "capped": capped, "deep": b"[" * 30_000 + b"]" * 30_000,
            "slow": json.dumps({"description": "x" * 60_000}).encode()}


@dataclass
class Attacks:
    """What the hostile clients sent and what they were answered."""

    answers: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, outcome: str) -> None:
        """Count one attack's outcome."""
        with self.lock:
            self.answers[(kind, outcome)] += 1

    def describe(self) -> str:
        """One line per kind: how many, answered how."""
        kinds = sorted({kind for kind, _ in self.answers})
        lines = []
        for kind in kinds:
            outcomes = {o: n for (k, o), n in sorted(self.answers.items()) if k == kind}
            lines.append(f"    {kind:7s} " + ", ".join(f"{o}: {n}" for o, n in outcomes.items()))
        return "\n".join(lines)


def attack(port: int, kind: str, body: bytes, token: str | None, stop: threading.Event) -> str:
    """Send one hostile request on a fresh connection; keep sending whatever is answered meanwhile, as
    an attacker would; return the answer's status (or how the connection ended)."""
    head = [f"POST {URL} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json",
            f"Content-Length: {len(body)}"]
    if token:
        head.append(f"Authorization: Bearer {token}")
    sock = socket.create_connection(("127.0.0.1", port), timeout=SOCKET_TIMEOUT)
    answer = b""
    try:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        chunk, pause = (512, 512 / SLOW_RATE) if kind == "slow" else (64 * 1024, 0.0)
        for offset in range(0, len(body), chunk):
            if stop.is_set():
                return "stopped"
            sock.sendall(body[offset:offset + chunk])
            if not answer and select.select([sock], [], [], 0)[0]:
                answer = sock.recv(65536)  # answered early: note it and go on sending regardless
            if pause:
                time.sleep(pause)
        sock.shutdown(socket.SHUT_WR)
        while len(answer) < 64 and (data := sock.recv(65536)):
            answer += data
        while sock.recv(1 << 20):  # read the whole answer, as a client would
            pass
    except (ConnectionResetError, BrokenPipeError):
        pass  # the server closed on a body it would not read: what it should do
    except TimeoutError:
        return "timeout"
    finally:
        sock.close()
    status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else None
    return f"HTTP {status}" if status else "closed"


def hostile(port: int, token: str, order: list[str], payloads: dict[str, bytes], stop: threading.Event,
            out: Attacks) -> None:
    """Cycle through the attacks until told to stop."""
    for kind in itertools.cycle(order):
        if stop.is_set():
            return
        try:
            outcome = attack(port, kind, payloads[kind], None if kind in ("huge", "slow") else token, stop)
        except OSError as exc:
            outcome = type(exc).__name__
        out.note(kind, outcome)


def server_cpu(group: int) -> float:
    """CPU seconds (user + system) used so far by the processes of one session: gunicorn's master and
    its workers (Linux /proc; 0 elsewhere)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[3]) == group:  # session id (field 6 of stat)
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / tick


@dataclass
class RunResult:
    """The figures of one configuration."""

    label: str
    idle: Latency
    loaded: Latency
    attacks: Attacks
    cpu_seconds: float

    @property
    def ratio(self) -> float:
        """Loaded p99 over idle p99."""
        return self.loaded.p99 / self.idle.p99


def run(scratch_run: Run, workers: int, seconds: float, payloads: dict[str, bytes],
        guards: bool) -> RunResult:
    """Start gunicorn, measure /healthz idle and under the four hostile clients, stop it."""
    label = "guards on (shipped)" if guards else "guards off (baseline)"
    server = scratch_run.serve({"GUNICORN_WORKERS": str(workers),
                                "SUISHOUPAI_REQUEST_GUARDS": "1" if guards else "0"},
                               name="guarded" if guards else "baseline")
    try:
        token = login(server.port)
        measure_health(server.port, max_seconds=5)  # warm-up
        idle = measure_health(server.port)
        stop, attacks = threading.Event(), Attacks()
        kinds = list(payloads)
        # each client starts at another attack, so all kinds are in flight at once
        threads = [threading.Thread(target=hostile, daemon=True, args=(
            server.port, token, kinds[i:] + kinds[:i], payloads, stop, attacks)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        cpu = server_cpu(server.proc.pid)
        time.sleep(1)
        loaded = measure_health(server.port, min_seconds=seconds, max_seconds=2 * seconds)
        cpu = server_cpu(server.proc.pid) - cpu
        stop.set()
        for thread in threads:
            thread.join(timeout=SOCKET_TIMEOUT + 5)
        return RunResult(label, idle, loaded, attacks, cpu)
    finally:
        server.stop()


def report(result: RunResult) -> None:
    """Print one configuration's figures."""
    print(f"\n== {result.label}")
    print(f"  idle   /healthz  {result.idle.describe()}")
    print(f"  loaded /healthz  {result.loaded.describe()}")
    print("  hostile requests (answer: count):")
    print(result.attacks.describe())
    answered = sum(n for (_kind, outcome), n in result.attacks.answers.items() if outcome != "stopped")
    print(f"  server CPU under load {result.cpu_seconds:.1f} s for {answered} hostile requests finished")
    print(f"  loaded p99 / idle p99 = {result.ratio:.2f}")


def main() -> None:
    """Prepare a database, run guarded and baseline, print both and the ratios."""
    # as bench/slow_uploads.py: with 2 workers (4 threads) four clients can hold every thread of the
    # old service; the shipped 2×cores+1 leaves it spare threads on a small machine (try --workers 5)
    args = arguments(__doc__, 20)
    with migrated_instance("hostile") as scratch_run:
        payloads = bodies()
        sizes = ", ".join(f"{kind} {len(body) / 1024:,.0f} KB" for kind, body in payloads.items())
        print(f"{CLIENTS} hostile clients against gunicorn -c config/gunicorn.conf.py "
              f"({args.workers} workers); {sizes}")
        guarded = run(scratch_run, args.workers, args.seconds, payloads, guards=True)
        report(guarded)
        baseline = run(scratch_run, args.workers, args.seconds, payloads, guards=False)
        report(baseline)
        verdict = "within" if guarded.ratio <= TARGET_RATIO else "EXCEEDS"
        print(f"\nsummary: /healthz loaded/idle p99  guards on {guarded.ratio:.2f} ({verdict} target <= "
              f"{TARGET_RATIO:g})  vs  guards off {baseline.ratio:.2f}; loaded p99 "
              f"{guarded.loaded.p99:.1f} ms vs {baseline.loaded.p99:.1f} ms")


if __name__ == "__main__":
    main()
