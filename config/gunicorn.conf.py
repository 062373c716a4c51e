"""gunicorn settings for suishoupai (`gunicorn -c config/gunicorn.conf.py wsgi:app`).

Threaded workers: a photo arriving slowly over a mobile network holds one thread, not a whole
process, so other requests keep answering. Behind nginx, also buffer request bodies at the proxy
(see README, production notes).

Two threads per worker: the requests are mostly Python work between short database round trips,
so a third thread mostly waits for the GIL. Measured on 2 cores with 2 workers and 16 clients
filing reports (bench/reports.py): 1, 2, 3, 4 and 8 threads gave 179–186, 168–175, 174, 145–155
and 138–150 filings/s; two slow uploaders still leave /healthz answering with 2 threads
(bench/slow_uploads.py). Raise GUNICORN_THREADS when more slow uploads than that reach gunicorn
unbuffered.
"""

import contextlib
import gc
import multiprocessing
import os
import socket
import sys

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 9)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 2))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
#: recycle workers now and then so slow leaks cannot grow without bound; a worker boots in about
#: 2 s of CPU, so at a few hundred requests a second 2,000 would spend a tenth of the CPU rebooting
max_requests = 20000
max_requests_jitter = 2000
#: build the app once in the master and fork the workers from it: each worker importing and building
#: it itself cost ~1.6 s of CPU (wsgi import, measured with -X importtime), five of them on 2 cores
#: most of a 34 s boot. What a fork must not share is reset in post_fork; GUNICORN_PRELOAD=0 turns
#: it off (code reloading, or a driver that cannot survive a fork)
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
#: the app writes one structured line per request; gunicorn's own access log would repeat it
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
#: the runtime control socket (gunicornc) is one fixed path per user by default: several instances
#: on one machine would take it from each other; enable with a per-instance path if needed
control_socket_disable = True
# answers carry `Server: gunicorn` without the version (gunicorn dropped it in 20.1); gunicorn offers no
# setting to drop the name too, and rewriting its module constant is not supported


def on_starting(server):
    """Refuse to start, before any worker boots, when the settings cannot run: one message naming every
    problem, instead of each worker failing on it in turn."""
    from suishoupai import settings

    try:
        settings.validate(settings.load())
    except settings.SettingsError as exc:
        server.log.error("%s", exc)
        sys.exit(1)


def post_fork(server, worker):
    """A worker forked from a preloaded app gets its own database connections: the pool copied from
    the master is forgotten without closing the master's sockets (SQLAlchemy's advice for forks)."""
    if not server.cfg.preload_app:
        return
    from suishoupai.extensions import db

    with server.app.wsgi().app_context():
        db.engine.dispose(close=False)


def post_worker_init(worker):
    """Move the objects loading the app made (about 240,000) out of the garbage collector's way: its
    full collections then skip them. Measured in-process: collections took 0.3–0.4 ms of a filing's
    ~6 ms CPU, 0.04–0.05 ms after the freeze."""
    gc.freeze()


def post_request(worker, req, environ, resp):
    """An error answered before its request's body was read to the end (the app refuses a write from
    its headers: no token, a role that never uses it, a JSON body over the cap) closes the connection
    at once. gunicorn would otherwise read and drop up to 64 KB of the body for up to 5 s to reuse the
    connection (in this thread), then linger up to 2 s reading more before closing (on the worker's
    main thread, which stalls every connection of the worker): a client trickling a refused body would
    hold both (bench/hostile_requests.py). A failed body is gunicorn's own "do not reuse this
    connection"; with the read side shut, the linger finds nothing to wait for. The answer is already
    sent; a client still sending may see a reset instead (behind nginx, nginx is that client)."""
    body = getattr(req, "body", None)
    if resp is None or resp.status_code < 400 or not getattr(getattr(body, "reader", None), "length", 0):
        return
    body.failed = True
    with contextlib.suppress(KeyError, OSError):  # a socket already gone needs nothing more
        environ["gunicorn.socket"].shutdown(socket.SHUT_RD)
