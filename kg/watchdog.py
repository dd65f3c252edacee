"""A client-side bound on every transaction: a server that stops answering is cut off.

The neo4j driver has no read timeout of its own (only the server's hint sets one), and a
transaction timeout is enforced by the server, which the local engine ignores. When the
local engine drops a Bolt message (over 16 MiB) it never answers, and a client waiting for
the answer would wait forever. A ``Watchdog`` started around a transaction shuts down the
session's socket once the deadline passes (the blocked read then fails), and keeps doing so
until the work ends; the work function checks ``expired`` before each attempt, so the
driver's retry loop stops with ``GraphTimeoutError`` instead of sending the batch again. One
thread per process watches every open block.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from types import TracebackType

from neo4j import Session
from neo4j.exceptions import DriverError, Neo4jError

# After the deadline, cut whatever connection the session holds this often until it returns.
RECUT_SECONDS = 1.0


class GraphTimeoutError(DriverError):
    """A transaction did not finish within SUPPLYMAP_STATEMENT_TIMEOUT; it was abandoned."""

    def is_retryable(self) -> bool:
        return False


def _raw_socket(session: Session) -> socket.socket | None:
    """The socket under the session's current connection, if it holds one (driver 5 and 6)."""
    connection = getattr(session, "_connection", None)
    bolt_socket = getattr(connection, "socket", None)
    raw = getattr(bolt_socket, "_socket", None)
    return raw if isinstance(raw, socket.socket) else None


class _Watcher:
    """One thread per process watches every open Watchdog (a thread started and joined per
    transaction cost more than a short read itself). It sleeps until the earliest deadline;
    a cut happens under the lock that ``leave`` takes, so none happens after a block ends."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active: set[Watchdog] = set()
        self._wake_at = float("inf")
        self._pid = 0  # the process whose thread runs (a forked child starts its own)

    def enter(self, dog: Watchdog) -> None:
        with self._cond:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._wake_at = float("inf")
                threading.Thread(target=self._run, daemon=True, name="graph-watchdog").start()
            self._active.add(dog)
            if dog.next_at < self._wake_at:
                self._cond.notify()

    def leave(self, dog: Watchdog) -> None:
        with self._cond:
            self._active.discard(dog)

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for dog in [d for d in self._active if d.next_at <= now]:
                    dog.expired = True
                    dog.next_at = now + RECUT_SECONDS
                    raw = _raw_socket(dog.session)
                    if raw is not None:
                        with contextlib.suppress(OSError):
                            raw.shutdown(socket.SHUT_RDWR)
                self._wake_at = min((d.next_at for d in self._active), default=float("inf"))
                wait = self._wake_at - now
                self._cond.wait(None if wait == float("inf") else max(wait, 0.0))


_WATCHER = _Watcher()


class Watchdog:
    """``with Watchdog(session, seconds, what): ...`` bounds the work done in the block."""

    def __init__(self, session: Session, seconds: float, what: str = "the transaction") -> None:
        self.session = session
        self.seconds = seconds
        self.what = what
        self.expired = False
        self.next_at = float("inf")  # when the watcher next cuts the session's connection

    def check(self) -> None:
        """Raise instead of starting another attempt once the deadline has passed."""
        if self.expired:
            raise self.error()

    def error(self) -> GraphTimeoutError:
        return GraphTimeoutError(
            f"{self.what} did not finish within {self.seconds:g} s and was abandoned (nothing "
            "of it was committed). The graph database may be overloaded or may have dropped an "
            "oversized message; raise SUPPLYMAP_STATEMENT_TIMEOUT for very large work"
        )

    def __enter__(self) -> Watchdog:
        self.next_at = time.monotonic() + self.seconds
        _WATCHER.enter(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _WATCHER.leave(self)
        if isinstance(exc, GraphTimeoutError):
            return
        if (self.expired and isinstance(exc, Exception)) or _server_timeout(exc):
            raise self.error() from exc


def _server_timeout(exc: BaseException | None) -> bool:
    """Neo4j enforces the transaction timeout itself and says so with a client error
    (Neo.ClientError.Transaction.TransactionTimedOut*): the same outcome as the watchdog's."""
    return isinstance(exc, Neo4jError) and "TransactionTimedOut" in (exc.code or "")
