"""The parts of the peak-day bench that run beside gunicorn: a Redis of its own, moto's S3, the fake
WeChat, the workers as real `suishoupai` processes, and a sampler of the CPU each part used."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

from bench.harness import ROOT, free_port

BUCKET = "suishoupai-peak"
#: the `suishoupai` command from this checkout (the venv's console script may be another checkout's
#: editable install): run from ROOT, `-m` finds the package there first
SUISHOUPAI = [sys.executable, "-m", "suishoupai.cli"]
TICK = os.sysconf("SC_CLK_TCK")


class Redis:
    """A redis-server on a port of its own (the one on 6379 is shared), restartable."""

    def __init__(self, tmp: Path):
        self.port, self.tmp, self.proc = free_port(), tmp, None

    def start(self) -> None:
        """Start and wait for PONG."""
        self.proc = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.tmp)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(100):
            ping = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True)
            if ping.stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not answer")

    def stop(self) -> None:
        """SIGTERM it (a restart loses the counters, as a real one without persistence does)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    @property
    def url(self) -> str:
        """Its URL for RATELIMIT_STORAGE_URI."""
        return f"redis://127.0.0.1:{self.port}/0"


class S3:
    """moto's S3 as a real HTTP server, with the bench's bucket."""

    def __init__(self):
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)

    def start(self) -> str:
        """Start, create the bucket, answer the endpoint URL."""
        # moto's server logs every request through werkzeug: thousands of lines, and CPU, here
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.client().create_bucket(Bucket=BUCKET)
        return self.endpoint

    def client(self):
        """A boto3 client on it."""
        return boto3.session.Session().client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                                              aws_access_key_id="testing", aws_secret_access_key="testing")

    def keys(self) -> list[str]:
        """Every key in the bucket."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        return [o["Key"] for page in pages for o in page.get("Contents", [])]

    def stop(self) -> None:
        """Stop the server and close its socket."""
        self.server.stop()
        self.server._server.server_close()


@dataclass
class Worker:
    """One `suishoupai …` worker process, restartable; its log kept across restarts."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen | None = None
    starts: int = 0

    def start(self) -> None:
        """Launch in a session of its own."""
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen([*SUISHOUPAI, *self.args], cwd=ROOT, env=self.env,
                                         stdout=log, stderr=log, start_new_session=True)
        self.starts += 1

    def kill(self) -> None:
        """kill -9, as a machine losing power does."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        """SIGTERM (the notify worker finishes the message in flight), then wait."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def _tree(pid: int) -> list[int]:
    """A process and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _cpu(pid: int) -> float | None:
    """User + system CPU seconds of one process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def _postgres_cpu() -> float:
    """CPU seconds of every postgres process on the box (other users' work included)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    total += _cpu(int(entry.name)) or 0.0
            except OSError:
                continue
    return total


@dataclass
class CpuMeter:
    """Samples the CPU of each part's process trees every second; a killed process keeps what it
    used up to its last sample."""

    parts: dict[str, list] = field(default_factory=dict)  # name → objects with .proc
    seen: dict[str, dict[int, float]] = field(default_factory=dict)
    stop_flag: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        """Begin sampling."""
        self.pg_start, self.self_start = _postgres_cpu(), time.process_time()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        for name, owners in self.parts.items():
            book = self.seen.setdefault(name, {})
            for owner in owners:
                if owner.proc is None:
                    continue
                for pid in _tree(owner.proc.pid):
                    used = _cpu(pid)
                    if used is not None:
                        book[pid] = max(book.get(pid, 0.0), used)

    def _loop(self) -> None:
        while not self.stop_flag.wait(1.0):
            self._sample()

    def finish(self) -> dict[str, float]:
        """CPU seconds per part, PostgreSQL and this process (clients, moto, fake WeChat)."""
        self._sample()
        self.stop_flag.set()
        out = {name: sum(book.values()) for name, book in self.seen.items()}
        out["postgresql (whole server)"] = _postgres_cpu() - self.pg_start
        out["bench process (clients, moto S3, fake WeChat)"] = time.process_time() - self.self_start
        return out


class Sweeps:
    """The timers, on two "nodes" at once: every cadence both start `reports sweep` (and every third
    time `wishes sweep` and `stats refresh`); the run lock lets one of each pair work."""

    def __init__(self, env: dict, day_seconds: float, tmp: Path):
        # 5 minutes of a 24-hour day, scaled; no faster than a process start allows on a busy box
        self.cadence = max(15.0, day_seconds * 5 / (24 * 60) * 10)
        self.env, self.tmp, self.stopping = env, tmp, threading.Event()
        self.cpu = 0.0
        self.outputs: list[tuple[str, int, str]] = []

    def start(self) -> None:
        """Begin the cadence."""
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        rounds = 0
        while not self.stopping.wait(self.cadence):
            rounds += 1
            commands = [["reports", "sweep"]] + ([["wishes", "sweep"], ["stats", "refresh"]]
                                                  if rounds % 3 == 0 else [])
            for command in commands:
                pair = [subprocess.Popen([*SUISHOUPAI, *command], cwd=ROOT, env=self.env,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                        for _node in (1, 2)]
                for p in pair:
                    out = p.stdout.read()
                    p.stdout.close()
                    # wait4: the CPU a short-lived process used, which sampling would miss
                    _, status, usage = os.wait4(p.pid, 0)
                    p.returncode = os.waitstatus_to_exitcode(status)
                    self.cpu += usage.ru_utime + usage.ru_stime
                    self.outputs.append((" ".join(command), p.returncode, out.strip()))

    def stop(self) -> None:
        """No new rounds; wait for the one under way."""
        self.stopping.set()
        self.thread.join()


def faults(day, servers: list, workers: list, redis) -> None:
    """Mid-day: kill -9 app1, restart it; kill -9 notify1, restart it; restart Redis."""
    plan = [(0.30, "kill -9 app1", lambda: _kill_server(servers[0])),
            (0.40, "restart app1", servers[0].start),
            (0.45, "kill -9 notify1", workers[0].kill),
            (0.55, "restart notify1", workers[0].start),
            (0.60, "stop redis", redis.stop),
            (0.66, "start redis", redis.start)]
    day.fault_log = []
    for share, name, act in plan:
        while not hasattr(day, "start") or day.now() < share * day.seconds:
            time.sleep(0.2)
        act()
        day.fault_log.append((round(day.now(), 1), name))


def _kill_server(server) -> None:
    os.killpg(server.proc.pid, signal.SIGKILL)
    server.proc.wait()
