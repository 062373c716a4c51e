"""Running one function in several threads at once, each with its own app context and session."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from flask import Flask

from suishoupai.extensions import db


def at_once(app: Flask | None, fn: Callable[..., object], n: int = 8,
            args: Sequence[tuple] | None = None) -> list[object]:
    """Start `fn` in n threads released together, or in one thread per tuple of `args` (called as
    fn(*args[i])); the outcomes in thread order, each the result or the exception it raised (the
    caller's assertion names it).

    With `app`, each thread runs in an app context of its own, with its own session; racers that go
    through the test client pass None: each request brings its own context (a thread's context
    would be shared by its requests, `g` included).
    """
    args = list(args) if args is not None else [()] * n
    barrier, outcomes = threading.Barrier(len(args)), [None] * len(args)

    def race(i: int):
        try:
            barrier.wait()
            outcomes[i] = fn(*args[i])
        except Exception as exc:  # noqa: BLE001 - handed to the caller
            outcomes[i] = exc

    def run(i: int):
        if app is None:
            return race(i)
        with app.app_context():
            try:
                race(i)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(args))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
