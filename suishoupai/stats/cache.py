"""A short-lived cache of computed summaries, per worker process.

Offices reload a dashboard and then export what they saw: within STATS_CACHE_SECONDS both get the
same figures (the answer's `as_of` says when they were counted) and the database counts once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app

#: summaries kept per process; a summary of a district is some 100 KB
SIZE = 64


class SummaryCache:
    """Least-recently-used entries that expire after a fixed number of seconds; thread-safe."""

    def __init__(self, seconds: float, size: int = SIZE):
        """An empty cache; ``seconds`` <= 0 turns it off."""
        self.seconds, self.size = seconds, size
        self._entries: OrderedDict[Hashable, tuple[float, dict]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], dict]) -> dict:
        """The fresh entry for ``key``, else ``compute()`` stored under it."""
        if self.seconds <= 0:
            return compute()
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > now:
                self._entries.move_to_end(key)
                return entry[1]
        value = compute()  # outside the lock: two callers may both count once, neither waits
        with self._lock:
            self._entries[key] = (time.monotonic() + self.seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value


def summaries() -> SummaryCache:
    """The app's cache (one per app, so tests never share one)."""
    cache = current_app.extensions.get("stats_cache")
    if cache is None:
        cache = SummaryCache(current_app.config["STATS_CACHE_SECONDS"])
        current_app.extensions["stats_cache"] = cache
    return cache
