"""A city's peak day, compressed, on the parts a city runs: two gunicorn instances (the shipped
config, two ports, as two app nodes behind nginx) on one PostgreSQL database, photos in S3 (moto's
server), rate limits in a Redis of the bench's own, two `notify run` workers and one `moderation run`
worker against the local fake WeChat, and the sweeps started on both "nodes" at once on a cadence
scaled to the compressed day (the run lock lets one of each pair run).

The day: a 10-million-person city files ~27,000 随手拍 cases with photos on its peak day; --scale takes
a share of it (default 1/100: some 4,000 requests, a few minutes on a busy 2-core box). The hours
follow the day's shape (morning and evening peaks) over --day-seconds. Each filing (photo upload,
then the report) brings ~10 reads (board lists, details, nearby), a follow now and then, the grid
member's accept and resolve (with an after-photo) or a transfer to a department; a wish now and then
is filed, published, claimed, fulfilled (photo) and confirmed. Clients go to either instance in
turn; a refused connection goes to the other one, creations carry an Idempotency-Key, as the
mini-program's retries do.

At the end it checks: no 5xx; every 2xx has its row, nothing more; no case unrouted; every outbox row
sent or accounted for, none delivered twice across the two workers; no content check made twice;
every photo object has its row and every row its objects; `suishoupai points verify`; the stats
summary equals a recount of the rows; and prints throughput and p95 per kind against /healthz and
/me floors of the same run, and the CPU each part used. --faults kills -9 one app instance and one
notify worker mid-day and restarts them, and restarts Redis.

Run: python -m bench.peak_day [--scale 0.01] [--day-seconds 180] [--clients 12] [--faults]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import threading
from pathlib import Path

from bench import peak_checks, peak_load, peak_parts
from bench.harness import PG_URL, Server, close_target, open_target, say
from bench.peak_parts import BUCKET, S3, CpuMeter, Redis, Worker
from tests.helpers.notify import TEMPLATES
from tests.helpers.wechat_server import FakeWeChat

CITY_FILINGS = 27_000
#: per limit setting, a ceiling the bench's few thousand requests from 127.0.0.1 stay under: the
#: counters still go through Redis on every request
LIMITS = ("LOGIN_PER_IP", "UPLOAD_PER_USER", "UPLOAD_PER_IP", "REPORT_PER_USER", "REPORT_PER_IP",
          "FOLLOW_PER_USER", "FOLLOW_PER_IP", "WISH_PER_USER", "WISH_PER_IP", "CLAIM_PER_USER",
          "CLAIM_PER_IP")


def settings(target, s3_endpoint: str, redis: Redis, wechat: FakeWeChat) -> dict[str, str]:
    """The environment every part shares (as config/deploy/suishoupai.env would give it)."""
    env = {"ENV": "development", "DATABASE_URL": target.url, "DEV_LOGIN": "1",
           "SECRET_KEY": "bench-peak-day-secret-key-long-enough-for-hs256", "LOG_LEVEL": "WARNING",
           "MEDIA_BACKEND": "s3", "S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": s3_endpoint,
           "S3_REGION": "us-east-1", "S3_ACCESS_KEY": "testing", "S3_SECRET_KEY": "testing",
           "S3_ADDRESSING_STYLE": "path", "RATELIMIT_ENABLED": "1", "RATELIMIT_STORAGE_URI": redis.url,
           "RATELIMIT_STORAGE_PREFIX": f"peak{os.getpid()}", "RATELIMIT_ON_STORAGE_ERROR": "open",
           "WECHAT_API_BASE": wechat.url, "WECHAT_APPID": "wx-test-app", "WECHAT_SECRET": "wx-test-secret",
           "MODERATION_PROVIDER": "wechat", "MODERATION_CALLBACK_TOKEN": "benchpeaktoken42",
           "NOTIFY_TEMPLATES": json.dumps(TEMPLATES), "WECHAT_MINIPROGRAM_STATE": "developer",
           "REPORT_REPEAT_MINUTES": "0", "WISH_CLAIM_LIMIT": "100000",
           # a creation that died with its instance holds its Idempotency-Key this long (60 s shipped)
           "IDEMPOTENCY_LOCK_SECONDS": "10"}
    env |= {f"LIMIT_{name}": "1000000 per hour" for name in LIMITS}
    return {f"SUISHOUPAI_{k}": v for k, v in env.items()}


def prepare(env: dict[str, str]) -> dict:
    """Migrate and seed the demo district in this process, as `suishoupai db upgrade` would."""
    from flask_migrate import upgrade

    from suishoupai import create_app
    from suishoupai.demo.seed import seed
    from suishoupai.extensions import db

    os.environ.update(env)
    app = create_app()
    with app.app_context():
        upgrade()
        seeded = seed(rider_points=0)
        db.session.commit()
    return {"app": app, "seeded": seeded}


def main() -> None:
    """Parse options, run the day, check and print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.01, help="share of the city's 27,000 filings")
    parser.add_argument("--day-seconds", type=float, default=180, help="the 24 hours, compressed")
    parser.add_argument("--clients", type=int, default=12, help="concurrent client threads")
    parser.add_argument("--faults", action="store_true", help="kill -9 an app instance and a notify "
                        "worker mid-day and restart them; restart Redis")
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-peak-") as tmp_name:
        tmp = Path(tmp_name)
        target = open_target("postgres", tmp, args.pg_url)
        s3, redis, wechat = S3(), Redis(tmp), FakeWeChat()
        servers: list[Server] = []
        workers: list[Worker] = []
        try:
            wechat.__enter__()
            endpoint = s3.start()
            redis.start()
            env = settings(target, endpoint, redis, wechat)
            say(f"[{target.label}] migrating and seeding the demo district")
            prepared = prepare(env)
            logging.getLogger("werkzeug").setLevel(logging.ERROR)  # alembic's log setup reset it
            for n in (1, 2):
                server = Server(target, name=f"app{n}")
                server.env.update(env)
                server.start()
                servers.append(server)
            base_env = {**os.environ, **env}
            for name, argv in (("notify1", ["notify", "run", "--interval", "0.5"]),
                               ("notify2", ["notify", "run", "--interval", "0.5"]),
                               ("moderation", ["moderation", "run", "--interval", "1"])):
                worker = Worker(name, argv, base_env, tmp / f"{name}.log")
                worker.start()
                workers.append(worker)
            meter = CpuMeter({"app1 (gunicorn)": [servers[0]], "app2 (gunicorn)": [servers[1]],
                              "notify workers": workers[:2], "moderation worker": workers[2:],
                              "redis": [redis]})
            sweeps = peak_parts.Sweeps(base_env, args.day_seconds, tmp)
            meter.start()
            day = peak_load.Day(servers, args, prepared["app"])
            day.wechat = wechat
            faults = threading.Thread(target=peak_parts.faults, args=(day, servers, workers, redis),
                                      daemon=True) if args.faults else None
            say(f"  replaying {day.filings:,} filings over {args.day_seconds:g} s with {args.clients} clients"
                f"{' and faults' if args.faults else ''}")
            sweeps.start()
            if faults:
                faults.start()
            day.run()
            if faults:
                faults.join()
            sweeps.stop()
            say("  day over: draining the workers, then checking")
            checks = peak_checks.settle_and_check(day, prepared["app"], wechat, s3, base_env)
            cpu = meter.finish() | {"sweeps (2 nodes, process starts included)": sweeps.cpu}
            peak_checks.report(day, checks, cpu, sweeps, args)
            ok = all(passed for _, passed in checks)
        finally:
            for worker in workers:
                worker.stop()
            for server in servers:
                server.stop()
            redis.stop()
            s3.stop()
            wechat.__exit__(None, None, None)
            close_target(target, args.pg_url)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
