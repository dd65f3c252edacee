"""Results that read the whole graph (analyses, warnings), cached per process.

A cached result is reused while the graph's load history is unchanged (the count of (:Load)
records and the latest one's end) and for at most SUPPLYMAP_API_CACHE_SECONDS; a load made
through the API, the command line or another worker shows on the next request. One request
computes a missing result while others asking for the same one wait for it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, LiteralString, TypeVar

from kg.connection import Graph

T = TypeVar("T")

_VERSION: LiteralString = (
    "MATCH (l:Load) RETURN count(l) AS loads, max(l.ended_at) AS last, max(l.id) AS newest"
)


def graph_version(graph: Graph) -> tuple[Any, ...]:
    row = graph.query(_VERSION)[0]
    return (row["loads"], str(row["last"]), row["newest"])


class ResultCache:
    def __init__(self, ttl: float, max_entries: int = 32) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[float, tuple[Any, ...], Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}

    def get(self, graph: Graph, key: Hashable, compute: Callable[[], T]) -> T:
        if self.ttl <= 0:
            return compute()
        version = graph_version(graph)
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                hit = self._entries.get(key)
            if hit is not None:
                stamp, seen, value = hit
                if seen == version and time.monotonic() - stamp < self.ttl:
                    result: T = value
                    return result
            value = compute()
            with self._lock:
                self._entries[key] = (time.monotonic(), version, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    old, _ = self._entries.popitem(last=False)
                    self._key_locks.pop(old, None)
            return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
