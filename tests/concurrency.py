"""Running one function in several threads at once, each with its own app context and session."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

from suishoupai.extensions import db


def at_once(app: Flask, fn: Callable[[], object], n: int = 8) -> list[object]:
    """Start `fn` in n threads released together; each outcome is its result or the exception it
    raised (the caller's assertion names it)."""
    barrier, outcomes, lock = threading.Barrier(n), [], threading.Lock()

    def run():
        with app.app_context():
            try:
                barrier.wait()
                outcome = fn()
            except Exception as exc:  # noqa: BLE001 - handed to the caller
                outcome = exc
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
