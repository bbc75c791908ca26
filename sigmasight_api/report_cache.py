"""Rendered reports, reused while the results they were built from are unchanged.

A report changes only when an asset rewrites the portfolio's rows for that date (and every
portfolio-level asset rewrites its `data_quality` row in the same transaction, with a new
computation time) or when company profiles are refreshed. The cache key carries both versions,
so a report is never served stale, and a hit costs one small query instead of the full report
(`sigmasight_resources.db.result_reads.report_key`).
"""

import threading
from collections import OrderedDict

CAPACITY = 4096


class ReportCache:
    """A bounded, thread-safe LRU of rendered report bodies, one per app (lives on `app.state`)."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._bodies: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            return body

    def put(self, key: tuple, body: bytes) -> None:
        with self._lock:
            self._bodies[key] = body
            self._bodies.move_to_end(key)
            while len(self._bodies) > self._capacity:
                self._bodies.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()
